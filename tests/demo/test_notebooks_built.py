"""The stored notebooks are exactly what ``notebooks/_build.py`` makes from ``notebooks/src`` (never hand-edited)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def test_notebooks_match_their_sources() -> None:
    result = subprocess.run(
        [sys.executable, "notebooks/_build.py", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_notebooks_are_stored_without_outputs_and_manage_their_emulator() -> None:
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.name[:2] for p in paths] == ["01", "02", "03", "04", "05", "06", "07"]
    for path in paths:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert "backend = connect(" in code[0].source, path.name  # azure_inference.notebook: one-line set-up
        assert "backend.close()" in code[-1].source, path.name
        # runnable outside the clone: no path into the repository
        assert not [c.source for c in code if "ROOT" in c.source or "demo/" in c.source], path.name
