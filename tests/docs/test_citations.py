"""Citations of the wire notes point at sections that exist, and the docs cite files that are in the repository.

Code and docs cite ``docs/wire.md §N`` (older comments still say ``WIRE.md §N`` and ``WIRE-V1.md §N``, the
pre-publication names of the same notes; ``WIRE.md §N`` is ``docs/wire.md §N`` and ``WIRE-V1.md §N`` is
``docs/wire.md §V1.N``). ``§11.N`` is item N of the checklist in §11, ``§V1.7.N`` rule N of §V1.7.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIRE = ROOT / "docs" / "wire.md"
SOURCES = ["azure_inference", "langchain_azure_inference", "llamaindex_azure_inference", "demo", "tests", "docs"]
CITATION = re.compile(r"(docs/wire\.md|WIRE-V1\.md|WIRE\.md)((?:(?:, |; | and | )§[0-9A-Za-z]+(?:\.[0-9]+)*)+)")
# the docs a reader opens first; they must not send anyone to a file that is not in the repository
READER_DOCS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]


def sections() -> set[str]:
    text = WIRE.read_text(encoding="utf-8")
    found = {m.group(1) for m in re.finditer(r"^#{2,3} ((?:V1\.)?[0-9]+[a-z]?(?:\.[0-9]+)*|S)[. ]", text, re.M)}
    checklist = text[text.index("## 11. ") : text.index("## 12. ")]
    found |= {f"11.{n}" for n in re.findall(r"^([0-9]+)\. ", checklist, re.M)}
    rules = text[text.index("## V1.7. ") : text.index("## V1.8. ")]  # ``§7.N`` of the V1 notes: rule N
    found |= {f"V1.7.{n}" for n in re.findall(r"^([0-9]+)\. ", rules, re.M)}
    return found


def citations() -> list[tuple[str, str]]:
    """``(where, section)`` for every section cited in the sources, with the V1 file's sections renamed."""
    files = [ROOT / "README.md", *(p for d in SOURCES for p in (ROOT / d).rglob("*") if p.suffix in {".py", ".md"})]
    cited = []
    for path in files:
        if path == WIRE or path == Path(__file__):
            continue
        for match in CITATION.finditer(path.read_text(encoding="utf-8")):
            for section in re.findall(r"§([0-9A-Za-z]+(?:\.[0-9]+)*)", match.group(2)):
                cited.append(
                    (path.relative_to(ROOT).as_posix(), f"V1.{section}" if "V1" in match.group(1) else section)
                )
    return cited


def test_wire_notes_have_both_apis() -> None:
    have = sections()
    assert {"S", "0", "2.1", "4", "8b", "11", "11.17", "12"} <= have
    assert {"V1.1", "V1.2.4", "V1.3.4", "V1.8"} <= have


def test_every_cited_section_exists() -> None:
    cited = citations()
    assert len(cited) > 50  # the code leans on these notes; an empty list would mean the pattern broke
    missing = sorted({(where, section) for where, section in cited if section not in sections()})
    assert missing == []


@pytest.mark.parametrize("doc", READER_DOCS)
def test_reader_docs_cite_only_files_in_the_repository(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert not re.search(r"(?<!docs/)(WIRE|WIRE-V1|DESIGN)\.md|\.\./shared", text)
