"""The base of every wire model: tolerant of unknown fields, as docs/wire.md asks of a robust client."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["WireModel"]


class WireModel(BaseModel):
    """A wire object. Unknown fields are kept (``extra="allow"``) so newer servers never break parsing."""

    # defer_build: schemas are built on first use, not at import (importing stays cheap for the adapters).
    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=(), defer_build=True)
