"""Every Python block of README.md runs as written against a real emulator subprocess.

The environment is the one the README tells a user to set up ("Point it at a deployment (or at the emulator)"):
the ``export`` lines of the block that starts the emulator, with its port replaced by the test emulator's.
Each block runs alone in a fresh interpreter in an empty directory, so a block that stops working (an import,
a renamed argument, a refused request, an exception) fails its own test case.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_inference.emulator import EmulatorHandle, run_emulator

pytestmark = pytest.mark.e2e
README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def blocks(language: str) -> list[tuple[str, str]]:
    """``(heading, code)`` of each fenced block in ``language``, in README order."""
    text = README.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        if match.group(1) == language:
            headings = re.findall(r"^#+ (.+)$", text[: match.start()], re.M)
            found.append((headings[-1] if headings else "top", match.group(2)))
    return found


def emulator_setup() -> tuple[int, dict[str, str]]:
    """The port the README starts the emulator on, and the variables it tells the user to export."""
    for _, code in blocks("bash"):
        started = re.search(r"python -m azure_inference\.emulator --port (\d+)", code)
        if started:
            exports = dict(re.findall(r'^export (\w+)="?([^"\s]+)"?', code, re.M))
            return int(started.group(1)), exports
    raise AssertionError("README no longer shows how to start the emulator and point the quick starts at it")


PYTHON_BLOCKS = blocks("python")
ID = [f"{i}-{re.sub(r'[^a-z0-9]+', '-', heading.lower()).strip('-')}" for i, (heading, _) in enumerate(PYTHON_BLOCKS)]


def test_readme_has_the_quick_starts() -> None:
    headings = [heading for heading, _ in PYTHON_BLOCKS]
    for quick_start in ("Quick start: LangChain", "Quick start: LlamaIndex", "Quick start: the transport alone"):
        assert quick_start in headings
    port, exports = emulator_setup()
    assert exports["AZURE_INFERENCE_ENDPOINT"].startswith(f"http://127.0.0.1:{port}/openai/v1")  # README leads with v1


@pytest.fixture(scope="module")
def readme_emulator() -> Iterator[EmulatorHandle]:
    with run_emulator() as handle:
        yield handle


@pytest.mark.parametrize("code", [code for _, code in PYTHON_BLOCKS], ids=ID)
def test_readme_block_runs(code: str, readme_emulator: EmulatorHandle, tmp_path: Path) -> None:
    port, exports = emulator_setup()
    base = readme_emulator.url  # http://127.0.0.1:<port>
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_INFERENCE_")}
    env.update({k: v.replace(f"http://127.0.0.1:{port}", base) for k, v in exports.items()})
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"README block failed:\n{code}\n--- stderr ---\n{done.stderr[-3000:]}"
    assert done.stdout.strip(), "every README block prints what it shows"
    assert readme_emulator.control.health()["internal_errors"] == 0
