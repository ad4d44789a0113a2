"""Generate a deterministic value that validates against a JSON Schema.

Used for tool-call arguments and for ``response_format`` json_schema content. It covers the JSON Schema
subset tools and structured outputs use in practice: objects, arrays, scalars, ``enum``/``const``, bounds,
``format`` (date, date-time, email, uri, uuid), ``anyOf``/``oneOf``/``allOf`` and local ``$ref``.
String values come from a :class:`Hints` object so that arguments echo the conversation (a ``location``
gets the capitalised word of the user's message, a ``query`` the message itself).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z]+(?:\s+[A-Z][a-zA-Z]+)*")
_QUERY_NAMES = {"query", "q", "question", "text", "prompt", "input", "search", "search_query", "message"}
_FORMATS = {
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
}


@dataclass
class Hints:
    """Where string values come from.

    Attributes:
        text: The text to draw values from (usually the last user message).
        fallback: Value for strings when the text gives nothing better.
    """

    text: str = ""
    fallback: str = "example"
    _names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Capitalised words that do not start a sentence ("What is ..." is not a name; "in Paris" is).
        for m in _CAPITALISED.finditer(self.text):
            before = self.text[: m.start()].rstrip()
            if before and before[-1] not in ".!?:\n\"'":
                self._names.append(m.group(0))

    def string_for(self, name: str) -> str:
        """A value for a string property called ``name``."""
        if name.lower() in _QUERY_NAMES and self.text.strip():
            return self.text.strip()
        if self._names:
            return self._names[0]
        return self.fallback


def generate(
    schema: Any,
    hints: Hints | None = None,
    *,
    root: Mapping[str, Any] | None = None,
    name: str = "value",
    depth: int = 0,
) -> Any:
    """Return a value valid for ``schema``.

    Args:
        schema: A JSON Schema (dict or bool).
        hints: String sources; defaults to empty hints.
        root: Root document for ``$ref`` resolution (``schema`` itself by default).
        name: Property name of the value (used by the hints).
        depth: Recursion depth; optional properties are skipped past depth 4 to end recursive schemas.
    """
    hints = hints or Hints()
    if not isinstance(schema, Mapping):
        return {} if schema is True or schema is None else None
    root = root if root is not None else schema
    if "$ref" in schema:
        return generate(_resolve(root, schema["$ref"]), hints, root=root, name=name, depth=depth)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            options = [o for o in schema[key] if not (isinstance(o, Mapping) and o.get("type") == "null")]
            return generate((options or schema[key])[0], hints, root=root, name=name, depth=depth)
    if schema.get("allOf"):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            part = _resolve(root, part["$ref"]) if isinstance(part, Mapping) and "$ref" in part else part
            if isinstance(part, Mapping):
                for k, v in part.items():
                    if k in ("properties",) and k in merged:
                        merged[k] = {**merged[k], **v}
                    elif k == "required" and k in merged:
                        merged[k] = [*merged[k], *v]
                    else:
                        merged.setdefault(k, v)
        return generate(merged, hints, root=root, name=name, depth=depth)
    stype = schema.get("type")
    if isinstance(stype, list):
        stype = next((t for t in stype if t != "null"), "null")
    if stype is None:
        stype = "object" if "properties" in schema else ("array" if "items" in schema else "string")
    if stype == "object":
        return _object(schema, hints, root, depth)
    if stype == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        if isinstance(items, list):  # tuple form
            return [generate(s, hints, root=root, name=name, depth=depth + 1) for s in items]
        values = [generate(items, hints, root=root, name=name, depth=depth + 1) for _ in range(count)]
        if schema.get("uniqueItems") and count > 1 and all(isinstance(v, (int, float)) for v in values):
            values = [v + i for i, v in enumerate(values)]
        return values
    if stype in ("integer", "number"):
        return _number(schema, stype == "integer")
    if stype == "boolean":
        return True
    if stype == "null":
        return None
    return _string(schema, hints, name)


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        if not part:
            continue
        if not isinstance(node, Mapping):
            return {}
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {})
    return node


def _object(schema: Mapping[str, Any], hints: Hints, root: Mapping[str, Any], depth: int) -> dict[str, Any]:
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    out: dict[str, Any] = {}
    for key, sub in props.items():
        if key in required or depth < 4:
            out[key] = generate(sub, hints, root=root, name=key, depth=depth + 1)
    for key in required - set(out):  # required but undeclared
        extra = schema.get("additionalProperties")
        out[key] = generate(extra if isinstance(extra, Mapping) else {}, hints, root=root, name=key, depth=depth + 1)
    return out


def _isnum(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _number(schema: Mapping[str, Any], integer: bool) -> int | float:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    lo = lo if _isnum(lo) else None
    hi = hi if _isnum(hi) else None
    lo_strict = hi_strict = False
    xlo, xhi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if _isnum(xlo) and (lo is None or xlo >= lo):
        lo, lo_strict = xlo, True
    if _isnum(xhi) and (hi is None or xhi <= hi):
        hi, hi_strict = xhi, True
    if integer:
        if lo is not None:
            lo = math.floor(lo) + 1 if lo_strict else math.ceil(lo)
        if hi is not None:
            hi = math.ceil(hi) - 1 if hi_strict else math.floor(hi)
    elif lo_strict or hi_strict:
        if lo is not None and hi is not None:
            mid = (lo + hi) / 2
            lo, hi = (mid if lo_strict else lo), (mid if hi_strict else hi)
        elif lo is not None:
            lo += 1
        elif hi is not None:
            hi -= 1
    value: float = 1
    if lo is not None:
        value = max(value, lo)
    if hi is not None:
        value = min(value, hi)
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and not isinstance(multiple, bool) and multiple > 0:
        value = multiple * math.ceil(value / multiple)
        if hi is not None and value > hi:
            value = multiple * math.floor(hi / multiple)
    return int(value) if integer else float(value)


def _string(schema: Mapping[str, Any], hints: Hints, name: str) -> str:
    fmt = schema.get("format")
    value = _FORMATS[fmt] if isinstance(fmt, str) and fmt in _FORMATS else hints.string_for(name)
    min_len = int(schema.get("minLength", 0))
    max_len = schema.get("maxLength")
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if isinstance(max_len, int) and len(value) > max_len:
        value = value[:max_len]
    return value
