"""Validation against the Azure OpenAI / Foundry v1 OpenAPI file (OpenAPI 3.0, ``spec/openai-v1``; docs/wire.md §V1.1).

OpenAPI 3.0 schemas differ from JSON Schema in two ways that matter here, rewritten once at load time:
``nullable: true`` becomes a union with ``null``, and ``#/components/schemas/X`` references become
``#/definitions/X``. Other OpenAPI words (``discriminator``, ``readOnly``, ``x-*``) are annotations to
JSON Schema and are left alone.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

V1_SPEC_FILE = Path(__file__).parent / "spec" / "openai-v1" / "azure-v1-v1-generated.json"
_COMPONENTS = "#/components/schemas/"


def _to_json_schema(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _to_json_schema(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith(_COMPONENTS):
            out["$ref"] = "#/definitions/" + ref[len(_COMPONENTS) :]
        if out.pop("nullable", False):
            kind = out.get("type")
            if isinstance(kind, str) and not any(k in out for k in ("allOf", "anyOf", "oneOf", "$ref")):
                out["type"] = [kind, "null"]
                if "enum" in out:
                    out["enum"] = [*out["enum"], None]
            else:
                return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    return node


@cache
def v1_definitions() -> dict[str, Any]:
    """The component schemas of the v1 OpenAPI file as JSON Schema definitions."""
    raw = json.loads(V1_SPEC_FILE.read_text(encoding="utf-8"))
    return {name: _to_json_schema(schema) for name, schema in raw["components"]["schemas"].items()}


@cache
def v1_validator(definition: str) -> Draft7Validator:
    """A compiled validator for one component schema (e.g. ``AzureCreateChatCompletionResponse``)."""
    return Draft7Validator({"$ref": "#/definitions/" + definition, "definitions": v1_definitions()})


def v1_errors(definition: str, instance: Any) -> list[ValidationError]:
    """Every way ``instance`` breaks the v1 component schema ``definition`` (empty when valid)."""
    return list(v1_validator(definition).iter_errors(instance))


# The OpenAPI ``discriminator`` picks the schema of a Responses event or output item by its ``type``; JSON Schema
# ignores it (the base schemas only require ``type`` and ``id``), so the Responses checks resolve it here.
def _mapping(definition: str) -> dict[str, str]:
    raw = json.loads(V1_SPEC_FILE.read_text(encoding="utf-8"))["components"]["schemas"][definition]
    mapping: dict[str, str] = raw.get("discriminator", {}).get("mapping", {})
    return {kind: ref.removeprefix(_COMPONENTS) for kind, ref in mapping.items()}


@cache
def _event_schemas() -> dict[str, str]:
    return _mapping("OpenAI.ResponseStreamEvent")


@cache
def _item_schemas() -> dict[str, str]:
    return _mapping("OpenAI.ItemResource")


def v1_item_errors(item: Any) -> list[ValidationError]:
    """Every way a Responses output item breaks the v1 schema of its ``type`` (unknown types: an error)."""
    kind = item.get("type") if isinstance(item, dict) else None
    definition = _item_schemas().get(kind) if isinstance(kind, str) else None
    if definition is None:
        return [ValidationError(f"no v1 item schema for type {kind!r}")]
    return v1_errors(definition, item)


def v1_response_errors(response: Any, definition: str = "AzureResponse") -> list[ValidationError]:
    """Every way a Responses response object breaks ``definition``, each output item checked by its type."""
    errors = v1_errors(definition, response)
    output = response.get("output") if isinstance(response, dict) else None
    for item in output if isinstance(output, list) else ():
        errors += v1_item_errors(item)
    return errors


def v1_event_errors(event: Any) -> list[ValidationError]:
    """Every way a Responses stream event breaks the v1 schema of its ``type``, its response and item included."""
    kind = event.get("type") if isinstance(event, dict) else None
    definition = _event_schemas().get(kind) if isinstance(kind, str) else None
    if definition is None:
        return [ValidationError(f"no v1 event schema for type {kind!r}")]
    errors = v1_errors(definition, event)
    if "response" in event:
        errors += v1_response_errors(event["response"], "OpenAI.Response")
    if "item" in event:
        errors += v1_item_errors(event["item"])
    return errors
