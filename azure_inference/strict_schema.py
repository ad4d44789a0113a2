"""Strict structured-output schemas: make a JSON schema follow the service's strict-mode rules, or say why not.

With ``response_format: {"type": "json_schema", "json_schema": {..., "strict": true}}`` (and ``strict: true``
function tools) the service accepts only a subset of JSON Schema (docs/wire.md §V1.2.5, [SO]):

- every object sets ``"additionalProperties": false`` and lists every key of ``properties`` in ``required``;
  an optional field is a required field that may be ``null``;
- types ``string``, ``number``, ``integer``, ``boolean``, ``object``, ``array``, ``null``, plus ``enum`` and
  ``anyOf`` (not at the root); ``$defs`` / ``$ref`` and recursion (``"$ref": "#"``) are allowed;
- at most 100 object properties in all and 5 levels of nesting;
- validation keywords (``minLength``, ``pattern``, ``format``, ``minimum``, ``minItems``, ...) are refused.

:func:`to_strict_schema` rewrites what has an exact strict equivalent (optional → nullable and required,
``additionalProperties: false``, ``oneOf`` → ``anyOf``, a one-item ``allOf``, ``const`` → a one-value ``enum``,
defaults and annotations dropped) and raises :class:`StrictSchemaError` for the rest, before anything is sent.
:func:`strict_problems` is the rules checker on its own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import InvalidRequestError

__all__ = [
    "MAX_DEPTH",
    "MAX_PROPERTIES",
    "UNSUPPORTED_KEYWORDS",
    "StrictSchemaError",
    "strict_problems",
    "to_strict_schema",
]

MAX_PROPERTIES = 100
"""Object properties allowed in one schema, counted over every object (docs/wire.md §V1.2.5)."""
MAX_DEPTH = 5
"""Levels of object nesting allowed (docs/wire.md §V1.2.5)."""

UNSUPPORTED_KEYWORDS: frozenset[str] = frozenset(
    {
        # strings, numbers, objects, arrays (docs/wire.md §V1.2.5)
        *("minLength", "maxLength", "pattern", "format"),
        *("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        *("patternProperties", "unevaluatedProperties", "propertyNames", "minProperties", "maxProperties"),
        *("unevaluatedItems", "contains", "minContains", "maxContains", "minItems", "maxItems", "uniqueItems"),
        # composition and conditionals outside the subset
        *("not", "if", "then", "else", "dependentRequired", "dependentSchemas", "prefixItems", "allOf", "oneOf"),
    }
)
"""Keywords strict mode refuses; :func:`to_strict_schema` rewrites ``oneOf`` and a one-item ``allOf``."""

_ALLOWED = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "anyOf", "$ref", "$defs"}
    | {"definitions", "description", "title"}
)
_DROPPED = frozenset(
    {"default", "examples", "deprecated", "readOnly", "writeOnly", "$comment", "$schema", "$id", "discriminator"}
)
_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


class StrictSchemaError(InvalidRequestError):
    """A schema cannot be sent with ``strict: true``; the message names each problem, where, and the fix.

    Attributes:
        problems: ``(path, problem)`` pairs; ``path`` is a JSON pointer such as ``#/properties/age``.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        """Build the error from ``(path, problem)`` pairs."""
        self.problems = problems
        lines = "; ".join(f"{path}: {problem}" for path, problem in problems)
        super().__init__(
            f"The schema cannot be used for strict structured output: {lines}. Fix: remove or rewrite these parts "
            "(a bound or format can be stated in 'description'), or ask for strict=False."
        )


def _ptr(path: tuple[str, ...]) -> str:
    return "#/" + "/".join(path) if path else "#"


def _keyword_problem(key: str) -> str:
    if key in UNSUPPORTED_KEYWORDS:
        return f"'{key}' is not supported in strict mode"
    return f"'{key}' is not part of the strict-mode subset"


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` that also accepts ``null`` (an optional field made required, docs/wire.md §V1.2.5)."""
    if "anyOf" in node:
        if not any(b.get("type") == "null" for b in node["anyOf"] if isinstance(b, Mapping)):
            node["anyOf"] = [*node["anyOf"], {"type": "null"}]
        return node
    if "$ref" in node:
        ref = node.pop("$ref")
        return {**node, "anyOf": [{"$ref": ref}, {"type": "null"}]}
    kind = node.get("type")
    if isinstance(kind, str) and kind != "null":
        node["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        node["type"] = [*kind, "null"]
    if "enum" in node and None not in node["enum"]:
        node["enum"] = [*node["enum"], None]
    return node


def _convert(node: Any, path: tuple[str, ...], problems: list[tuple[str, str]]) -> Any:
    if not isinstance(node, Mapping):
        problems.append((_ptr(path), "a schema must be an object (true/false schemas are not supported)"))
        return node
    out = {k: v for k, v in node.items() if k not in _DROPPED}
    if "oneOf" in out:  # the same values when the branches are disjoint, as tagged unions are
        out["anyOf"] = out.pop("oneOf")
    all_of = out.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
        del out["allOf"]  # pydantic's "$ref with siblings" idiom of older versions
        out = {**{k: v for k, v in all_of[0].items() if k not in _DROPPED}, **out}
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for key in [k for k in out if k not in _ALLOWED]:
        problems.append((_ptr((*path, key)), _keyword_problem(key)))
    if not any(k in out for k in ("type", "anyOf", "$ref", "enum")):
        problems.append((_ptr(path), "a schema without 'type' allows any value; give it a type"))
    if "properties" in out or out.get("type") == "object":
        extra = out.get("additionalProperties")
        if extra not in (None, False) or ("properties" not in out and extra is not False):
            problems.append(
                (
                    _ptr((*path, "additionalProperties")),
                    "a free-form map (dict) cannot be strict; use a list of objects",
                )
            )
        required = set(out.get("required") or ())
        props = {}
        for name, sub in (out.get("properties") or {}).items():
            converted = _convert(sub, (*path, "properties", name), problems)
            props[name] = converted if name in required or not isinstance(converted, dict) else _nullable(converted)
        out["properties"] = props
        out["required"] = list(props)
        out["additionalProperties"] = False
        out.setdefault("type", "object")
    if "items" in out:
        out["items"] = _convert(out["items"], (*path, "items"), problems)
    if isinstance(out.get("anyOf"), list):
        out["anyOf"] = [_convert(b, (*path, "anyOf", str(i)), problems) for i, b in enumerate(out["anyOf"])]
    for defs in ("$defs", "definitions"):
        if isinstance(out.get(defs), Mapping):
            out[defs] = {k: _convert(v, (*path, defs, k), problems) for k, v in out[defs].items()}
    return out


def to_strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The strict-mode equivalent of ``schema`` (pure; the input is not changed).

    Args:
        schema: A JSON schema, e.g. ``Model.model_json_schema()``.

    Returns:
        A new schema that :func:`strict_problems` finds nothing wrong with.

    Raises:
        StrictSchemaError: Something has no strict equivalent (a validation keyword, a free-form map, a
            schema without a type, a root ``anyOf``, too many properties or levels).
    """
    problems: list[tuple[str, str]] = []
    out = _convert(copy.deepcopy(dict(schema)), (), problems)
    if problems:
        raise StrictSchemaError(problems)
    remaining = strict_problems(out)
    if remaining:
        raise StrictSchemaError(remaining)
    return dict(out)


# -- the rules checker ----------------------------------------------------------------------------------------


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    if ref == "#":
        return root
    parts = ref.removeprefix("#/").split("/")
    node: Any = root
    for part in parts:
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _subschemas(node: Mapping[str, Any], path: tuple[str, ...]) -> Iterator[tuple[Any, tuple[str, ...]]]:
    for name, sub in (node.get("properties") or {}).items():
        yield sub, (*path, "properties", name)
    if "items" in node:
        yield node["items"], (*path, "items")
    for i, sub in enumerate(node.get("anyOf") or ()):
        yield sub, (*path, "anyOf", str(i))


def _depth(root: Mapping[str, Any], node: Any, stack: tuple[int, ...]) -> int:
    if not isinstance(node, Mapping) or id(node) in stack:
        return 0  # recursion is allowed and adds no bounded depth
    if isinstance(node.get("$ref"), str):
        return _depth(root, _resolve(root, node["$ref"]), (*stack, id(node)))
    here = 1 if "properties" in node or node.get("type") == "object" else 0
    below = [_depth(root, sub, (*stack, id(node))) for sub, _ in _subschemas(node, ())]
    return here + max(below, default=0)


def strict_problems(schema: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every way ``schema`` breaks the strict-mode rules, as ``(path, problem)`` pairs (pure; empty: valid)."""
    problems: list[tuple[str, str]] = []
    if "anyOf" in schema:
        problems.append(("#", "the root may not be 'anyOf'; wrap it in an object property"))
    elif schema.get("type") != "object":
        problems.append(("#", "the root must be an object ('type': 'object')"))
    count = 0
    pending: list[tuple[Any, tuple[str, ...]]] = [(schema, ())]
    for defs in ("$defs", "definitions"):
        pending += [(v, (defs, k)) for k, v in (schema.get(defs) or {}).items()]
    while pending:
        node, path = pending.pop()
        if not isinstance(node, Mapping):
            problems.append((_ptr(path), "a schema must be an object"))
            continue
        problems += [(_ptr((*path, k)), _keyword_problem(k)) for k in node if k not in _ALLOWED]
        kinds = node.get("type")
        for kind in kinds if isinstance(kinds, list) else [kinds] if kinds is not None else []:
            if kind not in _TYPES:
                problems.append((_ptr((*path, "type")), f"unknown type {kind!r}"))
        ref = node.get("$ref")
        if ref is not None and (not isinstance(ref, str) or _resolve(schema, ref) is None):
            problems.append((_ptr((*path, "$ref")), f"{ref!r} does not point into this schema"))
        if "properties" in node or node.get("type") == "object":
            props = node.get("properties") or {}
            count += len(props)
            if node.get("additionalProperties") is not False:
                problems.append((_ptr(path), "'additionalProperties' is required to be supplied and to be false"))
            missing = [k for k in props if k not in (node.get("required") or ())]
            if missing:
                problems.append(
                    (_ptr(path), f"'required' must list every key in properties; missing {', '.join(missing)}")
                )
        pending += list(_subschemas(node, path))
    if count > MAX_PROPERTIES:
        problems.append(("#", f"{count} object properties exceed the limit of {MAX_PROPERTIES}"))
    depth = _depth(schema, schema, ())
    if depth > MAX_DEPTH:
        problems.append(("#", f"{depth} levels of nesting exceed the limit of {MAX_DEPTH}"))
    return problems
