"""``response_format`` for structured output (docs/wire.md §3 ``json_schema``), built from a pydantic model. Pure."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from llama_index.core.base.llms.types import ChatResponse, ToolCallBlock
from pydantic import BaseModel

from azure_inference.strict_schema import to_strict_schema

__all__ = ["json_schema_format", "parse_structured"]

M = TypeVar("M", bound=BaseModel)
_NAME = re.compile(r"[^A-Za-z0-9_-]")


def json_schema_format(output_cls: type[BaseModel], strict: bool = True) -> dict[str, Any]:
    """``{"type": "json_schema", "json_schema": {...}}`` for ``output_cls`` (name limited to [A-Za-z0-9_-]{1,64}).

    Strict by default: the schema follows the service's strict rules (``to_strict_schema``: every property
    required, optional ones nullable, ``additionalProperties: false``); a model strict mode cannot express raises
    ``StrictSchemaError`` before anything is sent — pass ``strict=False`` for such a model.
    """
    name = _NAME.sub("_", output_cls.__name__)[:64] or "output"
    schema = output_cls.model_json_schema()
    spec: dict[str, Any] = {"name": name, "schema": to_strict_schema(schema) if strict else schema, "strict": strict}
    doc = (output_cls.__doc__ or "").strip()
    if doc:
        spec["description"] = doc[:500]
    return {"type": "json_schema", "json_schema": spec}


def parse_structured(output_cls: type[M], response: ChatResponse) -> M:
    """The pydantic object from whichever answer came back (pure).

    The transport may have stepped a ``json_schema`` request down to a forced function call, then to
    ``json_object`` (``azure_inference.adapt``): the object is read from the forced call's arguments when the
    reply has a tool call, else from the JSON content — the same object either way.
    """
    calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if calls:
        kwargs = calls[0].tool_kwargs
        return output_cls.model_validate_json(kwargs) if isinstance(kwargs, str) else output_cls.model_validate(kwargs)
    return output_cls.model_validate_json(response.message.content or "")
