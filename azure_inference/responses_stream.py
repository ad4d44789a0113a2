"""Responses API streams: SSE bytes → typed events → the fold (``responses_fold``), and the stream classes.

``ResponsesStreamParser`` has the interface of ``streaming.StreamParser`` (``feed``, ``done``, ``end``,
``broken``), so the sync and async shells of ``streaming`` can carry it; what it hands on per event is the
``ResponseDelta`` the fold returned. docs/wire.md §V1.3.4: events are dispatched on the data's ``type`` (the
``event:`` line is optional on Azure), no ``[DONE]`` terminator is defined, and the stream must end with
``response.completed`` or ``response.incomplete``; anything short of that raises ``StreamError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

from pydantic import ValidationError

from ._error_map import redact
from .errors import APITimeoutError, InferenceError, StreamError
from .models.responses import Response, parse_event
from .responses_fold import ResponseDelta, ResponsesAccumulator
from .sse import SSEDecoder
from .streaming import _AsyncStream, _SyncStream

__all__ = ["AsyncResponsesStream", "ResponsesStream", "ResponsesStreamParser"]


class ResponsesStreamParser:
    """Bytes in, ``ResponseDelta``s out; checks the stream ended properly.

    Args:
        accumulator: the fold to feed (a new one when ``None``); ``accumulator.result()`` is the response.
        secrets: what to redact from the errors it raises (a server may echo the key in an error event).
    """

    def __init__(self, accumulator: ResponsesAccumulator | None = None, secrets: Sequence[str] = ()) -> None:
        self._secrets = secrets
        self._decoder = SSEDecoder()
        self.accumulator = accumulator or ResponsesAccumulator()
        self.done = False  # no terminator in this protocol: the shells read until the body ends

    def _fail(self, message: str) -> StreamError:
        acc = self.accumulator
        text = acc.text
        return StreamError(
            f"{redact(message, self._secrets)} "
            f"(after {acc.events} events, {len(text)} characters of text, status {acc.status!r})",
            chunks_received=acc.events,
            content_received=text,
        )

    def feed(self, data: bytes) -> list[ResponseDelta]:
        """Decode a piece of the body, fold each event, and return what each added.

        Raises:
            StreamError: a malformed event.
            InferenceError: ``response.failed`` or ``error`` (typed by the error code; ``responses_fold``).
        """
        out: list[ResponseDelta] = []
        for sse in self._decoder.feed(data):
            raw = sse.raw
            if not raw.strip():
                continue
            if raw.strip() == b"[DONE]":  # some OpenAI-compatible servers end every stream this way
                continue
            try:
                event = parse_event(raw)
            except ValidationError:
                raise self._fail(f"malformed stream event {raw[:120]!r}") from None
            try:
                out.append(self.accumulator.add(event))
            except InferenceError as err:  # response.failed / error events carry the server's words
                self._redact(err)
                raise
        return out

    def _redact(self, err: InferenceError) -> None:
        if self._secrets:
            err.args = tuple(redact(a, self._secrets) if isinstance(a, str) else a for a in err.args)
            body = getattr(err, "body", None)
            if isinstance(body, str):
                err.body = redact(body, self._secrets)  # type: ignore[attr-defined]

    def end(self) -> None:
        """The body is over: raise ``StreamError`` unless ``response.completed``/``.incomplete`` was folded."""
        pending = self._decoder.end()
        if self.accumulator.finished:
            return
        why = "a partial event was cut off" if pending else "no response.completed or response.incomplete event"
        raise self._fail(f"the stream ended early: {why}")

    def broken(self, exc: BaseException, *, timed_out: bool) -> Exception:
        """The error to raise when the connection fails mid-stream (``timed_out``: a read stalled)."""
        if timed_out:
            return APITimeoutError(f"the stream stalled past the read timeout (after {self.accumulator.events} events)")
        return self._fail(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")


class ResponsesStream(_SyncStream[ResponseDelta]):
    """A streamed ``POST /responses``: iterate ``ResponseDelta``s (one per event); ``get_final_response()``.

    Each delta names what its event added (text, reasoning summary, function-call arguments with their
    ``call_id``/``name``, the finish with ``status``, ``usage`` and ``incomplete_reason``).
    """

    adaptations: tuple[str, ...] = ()
    """The rewrites made to the request before the stream started (``adapt.py``); empty when none."""

    @property
    def accumulator(self) -> ResponsesAccumulator:
        """The fold of this stream so far."""
        acc: ResponsesAccumulator = self._parser.accumulator
        return acc

    def deltas(self) -> Iterator[ResponseDelta]:
        """Iterate what each event added (the stream's own items; re-sent events come as ``duplicate``)."""
        yield from self

    def get_final_response(self) -> Response:
        """Consume what is left and return the whole response (``status`` ``incomplete`` says why it stopped)."""
        self.until_done()
        return self.accumulator.result()


class AsyncResponsesStream(_AsyncStream[ResponseDelta]):
    """A streamed ``POST /responses`` (async): ``async for delta in stream``; ``await get_final_response()``."""

    adaptations: tuple[str, ...] = ()
    """The rewrites made to the request before the stream started (``adapt.py``); empty when none."""

    @property
    def accumulator(self) -> ResponsesAccumulator:
        """The fold of this stream so far."""
        acc: ResponsesAccumulator = self._parser.accumulator
        return acc

    async def deltas(self) -> AsyncIterator[ResponseDelta]:
        """Iterate what each event added (async); see ``ResponsesStream.deltas``."""
        async for delta in self:
            yield delta

    async def get_final_response(self) -> Response:
        """Consume what is left and return the whole response."""
        await self.until_done()
        return self.accumulator.result()
