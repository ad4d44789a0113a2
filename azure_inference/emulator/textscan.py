"""Finding values in text: quoted strings, numbers (digits and words), dates, enum members, capitalised names,
and the JSON keys a prompt asks for. Pure functions over a string; :mod:`.grounding` decides which value goes
to which field (docs/emulator.md, "Grounded arguments").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_UNIT_TEXT = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_UNITS = [*_UNIT_TEXT.split(), "seventeen", "eighteen", "nineteen"]
_TENS_TEXT = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TENS_TEXT.split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_WORDS = {**{w: i for i, w in enumerate(_UNITS)}, **_TENS}
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_DIGITS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_QUOTES = (("'", "'"), ('"', '"'), ("“", "”"), ("‘", "’"), ("«", "»"), ("「", "」"), ("『", "』"))
_MONTH_TEXT = "january february march april may june july august september october november december"
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_TEXT.split())}
_MONTH = "(" + "|".join(_MONTHS) + ")"
_DATES = (
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?\b"),
    re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})\b", re.IGNORECASE),
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://[^\s'\"<>)]+")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_LETTERS = re.compile(r"[a-zA-Z]+")
_MAX_DIGITS = 18  # longer digit runs are ids, not quantities (and would overflow a float or int parsing)
_NOT_NAMES = frozenset(["I", "JSON", "XML", "YAML", "CSV", "HTML", "API", "URL", "SQL", "PDF", "OK"])
_UNIT_SUFFIX_TEXT = "k m g kg mg km cm mm mi ft lb lbs oz l ml h hr hrs min s ms x st nd rd th"
_UNIT_SUFFIXES = frozenset(_UNIT_SUFFIX_TEXT.split())


@dataclass
class Candidate:
    """A value found in the text, with where it was found."""

    value: Any
    start: int
    end: int
    kind: str


def fold(word: str) -> str:
    """Lower-case, with a naive plural ``s`` removed (``rooms`` → ``room``)."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def words_of(text: str) -> list[tuple[str, int, int]]:
    """The folded words of ``text`` with their spans."""
    return [(fold(m.group(0)), m.start(), m.end()) for m in WORD.finditer(text)]


def find_quoted(text: str) -> list[Candidate]:
    """Quoted strings (the quotes stripped), in text order."""
    out = []
    for open_q, close_q in _QUOTES:
        pattern = re.compile(re.escape(open_q) + r"([^\n" + re.escape(close_q) + r"]+)" + re.escape(close_q))
        for m in pattern.finditer(text):
            before = text[m.start() - 1] if m.start() else " "
            after = text[m.end()] if m.end() < len(text) else " "
            # An apostrophe inside a word ("customer's") opens nothing; a quote closes before a non-letter.
            if open_q == close_q and (before.isalnum() or after.isalnum()):
                continue
            if m.group(1).strip():
                out.append(Candidate(m.group(1), m.start(), m.end(), "quoted"))
    return sorted(out, key=lambda c: c.start)


def find_dates(text: str) -> list[Candidate]:
    """Dates as ``(iso date, iso date-time or None)`` values, in text order."""
    out = []
    for i, pattern in enumerate(_DATES):
        for m in pattern.finditer(text):
            g = m.groups()
            try:
                if i == 0:
                    day = dt.date(int(g[0]), int(g[1]), int(g[2]))
                elif i == 1:
                    day = dt.date(int(g[2]), _MONTHS[g[0].lower()], int(g[1]))
                else:
                    day = dt.date(int(g[2]), _MONTHS[g[1].lower()], int(g[0]))
            except ValueError:
                continue
            stamp = None
            if i == 0 and g[3] is not None:
                zone = g[6] or "Z"
                stamp = f"{day.isoformat()}T{g[3]}:{g[4]}:{g[5] or '00'}{zone}"
            out.append(Candidate((day.isoformat(), stamp), m.start(), m.end(), "date"))
    return sorted(out, key=lambda c: c.start)


def find_numbers(text: str, words: Sequence[tuple[str, int, int]]) -> list[Candidate]:
    """Numbers in digits and in words (not inside names, dates or clock times), in text order."""
    out: list[Candidate] = []
    taken = bytearray(len(text))  # characters inside a date or a clock time: their digits are no numbers
    for span in [(c.start, c.end) for c in find_dates(text)] + [m.span() for m in _CLOCK.finditer(text)]:
        taken[span[0] : span[1]] = b"\x01" * (span[1] - span[0])
    for m in _DIGITS.finditer(text):
        start, end = m.start(), m.end()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if before.isalnum() or before in "_." or taken[start] or len(m.group(0)) > _MAX_DIGITS:
            continue
        hyphenated = before == "-" and start >= 2 and text[start - 2].isalnum()
        if hyphenated:  # "gpt-4", "3-5": part of a name or a range, not a value
            continue
        if after.isalpha() or after == "_":
            tail = _LETTERS.match(text, end)
            if tail is None or tail.group(0) not in _UNIT_SUFFIXES:  # "4o", "3D" are names; "2kg" a number
                continue
        negative = before == "-"
        raw = m.group(0).replace(",", "")
        value: int | float = float(raw) if "." in raw else int(raw)
        out.append(Candidate(-value if negative else value, start - negative, end, "number"))
    out += _number_words(words)
    return sorted(out, key=lambda c: c.start)


def _number_words(words: Sequence[tuple[str, int, int]]) -> list[Candidate]:
    out = []
    i = 0
    while i < len(words):
        j, total, current, seen = i, 0, 0, False
        while j < len(words):
            w = words[j][0]
            if w in _NUMBER_WORDS:
                current += _NUMBER_WORDS[w]
            elif w in _SCALES and seen:
                scale = _SCALES[w]
                if scale == 100:
                    current *= 100
                else:
                    total, current = total + current * scale, 0
            elif w == "and" and seen and j + 1 < len(words) and words[j + 1][0] in _NUMBER_WORDS:
                pass
            else:
                break
            seen, j = True, j + 1
        if seen:
            out.append(Candidate(total + current, words[i][1], words[j - 1][2], "number"))
            i = j
        else:
            i += 1
    return out


def find_enum_members(text: str, schema: Mapping[str, Any]) -> list[Candidate]:
    """Occurrences of the members of ``schema["enum"]`` (case-insensitive), in text order."""
    out = []
    lowered = text.lower()
    for member in schema.get("enum") or ():
        if isinstance(member, bool) or not isinstance(member, (str, int, float)):
            continue
        text = str(member).lower()
        for variant in {text, text.replace("_", " "), text.replace("-", " ")}:
            if not variant.strip():
                continue
            for m in re.finditer(r"(?<!\w)" + re.escape(variant) + r"(?!\w)", lowered):
                out.append(Candidate(member, m.start(), m.end(), "enum"))
    return sorted(out, key=lambda c: c.start)


def find_capitalised(text: str) -> list[Candidate]:
    """Runs of capitalised words that do not start a sentence (``New York``), in text order."""
    runs: list[list[tuple[int, int]]] = []
    for m in WORD.finditer(text):
        word = m.group(0)
        if not (word[:1].isalpha() and word[:1].isupper()) or word in _NOT_NAMES:
            runs.append([])
            continue
        if runs and runs[-1] and text[runs[-1][-1][1] : m.start()].strip() == "":
            runs[-1].append((m.start(), m.end()))
        else:
            runs.append([(m.start(), m.end())])
    out = []
    for run in runs:
        prev = text[: run[0][0]].rstrip() if run else ""
        # A capital after a sentence end, a colon or a quote starts a sentence, not a name; an acronym
        # ("ACME owes 12.5") is a name wherever it stands.
        first = text[run[0][0] : run[0][1]] if run else ""
        if run and (not prev or prev[-1] in ".!?:\n\"'") and not (len(first) > 1 and first.isupper()):
            run = run[1:]
        if run:
            out.append(Candidate(text[run[0][0] : run[-1][1]], run[0][0], run[-1][1], "name"))
    return out


_KEY = r"(?:'[^'\n]+'|\"[^\"\n]+\"|[A-Za-z_][\w-]*)"
_KEY_LIST = rf"({_KEY}(?:\s*,\s*(?:and\s+)?{_KEY})*(?:\s*,?\s+(?:and|or)\s+{_KEY})?)"
_KEYS_AFTER = re.compile(
    r"\b(?:keys?|fields?|properties|attributes)\s*(?:named|called)?\s*:?\s*" + _KEY_LIST, re.IGNORECASE
)
_KEYS_BEFORE = re.compile(
    r"\bwith\s+(?:the\s+)?" + _KEY_LIST + r"\s+(?:keys?|fields?|properties|attributes)\b", re.IGNORECASE
)
_NOT_KEY_TEXT = "the a an and or of in with as json object only nothing other than"
_NOT_KEYS = frozenset(_NOT_KEY_TEXT.split())


def keys_named(text: str) -> list[str]:
    """The JSON keys a prompt asks for: ``with keys setup and punchline``, ``with 'a' and 'b' keys``."""
    for pattern in (_KEYS_BEFORE, _KEYS_AFTER):
        for m in pattern.finditer(text):
            items = re.findall(r"'([^'\n]+)'|\"([^\"\n]+)\"|([A-Za-z_][\w-]*)", m.group(1))
            keys = []
            for quoted1, quoted2, bare in items:
                key = quoted1 or quoted2 or bare
                if bare and bare.lower() in ("and", "or"):
                    continue
                if key and key not in keys:
                    keys.append(key)
            if keys and not all(k.lower() in _NOT_KEYS for k in keys):
                return [k for k in keys if k.lower() not in _NOT_KEYS]
    return []
