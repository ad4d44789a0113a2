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
7. a capitalised word or phrase (``New York``) for fields named like places, people or products;

and only when nothing fits, the value derived from the schema (:mod:`.schemagen`). When several candidates
of one kind exist, each field takes the one nearest to a word of its name or description (``3 rooms for 2
nights``), ties going to the earlier field and the earlier candidate; a candidate serves one field. Text is
never normalised, so unicode comes back exactly as sent.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft7Validator

from .rag import STOPWORDS

MISSING: Any = object()
"""Returned when the text offers nothing for a field (the schema-derived value is used instead)."""

_UNIT_TEXT = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_UNITS = [*_UNIT_TEXT.split(), "seventeen", "eighteen", "nineteen"]
_TENS_TEXT = "twenty thirty forty fifty sixty seventy eighty ninety"
_TENS = {w: 10 * (i + 2) for i, w in enumerate(_TENS_TEXT.split())}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000}
_NUMBER_WORDS = {**{w: i for i, w in enumerate(_UNITS)}, **_TENS}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
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
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s'\"<>)]+")
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_NOT_NAMES = frozenset(["I", "JSON", "XML", "YAML", "CSV", "HTML", "API", "URL", "SQL", "PDF", "OK"])
_UNIT_SUFFIX_TEXT = "k m g kg mg km cm mm mi ft lb lbs oz l ml h hr hrs min s ms x st nd rd th"
_UNIT_SUFFIXES = frozenset(_UNIT_SUFFIX_TEXT.split())
_FREE_TEXT_NAMES = (
    "query q question text prompt input search search_query message description content body details notes"
)
FREE_TEXT = frozenset([*_FREE_TEXT_NAMES.split(), "notes"])
"""Field names that take the whole message when nothing more specific fits."""
_NAME_LIKE_WORDS = """location city place country state region area destination origin address venue town where name
person user customer company organization organisation org author artist owner contact recipient sender product item
brand title team player employee manager airport station street capital"""
NAME_LIKE = frozenset(_NAME_LIKE_WORDS.split())
"""Words that make a field place-, person- or product-like: it takes a capitalised phrase (``New York``)."""


@dataclass
class Candidate:
    """A value found in the text, with where it was found."""

    value: Any
    start: int
    end: int
    kind: str


@dataclass
class Field:
    """One field to fill: its name, schema (``$ref``/union already resolved) and description."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""


def _split_name(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[\W_]+", spaced.lower()) if w]


def _fold(word: str) -> str:
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


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
    _words: list[tuple[str, int, int]] = field(default_factory=list, init=False)
    _dates: list[Candidate] = field(default_factory=list, init=False)
    _quoted: list[Candidate] = field(default_factory=list, init=False)
    _numbers: list[Candidate] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._words = [(_fold(m.group(0)), m.start(), m.end()) for m in _WORD.finditer(self.text)]
        self._dates = self._find_dates()
        self._quoted = self._find_quoted()
        self._numbers = self._find_numbers()

    # -- candidates ---------------------------------------------------------------------------------------

    def _find_quoted(self) -> list[Candidate]:
        out = []
        for open_q, close_q in _QUOTES:
            pattern = re.compile(re.escape(open_q) + r"([^\n" + re.escape(close_q) + r"]+)" + re.escape(close_q))
            for m in pattern.finditer(self.text):
                before = self.text[m.start() - 1] if m.start() else " "
                after = self.text[m.end()] if m.end() < len(self.text) else " "
                # An apostrophe inside a word ("customer's") opens nothing; a quote closes before a non-letter.
                if open_q == close_q and (before.isalnum() or after.isalnum()):
                    continue
                if m.group(1).strip():
                    out.append(Candidate(m.group(1), m.start(), m.end(), "quoted"))
        return sorted(out, key=lambda c: c.start)

    def _find_dates(self) -> list[Candidate]:
        out = []
        for i, pattern in enumerate(_DATES):
            for m in pattern.finditer(self.text):
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

    def _inside(self, start: int, end: int, spans: Sequence[Candidate]) -> bool:
        return any(c.start <= start and end <= c.end for c in spans)

    def _find_numbers(self) -> list[Candidate]:
        out: list[Candidate] = []
        clocks = [Candidate(None, m.start(), m.end(), "clock") for m in _CLOCK.finditer(self.text)]
        for m in _DIGITS.finditer(self.text):
            start, end = m.start(), m.end()
            before = self.text[start - 1] if start else " "
            after = self.text[end] if end < len(self.text) else " "
            if before.isalnum() or before in "_." or self._inside(start, end, self._dates + clocks):
                continue
            hyphenated = before == "-" and start >= 2 and self.text[start - 2].isalnum()
            if hyphenated:  # "gpt-4", "3-5": part of a name or a range, not a value
                continue
            if after.isalpha() or after == "_":
                tail = re.match(r"[a-zA-Z]+", self.text[end:])
                if tail is None or tail.group(0) not in _UNIT_SUFFIXES:  # "4o", "3D" are names; "2kg" a number
                    continue
            negative = before == "-"
            raw = m.group(0).replace(",", "")
            value: int | float = float(raw) if "." in raw else int(raw)
            out.append(Candidate(-value if negative else value, start - negative, end, "number"))
        out += self._number_words()
        return sorted(out, key=lambda c: c.start)

    def _number_words(self) -> list[Candidate]:
        out = []
        i, words = 0, self._words
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

    def _enum_members(self, schema: Mapping[str, Any]) -> list[Candidate]:
        out = []
        lowered = self.text.lower()
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

    def _capitalised(self) -> list[Candidate]:
        runs: list[list[tuple[int, int]]] = []
        for m in _WORD.finditer(self.text):
            word = m.group(0)
            if not (word[:1].isalpha() and word[:1].isupper()) or word in _NOT_NAMES:
                runs.append([])
                continue
            if runs and runs[-1] and self.text[runs[-1][-1][1] : m.start()].strip() == "":
                runs[-1].append((m.start(), m.end()))
            else:
                runs.append([(m.start(), m.end())])
        out = []
        for run in runs:
            prev = self.text[: run[0][0]].rstrip() if run else ""
            # A capital after a sentence end, a colon or a quote starts a sentence, not a name.
            if run and (not prev or prev[-1] in ".!?:\n\"'"):
                run = run[1:]
            if run:
                out.append(Candidate(self.text[run[0][0] : run[-1][1]], run[0][0], run[-1][1], "name"))
        return out

    # -- matching ------------------------------------------------------------------------------------------

    def _keywords(self, f: Field) -> set[str]:
        words = {_fold(w) for w in _split_name(f.name) if len(w) >= 2}
        words |= {_fold(w) for w in _WORD.findall(f.description) if len(w) >= 3}
        return {w for w in words if w not in STOPWORDS}

    def _distance(self, f: Field, c: Candidate) -> float:
        best = math.inf
        keys = self._keywords(f)
        for word, start, end in self._words:
            if word in keys and not (c.start <= start and end <= c.end):
                best = min(best, start - c.end if start >= c.end else c.start - end)
        return best

    def _explicit(self, f: Field) -> Any:
        names = {f.name, f.name.replace("_", " "), " ".join(_split_name(f.name))}
        for name in sorted(names, key=len, reverse=True):
            pattern = r"(?<![\w])" + re.escape(name) + r"\s*[:=]\s*(?:\"([^\"]*)\"|'([^']*)'|([^,;\n)]+))"
            for m in re.finditer(pattern, self.text, re.IGNORECASE):
                raw = next(g for g in m.groups() if g is not None).strip()
                raw = re.split(r"\s+and\s+", raw)[0].strip() if m.group(3) is not None else raw
                value = _convert(raw, f.schema)
                if value is not MISSING and fits(value, f.schema):
                    self._used.add((m.start(), m.end()))
                    return value
        return MISSING

    def _pick(self, fields: list[Field], found: dict[str, list[Candidate]]) -> dict[str, Any]:
        """Give each field the nearest fitting unused candidate (smallest distance first)."""
        pairs = []
        for i, f in enumerate(fields):
            for c in found[f.name]:
                pairs.append((self._distance(f, c), i, c.start, f, c))
        out: dict[str, Any] = {}
        for _, _, _, f, c in sorted(pairs, key=lambda p: p[:3]):
            if f.name in out or (c.start, c.end) in self._used:
                continue
            self._used.add((c.start, c.end))
            out[f.name] = c.value
        return out

    def _fitting(self, f: Field, candidates: Sequence[Candidate], convert: Any = None) -> list[Candidate]:
        out = []
        for c in candidates:
            value = convert(c.value) if convert else c.value
            if value is not MISSING and fits(value, f.schema):
                out.append(Candidate(value, c.start, c.end, c.kind))
        return out

    def _candidates(self, f: Field, taken: set[str]) -> list[Candidate]:
        kind = _kind(f.schema)
        fmt = f.schema.get("format")
        if kind == "enum":
            return self._fitting(f, self._enum_members(f.schema))
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
                f, [Candidate(m.group(0), m.start(), m.end(), "email") for m in _EMAIL.finditer(self.text)]
            )
        if fmt in ("uri", "url", "iri"):
            return self._fitting(
                f, [Candidate(m.group(0), m.start(), m.end(), "url") for m in _URL.finditer(self.text)]
            )
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
        named = [f for f in fields if f.name not in out and _kind(f.schema) == "string" and not f.schema.get("format")]
        named = [f for f in named if set(_split_name(f.name)) & NAME_LIKE]
        if named:
            found = self._capitalised()
            out.update(self._pick(named, {f.name: self._fitting(f, found) for f in named}))
        return out

    def items(self, f: Field, item_schema: Mapping[str, Any], lo: int, hi: int) -> Any:
        """Every fitting unused candidate for an array of scalars (``MISSING`` when fewer than ``lo``)."""
        one = Field(f.name, item_schema, f.description)
        found = [c for c in self._candidates(one, set()) if (c.start, c.end) not in self._used]
        if (
            not found
            and _kind(item_schema) == "string"
            and (set(_split_name(f.name)) & NAME_LIKE or f.name.endswith("s"))
        ):
            found = self._fitting(one, self._capitalised())
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
