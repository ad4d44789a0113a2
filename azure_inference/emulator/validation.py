"""Request (and response) validation against the official OpenAPI files shipped in ``spec/``.

The Swagger 2.0 files use two things JSON Schema does not know, so they are rewritten once at load time:

- ``x-nullable: true`` becomes ``"type": [t, "null"]`` (docs/wire.md §3.3: ``content`` and ``finish_reason`` are
  nullable).
- ``discriminator`` polymorphism (messages by ``role``, content parts and ``response_format`` by ``type``)
  becomes a ``<Base>__any`` definition: the base schema plus one ``if``/``then`` per known discriminator
  value. An unknown value (e.g. the ``developer`` role, which has no schema; docs/wire.md §11.4) is checked
  against the base only.

Validators are compiled once per (spec version, definition) and cached, so the hot path only runs them.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError, best_match

from .errors import ApiError, invalid_request

SPEC_DIR = Path(__file__).parent / "spec"
SPEC_FILES = {
    "2024-05-01-preview": SPEC_DIR / "preview" / "2024-05-01-preview" / "openapi.json",
    "2025-05-01": SPEC_DIR / "stable" / "2025-05-01" / "openapi.json",
    "2025-05-15-preview": SPEC_DIR / "preview" / "2025-05-15-preview" / "openapi.json",
}

# api-version → which copied OpenAPI describes it (docs/wire.md §1). Versions without a copied file map to the
# nearest one with the same fields: 2025-04-01 is the first GA and already has reasoning_content (D-REL).
API_VERSIONS: dict[str, str] = {
    "2024-04-01-preview": "2024-05-01-preview",
    "2024-05-01-preview": "2024-05-01-preview",
    "2025-02-01-preview": "2024-05-01-preview",
    "2025-04-01": "2025-05-01",
    "2025-05-01-preview": "2025-05-01",
    "2025-05-01": "2025-05-01",
    "2025-05-15-preview": "2025-05-15-preview",
}
DEFAULT_SPEC = "2025-05-01"

_REF = "#/definitions/"


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k != "discriminator"}
        if out.pop("x-nullable", False):
            if "type" in out:
                out["type"] = [out["type"], "null"]
            elif "$ref" in out:
                out = {"anyOf": [{"$ref": out.pop("$ref")}, {"type": "null"}], **out}
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def _rewrite_refs(node: Any, bases: set[str], in_subtype_allof: bool = False) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF) and ref[len(_REF) :] in bases and not in_subtype_allof:
            return {**node, "$ref": ref + "__any"}
        return {k: _rewrite_refs(v, bases) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v, bases, in_subtype_allof) for v in node]
    return node


@cache
def load_definitions(spec: str) -> dict[str, Any]:
    """The JSON-Schema-ready definitions of one copied OpenAPI file (see the module docstring)."""
    raw = json.loads(SPEC_FILES[spec].read_text(encoding="utf-8"))
    defs: dict[str, Any] = raw["definitions"]
    bases = {name: d["discriminator"] for name, d in defs.items() if "discriminator" in d}
    subtypes: dict[str, list[tuple[str, str]]] = {b: [] for b in bases}
    for name, d in defs.items():
        for part in d.get("allOf", []):
            base = part.get("$ref", "")[len(_REF) :]
            if base in bases and "x-ms-discriminator-value" in d:
                subtypes[base].append((d["x-ms-discriminator-value"], name))
    out: dict[str, Any] = {}
    for name, d in defs.items():
        d = _nullable(d)
        if name in (s for subs in subtypes.values() for _, s in subs):
            allof = d.pop("allOf", [])
            d = _rewrite_refs(d, set(bases))
            d["allOf"] = allof  # a subtype's own allOf keeps pointing at the plain base
        else:
            d = _rewrite_refs(d, set(bases))
        out[name] = d
    for base, prop in bases.items():
        branches: list[Any] = [{"$ref": _REF + base}]
        for value, sub in subtypes[base]:
            branches.append(
                {"if": {"properties": {prop: {"const": value}}, "required": [prop]}, "then": {"$ref": _REF + sub}}
            )
        out[base + "__any"] = {"allOf": branches}
    # docs/wire.md §3.1: assistant `content` is nullable in the TypeSpec and the official examples send null,
    # although the OpenAPI says plain string. Accept both on input.
    content = out["ChatRequestAssistantMessage"]["properties"]["content"]
    if isinstance(content.get("type"), str):
        content["type"] = [content["type"], "null"]
    return out


@cache
def validator(spec: str, definition: str) -> Draft7Validator:
    """A compiled validator for ``#/definitions/<definition>`` of ``spec`` (cached)."""
    defs = load_definitions(spec)
    target = definition + "__any" if definition + "__any" in defs else definition
    schema = {"$ref": _REF + target, "definitions": defs}
    return Draft7Validator(schema)


def definition_properties(spec: str, definition: str) -> frozenset[str]:
    """The property names a definition declares (the ``known`` parameters for ``extra-parameters``)."""
    return _props(spec, definition)


@cache
def _props(spec: str, definition: str) -> frozenset[str]:
    return frozenset(load_definitions(spec)[definition].get("properties", {}))


def _loc(err: ValidationError) -> list[str | int]:
    loc: list[str | int] = ["body", *err.absolute_path]
    if err.validator == "required" and isinstance(err.instance, dict):
        missing = [p for p in err.validator_value if p not in err.instance]
        if missing:
            loc.append(missing[0])
    return loc


def errors_of(spec: str, definition: str, instance: Any) -> list[ValidationError]:
    """All schema errors of ``instance`` (empty when valid)."""
    return list(validator(spec, definition).iter_errors(instance))


def validate_body(spec: str, definition: str, body: Any) -> None:
    """Raise a 400 :class:`ApiError` naming the first offending field when ``body`` breaks the schema."""
    v = validator(spec, definition)
    if v.is_valid(body):
        return
    err = best_match(v.iter_errors(body))
    assert err is not None
    raise invalid_request(_loc(err), err.message)


def check(spec: str, definition: str, instance: Any) -> None:
    """Raise ``ValueError`` with every error message when ``instance`` breaks the definition (for tests)."""
    errs = errors_of(spec, definition, instance)
    if errs:
        lines = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errs]
        raise ValueError(f"{definition} ({spec}) invalid:\n" + "\n".join(lines))


# Legacy /completions is in no copied OpenAPI (docs/wire.md §8); this schema follows D-COMPL.
COMPLETIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "prompt": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
                {"type": "array", "items": {"type": "integer"}},
                {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            ]
        },
        "max_tokens": {"type": "integer", "minimum": 0},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "top_p": {"type": "number", "minimum": 0, "maximum": 1},
        "frequency_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "presence_penalty": {"type": "number", "minimum": -2, "maximum": 2},
        "seed": {"type": "integer"},
        "stop": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "stream": {"type": "boolean"},
        "stream_options": {"type": "object"},
        "model": {"type": "string"},
        "n": {"type": "integer", "minimum": 1, "maximum": 1},
        "echo": {"type": "boolean"},
        "logprobs": {"type": ["integer", "null"]},
        "user": {"type": "string"},
        "suffix": {"type": ["string", "null"]},
        "best_of": {"type": "integer"},
        "logit_bias": {"type": "object"},
    },
}
_COMPLETIONS_VALIDATOR = Draft7Validator(COMPLETIONS_SCHEMA)
COMPLETIONS_PROPERTIES = frozenset(COMPLETIONS_SCHEMA["properties"])


def validate_completions(body: Any) -> None:
    """Validate a legacy ``/completions`` body (400 naming the field)."""
    if _COMPLETIONS_VALIDATOR.is_valid(body):
        return
    err = best_match(_COMPLETIONS_VALIDATOR.iter_errors(body))
    assert err is not None
    raise invalid_request(_loc(err), err.message)


def response_schema(spec: str, definition: str) -> dict[str, Any]:
    """A standalone JSON Schema for a definition (a deep copy; for tests and tooling)."""
    defs = load_definitions(spec)
    return {"$ref": _REF + definition, "definitions": copy.deepcopy(defs)}


__all__ = ["API_VERSIONS", "DEFAULT_SPEC", "ApiError", "check", "validate_body"]
