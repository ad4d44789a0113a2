"""The built wheel: what a user installs from a clone (the package is not on PyPI; README "Install")."""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("azure_inference_adapters-*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def metadata(wheel: zipfile.ZipFile) -> Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return email.message_from_bytes(wheel.read(name))


def test_licence_is_shipped(wheel: zipfile.ZipFile, metadata: Message) -> None:
    assert metadata["License-Expression"] == "MIT"
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert wheel.read(name) == (ROOT / "LICENSE").read_bytes()
    assert b"MIT License" in wheel.read(name)


def test_project_urls_and_classifiers(metadata: Message) -> None:
    urls = dict(u.split(", ", 1) for u in metadata.get_all("Project-URL", []))
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    classifiers = metadata.get_all("Classifier", [])
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert metadata["Requires-Python"] == ">=3.10"


def test_no_exact_pins_are_published(metadata: Message) -> None:
    """Users install extras next to their own stacks: every requirement is a range, test-only ones included."""
    requirements = metadata.get_all("Requires-Dist", [])
    assert any("extra == 'dev'" in r for r in requirements)
    assert any(r.startswith("azure-ai-inference") for r in requirements)
    assert [r for r in requirements if "==" in r.split(";")[0]] == []


def test_packages_spec_and_typing_markers_are_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for package in ("azure_inference", "langchain_azure_inference", "llamaindex_azure_inference"):
        assert f"{package}/__init__.py" in names
        assert f"{package}/py.typed" in names
    specs = [n for n in names if n.startswith("azure_inference/emulator/spec/") and n.endswith("openapi.json")]
    assert len(specs) == 3  # the emulator validates against them at run time
    assert not [n for n in names if n.startswith(("tests/", "notebooks/", "demo/"))]
