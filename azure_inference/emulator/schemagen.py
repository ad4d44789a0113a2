"""Generate a deterministic value that validates against a JSON Schema.

Used for tool-call arguments and for ``response_format`` json_schema content. It covers the JSON Schema
subset tools and structured outputs use in practice: objects, arrays, scalars, ``enum``/``const``, bounds,
``format`` (date, date-time, email, uri, uuid), ``anyOf``/``oneOf``/``allOf`` and local ``$ref``.
Fields are first filled from the conversation (:class:`~.grounding.Hints`, docs/emulator.md "Grounded
arguments"); the schema-derived value is the fallback. Everything generated is bounded (:data:`MAX_ITEMS`,
:data:`MAX_STRING`, :data:`MAX_DEPTH`, :data:`MAX_NODES`): a hostile schema gets a
:class:`SchemaLimitError` (a 400), never a hang or an exhausted memory (issue 12).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from .grounding import MISSING, Field, Hints, fits

__all__ = ["MAX_DEPTH", "MAX_ITEMS", "MAX_NODES", "MAX_STRING", "Hints", "SchemaLimitError", "effective", "generate"]

MAX_ITEMS = 100
"""The most array items a generated value may need (``minItems`` above it is refused)."""
MAX_STRING = 10_000
"""The longest string a generated value may need (``minLength`` above it is refused)."""
MAX_DEPTH = 32
"""The deepest nesting followed (a required recursive ``$ref`` ends here)."""
MAX_NODES = 20_000
"""The most values one generation may produce."""
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


class SchemaLimitError(ValueError):
    """The schema asks for a value larger, deeper or more recursive than the emulator generates (issue 12).

    The app answers it with a 400 naming the limit, instead of hanging or running out of memory.
    """


def _count(schema: Mapping[str, Any], key: str, default: int) -> int:
    value = schema.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return default
    return int(value)


def effective(schema: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    """The branch :func:`generate` fills: ``$ref`` followed, the first non-null ``anyOf``/``oneOf`` option
    taken, ``allOf`` merged (``enum``/``const`` schemas are returned as they are)."""
    for _ in range(MAX_DEPTH):
        if not isinstance(schema, Mapping):
            return schema
        if "$ref" in schema:
            schema = _resolve(root, schema["$ref"])
            continue
        if "const" in schema or schema.get("enum"):
            return schema
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if options and isinstance(options, list):
                chosen = [o for o in options if not (isinstance(o, Mapping) and o.get("type") == "null")]
                schema = (chosen or options)[0]
                break
        else:
            if schema.get("allOf") and isinstance(schema["allOf"], list):
                return _merge_all_of(schema, root)
            return schema
    raise SchemaLimitError(f"the schema's $ref/anyOf chain is longer than {MAX_DEPTH} (a recursive $ref?)")


def _merge_all_of(schema: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        part = effective(part, root)
        if not isinstance(part, Mapping):
            continue
        for k, v in part.items():
            if k == "properties" and isinstance(merged.get(k), Mapping) and isinstance(v, Mapping):
                merged[k] = {**merged[k], **v}
            elif k == "required" and isinstance(merged.get(k), list) and isinstance(v, list):
                merged[k] = [*merged[k], *v]
            else:
                merged.setdefault(k, v)
    return merged


def generate(
    schema: Any,
    hints: Hints | None = None,
    *,
    root: Mapping[str, Any] | None = None,
    name: str = "value",
    depth: int = 0,
) -> Any:
    """Return a value valid for ``schema``, its fields grounded in ``hints`` (:mod:`.grounding`).

    Args:
        schema: A JSON Schema (dict or bool).
        hints: The conversation text values come from; defaults to empty hints.
        root: Root document for ``$ref`` resolution (``schema`` itself by default).
        name: Property name of the value.
        depth: Recursion depth; optional properties are skipped past depth 4 to end recursive schemas.

    Raises:
        SchemaLimitError: When the value would exceed :data:`MAX_ITEMS`, :data:`MAX_STRING`,
            :data:`MAX_DEPTH` or :data:`MAX_NODES`.
    """
    hints = hints or Hints()
    hints.nodes += 1
    if hints.nodes > MAX_NODES:
        raise SchemaLimitError(f"the schema asks for more than {MAX_NODES} values")
    if depth > MAX_DEPTH:
        raise SchemaLimitError(f"the schema nests deeper than {MAX_DEPTH} levels (a recursive $ref?)")
    root = root if root is not None else (schema if isinstance(schema, Mapping) else {})
    if depth == 0:
        hints.reserve(_all_fields(schema, root))
    if isinstance(schema, Mapping) and "default" in schema and fits(schema["default"], schema):
        return copy.deepcopy(schema["default"])  # what the schema itself says to use when nothing is given
    schema = effective(schema, root)
    if not isinstance(schema, Mapping):
        return {} if schema is True or schema is None else None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    stype = schema.get("type")
    if isinstance(stype, list):
        stype = next((t for t in stype if t != "null"), "null")
    if stype is None:
        stype = "object" if "properties" in schema else ("array" if "items" in schema else "string")
    if stype == "object":
        return _object(schema, hints, root, depth)
    if stype == "array":
        return _array(schema, hints, root, name, depth)
    if stype in ("integer", "number"):
        try:
            return _number(schema, stype == "integer")
        except OverflowError as exc:
            raise SchemaLimitError(f"the bounds of {name!r} overflow: {exc}") from exc
    if stype == "boolean":
        return True
    if stype == "null":
        return None
    return _string(schema, hints)


def _array(schema: Mapping[str, Any], hints: Hints, root: Mapping[str, Any], name: str, depth: int) -> list[Any]:
    count = max(_count(schema, "minItems", 1), 1)
    if count > MAX_ITEMS:
        raise SchemaLimitError(f"minItems {count} is more than the {MAX_ITEMS} items the emulator generates")
    if "maxItems" in schema:
        count = max(min(count, _count(schema, "maxItems", count)), 0)
    items = schema.get("items", {})
    if isinstance(items, list):  # tuple form
        if len(items) > MAX_ITEMS:
            raise SchemaLimitError(f"the tuple has more than {MAX_ITEMS} items")
        return [generate(s, hints, root=root, name=name, depth=depth + 1) for s in items]
    values = [generate(items, hints, root=root, name=name, depth=depth + 1) for _ in range(count)]
    if schema.get("uniqueItems") and count > 1 and all(isinstance(v, (int, float)) for v in values):
        values = [v + i for i, v in enumerate(values)]
    return values


def _resolve(root: Mapping[str, Any], ref: Any) -> Any:
    if not isinstance(ref, str) or not ref.startswith("#"):
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
    props = schema.get("properties")
    props = props if isinstance(props, Mapping) else {}
    required = schema.get("required")
    required = {r for r in required if isinstance(r, str)} if isinstance(required, list) else set()
    wanted = [(key, sub) for key, sub in props.items() if key in required or depth < 4]
    # Scalars (and arrays of scalars) are filled from the conversation first, all fields of the object at
    # once, so that each candidate goes to the field it is nearest to (docs/emulator.md, "Grounded arguments").
    fields: list[tuple[str, Any, Field]] = []
    for key, sub in wanted:
        eff = effective(sub, root)
        desc = next((d for d in (_get(sub, "description"), _get(eff, "description")) if isinstance(d, str)), "")
        fields.append((key, sub, Field(key, eff if isinstance(eff, Mapping) else {}, desc)))
    planned = hints.assign([f for _, _, f in fields if _scalar(f.schema)])
    out: dict[str, Any] = {}
    for key, sub, f in fields:
        if key in planned:
            out[key] = planned[key]
            continue
        if _type(f.schema) == "array" and isinstance(f.schema.get("items"), Mapping):
            item = effective(f.schema["items"], root)
            if isinstance(item, Mapping) and _scalar(item):
                lo, hi = _count(f.schema, "minItems", 0), _count(f.schema, "maxItems", MAX_ITEMS)
                values = hints.items(f, item, lo, min(hi, MAX_ITEMS))
                if values is not MISSING and fits(values, f.schema):
                    out[key] = values
                    continue
        out[key] = generate(sub, hints, root=root, name=key, depth=depth + 1)
    for key in sorted(required - set(out)):  # required but undeclared
        extra = schema.get("additionalProperties")
        out[key] = generate(extra if isinstance(extra, Mapping) else {}, hints, root=root, name=key, depth=depth + 1)
    return out


def _all_fields(schema: Any, root: Mapping[str, Any]) -> list[Field]:
    """Every scalar field of every object in ``schema`` (bounded walk), for :meth:`Hints.reserve`."""
    out: list[Field] = []
    todo: list[tuple[Any, int]] = [(schema, 0)]
    visits = 0
    while todo and visits < 2_000:  # a recursive schema could otherwise branch without end
        visits += 1
        node, depth = todo.pop()
        node = effective(node, root)
        if not isinstance(node, Mapping) or depth > MAX_DEPTH:
            continue
        if _type(node) == "array":
            todo.append((node.get("items"), depth + 1))
        props = node.get("properties")
        for key, sub in props.items() if isinstance(props, Mapping) else ():
            eff = effective(sub, root)
            if isinstance(eff, Mapping) and _scalar(eff):
                out.append(Field(key, eff))
            else:
                todo.append((sub, depth + 1))
    return out


def _get(schema: Any, key: str) -> Any:
    return schema.get(key) if isinstance(schema, Mapping) else None


def _type(schema: Mapping[str, Any]) -> str | None:
    stype = schema.get("type")
    if isinstance(stype, list):
        stype = next((t for t in stype if t != "null"), None)
    return stype if isinstance(stype, str) else None


def _scalar(schema: Mapping[str, Any]) -> bool:
    return isinstance(schema.get("enum"), list) or _type(schema) in ("string", "integer", "number", "boolean")


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


def _string(schema: Mapping[str, Any], hints: Hints) -> str:
    fmt = schema.get("format")
    value = _FORMATS[fmt] if isinstance(fmt, str) and fmt in _FORMATS else hints.fallback
    min_len = _count(schema, "minLength", 0)
    if min_len > MAX_STRING:
        raise SchemaLimitError(f"minLength {min_len} is longer than the {MAX_STRING} characters the emulator generates")
    max_len = schema.get("maxLength")
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if isinstance(max_len, int) and len(value) > max_len:
        value = value[: max(max_len, 0)]
    return value
