"""The fold's state per output item and how an item is built from it (``responses_fold``; docs/wire.md §V1.3.4).

Pieces are kept under their ``sequence_number`` and joined in that order; a ``.done`` value wins over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models.responses import (
    Annotation,
    FunctionCallItem,
    GenericItem,
    MessageItem,
    OutputItem,
    OutputItemEvent,
    OutputText,
    ReasoningItem,
    Refusal,
    ResponseEvent,
    SummaryText,
)

__all__ = ["ItemState", "PartState", "build_item", "implied_type"]


@dataclass
class PartState:
    """A content part, a summary part or a call's arguments: pieces by sequence number, or the done value."""

    pieces: dict[int, str] = field(default_factory=dict)
    done: str | None = None
    kind: str = "output_text"
    annotations: dict[int, Annotation] = field(default_factory=dict)
    part: Any = None  # the part of content_part.added/.done (its fields beyond text are kept)

    def text(self) -> str:
        """The done value, else the pieces joined in sequence order."""
        return self.done if self.done is not None else "".join(self.pieces[k] for k in sorted(self.pieces))


@dataclass
class ItemState:
    """One output item as folded so far."""

    type: str = ""
    id: str = ""
    added: OutputItem | None = None
    done: OutputItem | None = None
    parts: dict[int, PartState] = field(default_factory=dict)
    arguments: PartState = field(default_factory=PartState)


def implied_type(event: ResponseEvent) -> str:
    """The item type an event implies (an item may be told of before its ``output_item.added``)."""
    kind = event.type
    if isinstance(event, OutputItemEvent):
        return event.item.type
    if "function_call" in kind:
        return "function_call"
    if "reasoning" in kind:
        return "reasoning"
    if "output_text" in kind or "refusal" in kind or "content_part" in kind:
        return "message"
    return ""


def build_item(state: ItemState) -> OutputItem:
    """The item as the non-streamed response would carry it: its done item, else built from the pieces."""
    if state.done is not None:
        return state.done
    base = state.added
    update: dict[str, Any] = {}
    if state.type == "message":
        parts: list[Any] = []
        for _, p in sorted(state.parts.items()):
            if p.kind == "refusal":
                parts.append(Refusal(refusal=p.text()))
            else:
                extra = p.part.model_dump(exclude={"type", "text", "annotations"}) if p.part is not None else {}
                anns = [a for _, a in sorted(p.annotations.items())]
                parts.append(OutputText(text=p.text(), annotations=anns, **extra))
        update["content"] = parts
        cls: type[Any] = MessageItem
    elif state.type == "reasoning":
        update["summary"] = [SummaryText(text=p.text()) for _, p in sorted(state.parts.items())]
        cls = ReasoningItem
    elif state.type == "function_call":
        update["arguments"] = state.arguments.text()
        cls = FunctionCallItem
    else:
        return base if base is not None else GenericItem(type=state.type, id=state.id)
    if base is None:
        built: OutputItem = cls(id=state.id, **update)
        return built
    return base.model_copy(update=update)
