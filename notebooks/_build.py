"""Build ``notebooks/*.ipynb`` from the percent-format sources in ``notebooks/src/*.py`` (outputs cleared).

Run ``python notebooks/_build.py`` after editing a source; ``--check`` exits 1 when a notebook is stale.

Source format (as jupytext's "percent" format): ``# %%`` starts a code cell, ``# %% [markdown]`` a Markdown
cell whose lines are comments (``# `` is stripped). Two shared cells keep every notebook's start and end the
same: a line ``# %% [setup]`` becomes the cell that starts the emulator (unless an endpoint is configured),
``# %% [setup-emulator]`` one that always starts it, and ``# %% [teardown]`` the cell that stops it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "src"

SETUP_MD = """\
### Where the models are

One line sets everything up: with `AZURE_INFERENCE_ENDPOINT` set (and `AZURE_INFERENCE_CREDENTIAL`,
optionally `AZURE_INFERENCE_MODEL` and `AZURE_INFERENCE_EMBEDDINGS_MODEL`) the notebook runs against your
deployment; otherwise `connect()` starts the bundled emulator (the `[emulator]` extra) on a free loopback port.
It also writes the deployment profiles used below, so the notebook runs from any directory, inside the
repository or not. The last cell stops the emulator."""

SETUP = """\
from azure_inference.notebook import connect

backend = connect()  # your deployment when AZURE_INFERENCE_ENDPOINT is set, else the bundled emulator
emu = backend.emulator  # the emulator's handle (None against a real deployment)
print(backend)"""

SETUP_EMULATOR_MD = """\
### The emulator

This notebook is about what the bundled emulator can show (several API surfaces, injected faults), so it always
starts one, on a free loopback port, with the deployment profiles used below. The last cell stops it."""

SETUP_EMULATOR = """\
from azure_inference.notebook import connect

backend = connect(emulator=True)  # always the bundled emulator, whatever the environment says
emu = backend.emulator
print(backend)"""

TEARDOWN = """\
backend.close()  # stops the emulator (a no-op against a real deployment)
print("stopped")"""


def parse(source: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format source into notebook cells."""
    cells: list[nbformat.NotebookNode] = []
    kind: str | None = None
    lines: list[str] = []

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.splitlines())
            cells.append(new_markdown_cell(text))
        elif kind == "code" and text:
            cells.append(new_code_cell(text))

    for line in source.splitlines():
        if line.startswith("# %%"):
            flush()
            lines = []
            marker = line[4:].strip()
            if marker == "[setup]":
                cells.extend([new_markdown_cell(SETUP_MD), new_code_cell(SETUP)])
                kind = None
            elif marker == "[setup-emulator]":
                cells.extend([new_markdown_cell(SETUP_EMULATOR_MD), new_code_cell(SETUP_EMULATOR)])
                kind = None
            elif marker == "[teardown]":
                cells.append(new_code_cell(TEARDOWN))
                kind = None
            else:
                kind = "markdown" if marker == "[markdown]" else "code"
            continue
        lines.append(line)
    flush()
    return cells


def build(path: Path) -> nbformat.NotebookNode:
    """The notebook for one source file (stable cell ids so rebuilding an unchanged source changes nothing)."""
    nb = new_notebook(cells=parse(path.read_text(encoding="utf-8")))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{path.stem[:2]}-{i:02d}"
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main(argv: list[str]) -> int:
    """Write every notebook (or with ``--check`` report the stale ones)."""
    check = "--check" in argv
    stale = []
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        target = HERE / (source.stem + ".ipynb")
        text = nbformat.writes(build(source)) + "\n"
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent)}")
    if stale:
        print("stale notebooks (run python notebooks/_build.py):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
