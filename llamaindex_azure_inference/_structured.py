"""``response_format`` for structured output (WIRE.md §3 ``json_schema``), built from a pydantic model. Pure."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

__all__ = ["json_schema_format"]

_NAME = re.compile(r"[^A-Za-z0-9_-]")


def json_schema_format(output_cls: type[BaseModel]) -> dict[str, Any]:
    """``{"type": "json_schema", "json_schema": {...}}`` for ``output_cls`` (name limited to [A-Za-z0-9_-]{1,64})."""
    name = _NAME.sub("_", output_cls.__name__)[:64] or "output"
    spec: dict[str, Any] = {"name": name, "schema": output_cls.model_json_schema(), "strict": False}
    doc = (output_cls.__doc__ or "").strip()
    if doc:
        spec["description"] = doc[:500]
    return {"type": "json_schema", "json_schema": spec}
