"""Fold a Responses API event stream into one ``Response``, and say per event what it added. Pure, no I/O.

``ResponsesAccumulator.add`` is the one fold of a ``POST /responses`` stream (docs/wire.md §V1.3.4), shaped like the
chat fold (``fold.ChatAccumulator``): it returns a ``ResponseDelta`` naming what the event added (text of an
output item, a reasoning-summary piece, function-call arguments with the call's ids, the finish), and
``result()`` gives the whole response as if it had not been streamed.

The fold does not trust arrival order: every piece is stored under its ``sequence_number`` and joined in that
order, and an event whose ``sequence_number`` was already folded is a re-send and adds nothing. So a stream
re-ordered or repeated by a proxy folds to the same response. A ``.done`` event carries the whole value (text,
summary, arguments, item) and wins over the pieces, whenever it arrives.

``response.failed`` and ``error`` events raise typed errors (``failure_error``); a stream that ends without
``response.completed`` / ``response.incomplete`` is for the parser to refuse (``responses_stream``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ._responses_items import ItemState, PartState, build_item, implied_type
from .errors import (
    APIStatusError,
    BadRequestError,
    ContentFilterError,
    InferenceError,
    RateLimitError,
    ServerError,
    StreamError,
)
from .models.responses import (
    ContentPartEvent,
    ErrorEvent,
    FunctionArgumentsDeltaEvent,
    FunctionArgumentsDoneEvent,
    FunctionCallItem,
    OutputItem,
    OutputItemEvent,
    OutputText,
    Refusal,
    Response,
    ResponseEvent,
    ResponseLifecycleEvent,
    ResponseUsage,
    SummaryPartEvent,
    SummaryTextDeltaEvent,
    SummaryTextDoneEvent,
    TextAnnotationEvent,
    TextDeltaEvent,
    TextDoneEvent,
)

__all__ = ["ResponseDelta", "ResponsesAccumulator", "failure_error"]

TERMINAL = ("completed", "incomplete")
_LATE = 1 << 40  # events without a sequence_number sort after numbered ones, in arrival order


@dataclass(slots=True)
class ResponseDelta:
    """What one event added; from ``ResponsesAccumulator.add``. Empty for a re-sent event (``duplicate``)."""

    event: ResponseEvent
    """The event itself."""
    output_index: int | None = None
    """The output item it touched, if any."""
    item_id: str | None = None
    """That item's id, when known."""
    item_type: str | None = None
    """That item's type (``message``, ``reasoning``, ``function_call``, ...), when known."""
    text: str = ""
    """Output text added to a message item."""
    refusal: str = ""
    """Refusal text added to a message item."""
    reasoning: str = ""
    """Reasoning-summary text added to a reasoning item."""
    summary_index: int | None = None
    """Which summary part ``reasoning`` belongs to."""
    arguments: str = ""
    """Function-call argument text added."""
    call_id: str | None = None
    """The function call's ``call_id`` (on every argument delta once the item is known)."""
    name: str | None = None
    """The function call's name (on every argument delta once the item is known)."""
    item: OutputItem | None = None
    """The item of an ``output_item.added`` / ``.done`` event."""
    status: str | None = None
    """The response's status, on lifecycle events (``completed`` and ``incomplete`` finish the stream)."""
    usage: ResponseUsage | None = None
    """Usage, on the event that finished the response."""
    incomplete_reason: str | None = None
    """``max_output_tokens`` or ``content_filter``, on a ``response.incomplete`` event."""
    duplicate: bool = False
    """The event's ``sequence_number`` was already folded: it added nothing."""

    @property
    def finished(self) -> bool:
        """Whether this event finished the response (``response.completed`` or ``response.incomplete``)."""
        return self.status in TERMINAL and isinstance(self.event, ResponseLifecycleEvent)


_CODES: dict[str, tuple[type[APIStatusError], int]] = {
    "rate_limit_exceeded": (RateLimitError, 429),
    "server_error": (ServerError, 500),
    "content_filter": (ContentFilterError, 400),
}


def failure_error(code: str | None, message: str, *, where: str, received: str = "") -> InferenceError:
    """The typed error for a failed response or an ``error`` event (docs/wire.md §V1.3.2 error codes).

    ``rate_limit_exceeded`` → ``RateLimitError``, ``server_error`` → ``ServerError``, ``content_filter`` →
    ``ContentFilterError``, ``invalid_*`` → ``BadRequestError`` (each with the status the code stands for);
    any other code → ``StreamError`` carrying it.
    """
    text = f"{where}: {code or 'error'}: {message or 'no message'}{received}"
    cls_status = _CODES.get(code or "")
    if cls_status is None and (code or "").startswith("invalid_"):
        cls_status = (BadRequestError, 400)
    if cls_status is not None:
        cls, status = cls_status
        return cls(text, status_code=status, error_code=code)
    return StreamError(text, error_code=code)


class ResponsesAccumulator:
    """Folds Responses stream events into a ``Response``; ``add`` per event, ``result`` at the end."""

    def __init__(self) -> None:
        self.events = 0
        """Events folded (re-sends not counted)."""
        self._seen: set[int] = set()
        self._items: dict[int, ItemState] = {}
        self._snapshot: tuple[int, Response] | None = None  # the latest non-final lifecycle response
        self._final: Response | None = None

    @property
    def chunks(self) -> int:
        """Events folded: the name the stream shells and telemetry read on every accumulator."""
        return self.events

    @property
    def finished(self) -> bool:
        """Whether ``response.completed`` or ``response.incomplete`` was folded."""
        return self._final is not None

    @property
    def status(self) -> str | None:
        """The response's status so far (``None`` before the first lifecycle event)."""
        if self._final is not None:
            return self._final.status
        return self._snapshot[1].status if self._snapshot else None

    @property
    def incomplete_reason(self) -> str | None:
        """Why the response is ``incomplete`` (``max_output_tokens``, ``content_filter``), else ``None``."""
        details = self._final.incomplete_details if self._final is not None else None
        return details.reason if details is not None else None

    @property
    def text(self) -> str:
        """The output text so far (every message item's text parts, in output order)."""
        return "".join(
            p.text()
            for _, item in sorted(self._items.items())
            for _, p in sorted(item.parts.items())
            if item.type == "message" and p.kind == "output_text"
        )

    def add(self, event: ResponseEvent) -> ResponseDelta:
        """Fold one event in; return what it added.

        Raises:
            InferenceError: on ``response.failed`` and ``error`` events (see ``failure_error``).
        """
        seq = event.sequence_number
        if seq >= 0:
            if seq in self._seen:
                return ResponseDelta(event, duplicate=True)
            self._seen.add(seq)
        else:
            seq = _LATE + self.events
        self.events += 1
        if isinstance(event, ResponseLifecycleEvent):
            return self._lifecycle(event, seq)
        if isinstance(event, ErrorEvent):
            raise failure_error(event.code, event.message, where="the stream carried an error", received=self._got())
        output_index = getattr(event, "output_index", None)
        if output_index is None:  # an event of a type not modelled here (tool progress): nothing to fold
            return ResponseDelta(event)
        item = self._item(output_index, getattr(event, "item_id", "") or "", implied_type(event))
        delta = ResponseDelta(event, output_index, item.id or None, item.type or None)
        if isinstance(event, OutputItemEvent):
            self._fold_item(item, event)
            delta.item, delta.item_id, delta.item_type = event.item, item.id or None, item.type
        elif isinstance(event, TextDeltaEvent):
            part = self._part(item, event.content_index, event.type)
            part.pieces[seq] = event.delta
            if event.type == "response.refusal.delta":
                delta.refusal = event.delta
            else:
                delta.text = event.delta
        elif isinstance(event, TextDoneEvent):
            part = self._part(item, event.content_index, event.type)
            part.done = event.refusal if event.type == "response.refusal.done" else event.text
        elif isinstance(event, ContentPartEvent):
            part = self._part(item, event.content_index, event.part.type)
            part.part = event.part
            if event.type.endswith(".done"):
                part.done = event.part.refusal if isinstance(event.part, Refusal) else getattr(event.part, "text", None)
            if isinstance(event.part, OutputText):
                for i, ann in enumerate(event.part.annotations):
                    part.annotations.setdefault(i, ann)
        elif isinstance(event, TextAnnotationEvent):
            part = self._part(item, event.content_index, "output_text")
            key = event.annotation_index if event.annotation_index is not None else len(part.annotations)
            part.annotations[key] = event.annotation
        elif isinstance(event, SummaryTextDeltaEvent):
            self._part(item, event.summary_index, "summary_text").pieces[seq] = event.delta
            delta.reasoning, delta.summary_index = event.delta, event.summary_index
        elif isinstance(event, (SummaryTextDoneEvent, SummaryPartEvent)):
            text = event.text if isinstance(event, SummaryTextDoneEvent) else event.part.text
            part = self._part(item, event.summary_index, "summary_text")
            if not event.type.endswith(".added"):
                part.done = text
            delta.summary_index = event.summary_index
        elif isinstance(event, FunctionArgumentsDeltaEvent):
            item.arguments.pieces[seq] = event.delta
            delta.arguments = event.delta
        elif isinstance(event, FunctionArgumentsDoneEvent):
            item.arguments.done = event.arguments
        if item.type == "function_call":
            call = item.added or item.done
            if isinstance(call, FunctionCallItem):
                delta.call_id, delta.name = call.call_id or None, call.name or None
        return delta

    def _got(self) -> str:
        return f" (after {self.events} events, {len(self.text)} characters of text)"

    def _lifecycle(self, event: ResponseLifecycleEvent, seq: int) -> ResponseDelta:
        response = event.response
        status = response.status or event.type.removeprefix("response.")
        if event.type == "response.failed" or status == "failed":
            err = response.error
            raise failure_error(
                err.code if err else None,
                err.message if err else "",
                where="the response failed",
                received=self._got(),
            )
        delta = ResponseDelta(event, status=status)
        if event.type in ("response.completed", "response.incomplete"):
            if response.status is None:
                response = response.model_copy(update={"status": status})
            self._final = response
            delta.usage = response.usage
            details = response.incomplete_details
            delta.incomplete_reason = details.reason if details is not None else None
        elif self._snapshot is None or seq > self._snapshot[0]:
            self._snapshot = (seq, response)
        return delta

    def _item(self, output_index: int, item_id: str, kind: str) -> ItemState:
        item = self._items.get(output_index)
        if item is None:
            item = self._items[output_index] = ItemState(type=kind, id=item_id)
        if item_id and not item.id:
            item.id = item_id
        if kind and not item.type:
            item.type = kind
        return item

    def _part(self, item: ItemState, index: int, kind: str) -> PartState:
        part = item.parts.get(index)
        if part is None:
            part = item.parts[index] = PartState()
        if "refusal" in kind:
            part.kind = "refusal"
        elif "summary" in kind:
            part.kind = "summary_text"
        return part

    def _fold_item(self, item: ItemState, event: OutputItemEvent) -> None:
        new = event.item
        item.type, item.id = new.type or item.type, new.id or item.id
        if event.type.endswith(".done"):
            item.done = new
        elif item.added is None:
            item.added = new

    def output(self) -> list[OutputItem]:
        """The output items so far, in output order, each built as the non-streamed response would carry it."""
        final = dict(enumerate(self._final.output)) if self._final is not None else {}
        out: list[OutputItem] = []
        for index in sorted(set(self._items) | set(final)):
            state = self._items.get(index)
            out.append(build_item(state) if state is not None else final[index])
        return out

    def result(self) -> Response:
        """The whole response as if it had not been streamed (the final event's fields, the folded output)."""
        base = self._final or (self._snapshot[1] if self._snapshot else Response())
        return base.model_copy(update={"output": self.output()})
