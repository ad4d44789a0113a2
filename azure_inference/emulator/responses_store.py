"""Stored responses for ``previous_response_id`` (docs/wire.md §V1.3.1 ``store``): in memory and bounded."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

__all__ = ["ResponseStore", "StoredResponse"]


@dataclass(frozen=True)
class StoredResponse:
    """One stored response: the conversation it closed (chat-form messages) and the response object."""

    messages: list[dict[str, Any]]
    response: dict[str, Any]


class ResponseStore:
    """The last ``limit`` stored responses by id; the oldest is forgotten first (the service keeps 30 days)."""

    def __init__(self, limit: int = 1_000) -> None:
        self.limit = limit
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()

    def put(self, response_id: str, stored: StoredResponse) -> None:
        """Store one response, dropping the oldest past ``limit``."""
        self._items[response_id] = stored
        self._items.move_to_end(response_id)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def get(self, response_id: str) -> StoredResponse | None:
        """The stored response, or ``None`` when unknown (never stored, or forgotten)."""
        return self._items.get(response_id)

    def clear(self) -> None:
        """Forget every stored response."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
