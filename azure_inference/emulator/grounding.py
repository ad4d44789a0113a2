"""Values taken from the conversation: the emulated model fills tool arguments and JSON from what was said.

docs/emulator.md, "Grounded arguments", is the reference. For each field of a tool's parameters (or of a
``json_schema`` answer) the first rule that yields a value the field's schema accepts wins:

1. an explicit ``name=value`` or ``name: value`` (``customer_name: Ada``, ``days=3``);
2. a quoted string (``'你好啊集团'``, ``"Hello"``, ``“…”``, ``「…」``) for string fields;
3. a number (digits or words: ``3``, ``2.5``, ``three``, ``twenty-one``) for integer and number fields;
4. an enum member that appears in the text;
5. a date (``2025-03-05``, ``March 5, 2025``) for ``format: date`` / ``date-time``; an e-mail or URL for
   ``email`` / ``uri``;
6. free-text fields (``query``, ``question``, ``description``, ...) get the whole message;
7. a boolean field whose name appears in the text is true (false after ``no``/``not``/``without``);
8. a capitalised word or phrase (``New York``) for fields named like places, people or products;

and only when nothing fits, the value derived from the schema (:mod:`.schemagen`). When several candidates
of one kind exist, each field takes the one nearest to a word of its name or description (``3 rooms for 2
nights``), ties going to the earlier field and the earlier candidate; a candidate serves one field. Text is
never normalised, so unicode comes back exactly as sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft7Validator

from .rag import STOPWORDS
from .textscan import (
    EMAIL,
    URL,
    WORD,
    Candidate,
    find_capitalised,
    find_dates,
    find_enum_members,
    find_numbers,
    find_quoted,
    fold,
    keys_named,
    words_of,
)

__all__ = ["FREE_TEXT", "MISSING", "NAME_LIKE", "Field", "Hints", "fits", "keys_named"]

MISSING: Any = object()
"""Returned when the text offers nothing for a field (the schema-derived value is used instead)."""

_FREE_TEXT_NAMES = (
    "query q question text prompt input search search_query message description content body details notes"
)
FREE_TEXT = frozenset(_FREE_TEXT_NAMES.split())
"""Field names that take the whole message when nothing more specific fits."""
_NAME_LIKE_WORDS = """location city place country state region area destination origin address venue town where name
person user customer company organization organisation org author artist owner contact recipient sender product item
brand title team player employee manager airport station street capital"""
NAME_LIKE = frozenset(_NAME_LIKE_WORDS.split())
"""Words that make a field place-, person- or product-like: it takes a capitalised phrase (``New York``)."""


MAX_CANDIDATES = 200
"""The most candidates of one kind considered per field (the earliest in the text)."""
_FLAG_PREFIXES = frozenset(["is", "has", "use", "enable", "include", "with", "should", "want"])
_NEGATIONS = frozenset(["no", "not", "without", "non", "don't", "dont", "never"])


@dataclass
class Field:
    """One field to fill: its name, schema (``$ref``/union already resolved) and description."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""


def _split_name(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[\W_]+", spaced.lower()) if w]


def fits(value: Any, schema: Mapping[str, Any]) -> bool:
    """Whether ``value`` validates against ``schema`` (a schema the validator cannot use fits nothing)."""
    try:
        return bool(Draft7Validator(schema).is_valid(value))
    except Exception:  # a hostile or broken schema: fall back to the schema-derived value
        return False


def _kind(schema: Mapping[str, Any]) -> str:
    stype = schema.get("type")
    if isinstance(stype, list):
        stype = next((t for t in stype if t != "null"), None)
    if isinstance(schema.get("enum"), list):
        return "enum"
    return stype if isinstance(stype, str) else ("string" if "format" in schema else "")


@dataclass
class Hints:
    """The conversation text values are drawn from, and which of its candidates are taken.

    Attributes:
        text: The latest user turn (and the tool results that follow it).
        fallback: What a string field gets when the text offers nothing (the schema-derived value).
    """

    text: str = ""
    fallback: str = "example"
    nodes: int = 0
    _used: set[tuple[int, int]] = field(default_factory=set)
    _reserved: list[tuple[int, int]] = field(default_factory=list)
    _words: list[tuple[str, int, int]] = field(default_factory=list, init=False)
    _dates: list[Candidate] = field(default_factory=list, init=False)
    _quoted: list[Candidate] = field(default_factory=list, init=False)
    _numbers: list[Candidate] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._words = words_of(self.text)
        self._dates = find_dates(self.text)
        self._quoted = find_quoted(self.text)
        self._numbers = find_numbers(self.text, self._words)

    # -- matching ------------------------------------------------------------------------------------------

    def _keywords(self, f: Field) -> set[str]:
        words = {fold(w) for w in _split_name(f.name) if len(w) >= 2}
        words |= {fold(w) for w in WORD.findall(f.description) if len(w) >= 3}
        return {w for w in words if w not in STOPWORDS}

    def _distance(self, spans: Sequence[tuple[int, int]], c: Candidate) -> float:
        best = math.inf
        for start, end in spans:
            if not (c.start <= start and end <= c.end):
                best = min(best, start - c.end if start >= c.end else c.start - end)
        return best

    def _explicit_match(self, f: Field) -> tuple[Any, tuple[int, int]]:
        names = {f.name, f.name.replace("_", " "), " ".join(_split_name(f.name))}
        for name in sorted(names, key=len, reverse=True):
            pattern = r"(?<![\w])" + re.escape(name) + r"\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([^,;\n)]+))"
            for m in re.finditer(pattern, self.text, re.IGNORECASE):
                group = next(i for i, g in enumerate(m.groups(), 1) if g is not None)
                raw = m.group(group).strip()
                raw = re.split(r"\s+and\s+", raw)[0].strip() if group == 3 else raw
                value = _convert(raw, f.schema)
                if value is not MISSING and fits(value, f.schema):
                    return value, (m.start(group), m.end(group))
        return MISSING, (0, 0)

    def _explicit(self, f: Field) -> Any:
        return self._explicit_match(f)[0]

    def reserve(self, fields: Sequence[Field]) -> None:
        """Keep the values written as ``name: value`` for their fields: no other field takes them as a plain
        number or quoted string (``zip: 75001`` is not one of the numbers of a ``numbers`` array)."""
        for f in fields:
            value, span = self._explicit_match(f)
            if value is not MISSING:
                self._reserved.append(span)

    def _free(self, c: Candidate) -> bool:
        return (c.start, c.end) not in self._used and not any(
            c.start < end and start < c.end for start, end in self._reserved
        )

    def _pick(self, fields: list[Field], found: dict[str, list[Candidate]]) -> dict[str, Any]:
        """Give each field the nearest fitting unused candidate (smallest distance first)."""
        pairs = []
        for i, f in enumerate(fields):
            keys = self._keywords(f)
            spans = [(start, end) for word, start, end in self._words if word in keys]
            for c in found[f.name]:
                pairs.append((self._distance(spans, c), i, c.start, f, c))
        out: dict[str, Any] = {}
        for _, _, _, f, c in sorted(pairs, key=lambda p: p[:3]):
            if f.name in out or not self._free(c):
                continue
            self._used.add((c.start, c.end))
            out[f.name] = c.value
        return out

    def _fitting(self, f: Field, candidates: Sequence[Candidate], convert: Any = None) -> list[Candidate]:
        try:
            valid = Draft7Validator(f.schema).is_valid
        except Exception:  # a schema the validator cannot use fits nothing
            return []
        out = []
        for c in candidates[:MAX_CANDIDATES]:  # bounded work on a long prompt
            value = convert(c.value) if convert else c.value
            try:
                ok = value is not MISSING and valid(value)
            except Exception:
                ok = False
            if ok:
                out.append(Candidate(value, c.start, c.end, c.kind))
        return out

    def _candidates(self, f: Field, taken: set[str]) -> list[Candidate]:
        kind = _kind(f.schema)
        fmt = f.schema.get("format")
        if kind == "enum":
            return self._fitting(f, find_enum_members(self.text, f.schema))
        if kind in ("integer", "number"):
            convert = (lambda v: int(v) if float(v).is_integer() else MISSING) if kind == "integer" else float
            return self._fitting(f, self._numbers, convert)
        if kind != "string":
            return []
        if fmt in ("date", "date-time"):
            pick = 0 if fmt == "date" else 1
            stamps = [
                Candidate(c.value[pick] or f"{c.value[0]}T00:00:00Z", c.start, c.end, "date") for c in self._dates
            ]
            return self._fitting(f, stamps)
        if fmt in ("email", "idn-email"):
            return self._fitting(
                f, [Candidate(m.group(0), m.start(), m.end(), "email") for m in EMAIL.finditer(self.text)]
            )
        if fmt in ("uri", "url", "iri"):
            return self._fitting(f, [Candidate(m.group(0), m.start(), m.end(), "url") for m in URL.finditer(self.text)])
        quoted = [c for c in self._quoted if c.value.lower() not in taken]  # a quoted key name is not a value
        return self._fitting(f, quoted)

    def assign(self, fields: Sequence[Field]) -> dict[str, Any]:
        """Values from the text for the scalar ``fields`` of one object; fields left out get schema values."""
        out: dict[str, Any] = {}
        names = {f.name.lower() for f in fields}
        for f in fields:
            value = self._explicit(f)
            if value is not MISSING:
                out[f.name] = value
        rest = [f for f in fields if f.name not in out and _kind(f.schema)]
        out.update(self._pick(rest, {f.name: self._candidates(f, names) for f in rest}))
        for f in fields:  # free text, then names, for the string fields still empty
            if f.name in out or _kind(f.schema) != "string" or f.schema.get("format"):
                continue
            words = set(_split_name(f.name))
            free = f.name.lower() in FREE_TEXT or (words & FREE_TEXT and not words & NAME_LIKE)
            if free and self.text.strip() and fits(self.text.strip(), f.schema):
                out[f.name] = self.text.strip()
        for f in fields:  # a boolean named in the text is true, unless negated ("without express")
            if f.name not in out and _kind(f.schema) == "boolean":
                value = self._flag(f)
                if value is not MISSING and fits(value, f.schema):
                    out[f.name] = value
        named = [f for f in fields if f.name not in out and _kind(f.schema) == "string" and not f.schema.get("format")]
        named = [f for f in named if set(_split_name(f.name)) & NAME_LIKE]
        if named:
            found = find_capitalised(self.text)
            out.update(self._pick(named, {f.name: self._fitting(f, found) for f in named}))
        return out

    def _flag(self, f: Field) -> Any:
        wanted = [fold(w) for w in _split_name(f.name) if w not in _FLAG_PREFIXES and w not in STOPWORDS]
        if not wanted:
            return MISSING
        for i in range(len(self._words)):
            if [w for w, _, _ in self._words[i : i + len(wanted)]] == wanted:
                return not (i > 0 and self._words[i - 1][0] in _NEGATIONS)
        return MISSING

    def items(self, f: Field, item_schema: Mapping[str, Any], lo: int, hi: int) -> Any:
        """Every fitting unused candidate for an array of scalars (``MISSING`` when fewer than ``lo``)."""
        one = Field(f.name, item_schema, f.description)
        found = [c for c in self._candidates(one, set()) if self._free(c)]
        if (
            not found
            and _kind(item_schema) == "string"
            and (set(_split_name(f.name)) & NAME_LIKE or f.name.endswith("s"))
        ):
            found = self._fitting(one, find_capitalised(self.text))
        values = []
        for c in found[:hi]:
            if c.value not in values:
                values.append(c.value)
                self._used.add((c.start, c.end))
        return values if len(values) >= max(lo, 1) else MISSING


def _convert(raw: str, schema: Mapping[str, Any]) -> Any:
    kind = _kind(schema)
    if kind == "enum":
        for member in schema.get("enum") or ():
            if str(member).lower() == raw.lower():
                return member
        return MISSING
    if kind in ("integer", "number"):
        numbers = Hints(raw)._numbers
        if len(numbers) != 1:
            return MISSING
        value = numbers[0].value
        if kind == "integer":
            return int(value) if float(value).is_integer() else MISSING
        return float(value)
    if kind == "boolean":
        return {"true": True, "yes": True, "false": False, "no": False}.get(raw.lower(), MISSING)
    if kind == "string":
        return raw
    return MISSING
