"""``POST /responses`` stream events, picked by their ``type`` (docs/wire.md §V1.3.4).

An event of a type not modelled here is kept as an ``UnknownEvent`` (docs/wire.md §V1.3.2: tolerant of what is new).
The response object and its output items are in ``models.responses``.
"""

from __future__ import annotations

from ._base import WireModel
from .responses import Annotation, ContentPart, OutputItem, Response, SummaryText

__all__ = [
    "ContentPartEvent",
    "ErrorEvent",
    "FunctionArgumentsDeltaEvent",
    "FunctionArgumentsDoneEvent",
    "OutputItemEvent",
    "ResponseEvent",
    "ResponseLifecycleEvent",
    "SummaryPartEvent",
    "SummaryTextDeltaEvent",
    "SummaryTextDoneEvent",
    "TextAnnotationEvent",
    "TextDeltaEvent",
    "TextDoneEvent",
    "UnknownEvent",
    "parse_event",
]


class ResponseEvent(WireModel):
    """What every stream event has: its ``type`` and ``sequence_number`` (rising from 0)."""

    type: str
    sequence_number: int = -1


class ResponseLifecycleEvent(ResponseEvent):
    """``response.created|in_progress|queued|completed|incomplete|failed``: the whole response as it stands."""

    response: Response


class OutputItemEvent(ResponseEvent):
    """``response.output_item.added|done``: one item (``done`` has its final content)."""

    output_index: int
    item: OutputItem


class ContentPartEvent(ResponseEvent):
    """``response.content_part.added|done``: one content part of a message item."""

    item_id: str = ""
    output_index: int
    content_index: int = 0
    part: ContentPart


class TextDeltaEvent(ResponseEvent):
    """``response.output_text.delta`` or ``response.refusal.delta``."""

    item_id: str = ""
    output_index: int
    content_index: int = 0
    delta: str = ""


class TextDoneEvent(ResponseEvent):
    """``response.output_text.done`` (``text``) or ``response.refusal.done`` (``refusal``): the whole part."""

    item_id: str = ""
    output_index: int
    content_index: int = 0
    text: str | None = None
    refusal: str | None = None


class TextAnnotationEvent(ResponseEvent):
    """``response.output_text.annotation.added`` (in the spec's type enum without a schema: docs/wire.md §V1.8, Δ12)."""

    item_id: str = ""
    output_index: int
    content_index: int = 0
    annotation_index: int | None = None
    annotation: Annotation


class SummaryPartEvent(ResponseEvent):
    """``response.reasoning_summary_part.added|done``."""

    item_id: str = ""
    output_index: int
    summary_index: int = 0
    part: SummaryText


class SummaryTextDeltaEvent(ResponseEvent):
    """``response.reasoning_summary_text.delta``."""

    item_id: str = ""
    output_index: int
    summary_index: int = 0
    delta: str = ""


class SummaryTextDoneEvent(ResponseEvent):
    """``response.reasoning_summary_text.done``: the whole summary part."""

    item_id: str = ""
    output_index: int
    summary_index: int = 0
    text: str = ""


class FunctionArgumentsDeltaEvent(ResponseEvent):
    """``response.function_call_arguments.delta``."""

    item_id: str = ""
    output_index: int
    delta: str = ""


class FunctionArgumentsDoneEvent(ResponseEvent):
    """``response.function_call_arguments.done``: the whole argument string."""

    item_id: str = ""
    output_index: int
    arguments: str = ""


class ErrorEvent(ResponseEvent):
    """``error``: a stream-level error (``code`` may be null)."""

    code: str | None = None
    message: str = ""
    param: str | None = None


class UnknownEvent(ResponseEvent):
    """An event of a type not modelled here (tool progress, newer events): kept as sent, folded as nothing."""


_LIFECYCLE = tuple(f"response.{s}" for s in ("created", "in_progress", "queued", "completed", "incomplete", "failed"))
_EVENT_CLASSES: dict[str, type[ResponseEvent]] = {
    **dict.fromkeys(_LIFECYCLE, ResponseLifecycleEvent),
    **dict.fromkeys(("response.output_item.added", "response.output_item.done"), OutputItemEvent),
    **dict.fromkeys(("response.content_part.added", "response.content_part.done"), ContentPartEvent),
    **dict.fromkeys(("response.output_text.delta", "response.refusal.delta"), TextDeltaEvent),
    **dict.fromkeys(("response.output_text.done", "response.refusal.done"), TextDoneEvent),
    "response.output_text.annotation.added": TextAnnotationEvent,
    **dict.fromkeys(
        ("response.reasoning_summary_part.added", "response.reasoning_summary_part.done"), SummaryPartEvent
    ),
    "response.reasoning_summary_text.delta": SummaryTextDeltaEvent,
    "response.reasoning_summary_text.done": SummaryTextDoneEvent,
    "response.function_call_arguments.delta": FunctionArgumentsDeltaEvent,
    "response.function_call_arguments.done": FunctionArgumentsDoneEvent,
    "error": ErrorEvent,
}


def parse_event(raw: bytes | str) -> ResponseEvent:
    """One event's JSON data as its typed event (``UnknownEvent`` for a type not modelled here).

    Raises:
        pydantic.ValidationError: the data is not JSON, has no ``type``, or a known event lacks a field it needs.
    """
    head = ResponseEvent.model_validate_json(raw)
    cls = _EVENT_CLASSES.get(head.type, UnknownEvent)
    return cls.model_validate_json(raw)
