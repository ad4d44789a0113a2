"""Importing an adapter package without its framework names the extra to install.

Each case runs in a fresh interpreter whose import system reports the framework as missing (a ``sys.meta_path``
finder placed first, raising ``ModuleNotFoundError`` as Python does for an absent module); our code is not patched.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT_WITHOUT = """
import json, sys
from importlib.abc import MetaPathFinder

MISSING = {missing!r}

class Missing(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == MISSING or name.startswith(MISSING + "."):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Missing())
try:
    import {package}
    {package}.__dict__  # touch it
except ImportError as exc:
    print(json.dumps({{"type": type(exc).__name__, "message": str(exc), "cause": repr(exc.__cause__)}}))
else:
    print(json.dumps({{"type": None}}))
"""


def import_without(package: str, missing: str) -> dict[str, str | None]:
    script = IMPORT_WITHOUT.format(package=package, missing=missing)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, str | None] = json.loads(out.stdout)
    return result


@pytest.mark.parametrize(
    ("package", "missing", "extra", "distribution"),
    [
        ("langchain_azure_inference", "langchain_core", "langchain", "langchain-core"),
        ("llamaindex_azure_inference", "llama_index.core", "llamaindex", "llama-index-core"),
        ("llamaindex_azure_inference", "llama_index", "llamaindex", "llama-index-core"),
    ],
)
def test_missing_framework_names_the_extra(package: str, missing: str, extra: str, distribution: str) -> None:
    result = import_without(package, missing)
    assert result["type"] == "ImportError"  # not the raw ModuleNotFoundError
    assert result["message"] is not None
    assert f'pip install "azure-inference-adapters[{extra}]"' in result["message"]
    assert distribution in result["message"]
    assert "ModuleNotFoundError" in str(result["cause"])  # the original error stays attached


def test_a_missing_unrelated_module_is_not_relabelled() -> None:
    """Only the framework's own absence becomes the extra hint; other import failures surface as they are."""
    result = import_without("llamaindex_azure_inference", "sqlalchemy")  # a dependency of llama-index-core
    assert result["type"] == "ModuleNotFoundError"
    assert "sqlalchemy" in str(result["message"])
    assert "azure-inference-adapters[" not in str(result["message"])


def test_the_hint_does_not_fire_when_the_framework_is_installed() -> None:
    assert import_without("langchain_azure_inference", "no_such_module_here")["type"] is None
    assert import_without("llamaindex_azure_inference", "no_such_module_here")["type"] is None


@pytest.mark.parametrize(
    ("package", "hidden", "extra"),
    [
        ("langchain_azure_inference", "langchain_core", "langchain"),
        ("llamaindex_azure_inference", "llama_index", "llamaindex"),
    ],
)
def test_really_absent_framework(tmp_path: Path, package: str, hidden: str, extra: str) -> None:
    """The same with the framework truly absent: a copy of site-packages (as symlinks) without it, no finder."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages")))
    view = tmp_path / "site-packages"
    view.mkdir()
    for entry in site.iterdir():
        if entry.name != hidden and not entry.name.startswith(f"{hidden}-"):
            (view / entry.name).symlink_to(entry)
    script = f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(view)!r}]; import {package}"
    # -S: no site-packages of our own, -I: ignore PYTHONPATH and the user site; the view is all there is
    out = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 1
    assert "ImportError" in out.stderr
    assert f'pip install "azure-inference-adapters[{extra}]"' in out.stderr
