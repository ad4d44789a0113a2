"""The bundled document set: short, self-written texts about a fictional outdoor-gear company.

Each file covers one clearly distinct topic (returns, warranty, shipping, travel expenses, remote work,
security, the loyalty club, the company itself), so a question has exactly one right passage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CORPUS_DIR", "Passage", "load_corpus"]

CORPUS_DIR = Path(__file__).resolve().parent
"""The folder holding the ``*.md`` documents."""


@dataclass(frozen=True)
class Passage:
    """One document of the corpus.

    Attributes:
        source: File name, e.g. ``returns.md`` (what the demo prints as the retrieved source).
        title: The Markdown heading.
        text: The body without the heading.
    """

    source: str
    title: str
    text: str


def load_corpus(folder: Path = CORPUS_DIR) -> list[Passage]:
    """Every ``*.md`` file of ``folder``, sorted by name."""
    passages = []
    for path in sorted(folder.glob("*.md")):
        heading, _, body = path.read_text(encoding="utf-8").partition("\n")
        passages.append(Passage(source=path.name, title=heading.lstrip("# ").strip(), text=body.strip()))
    return passages
