"""The pure half of a chat or text-completion stream: SSE bytes → typed chunks → the accumulator. No I/O.

``Parser`` is what the sync and async shells of ``streaming`` need from a parser (``feed``, ``done``, ``end``,
``broken``, ``accumulator``); ``StreamParser`` (chat and text completions, docs/wire.md §4) and
``responses_stream.ResponsesStreamParser`` (docs/wire.md §V1.3.4) both have it, so one pair of shells carries both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from ._error_map import redact
from .errors import APITimeoutError, StreamError
from .sse import SSEDecoder, SSEError

__all__ = ["Parser", "StreamParser"]

T = TypeVar("T", bound=BaseModel)
Item = TypeVar("Item")
_DONE = b"[DONE]"


class Parser(Protocol[Item]):
    """What a stream shell drives: bytes in, items out, and a verdict on how the body ended."""

    accumulator: Any
    """The fold of everything fed so far (read by the stream classes and by telemetry)."""

    @property
    def done(self) -> bool:
        """Whether the stream's terminator was seen (the shell stops reading)."""

    def feed(self, data: bytes) -> list[Item]:
        """Decode a piece of the body into items (raising on a malformed or error event)."""

    def end(self) -> None:
        """The body is over: raise unless the stream finished properly."""

    def broken(self, exc: BaseException, *, timed_out: bool) -> Exception:
        """The error to raise when the connection fails mid-stream."""


class StreamParser(Generic[T]):
    """Bytes in, typed chunks out; folds them and checks the stream ended properly. Pure, no I/O.

    ``feed`` folds each chunk as it decodes it. ``ChatStream.deltas()`` turns that off (``fold_in_feed``) and
    folds each chunk as it hands it on instead, so that what a consumer reads from the accumulator is never
    ahead of the chunk it was given (one body piece often holds many events).
    """

    def __init__(self, model: type[T], accumulator: Any, secrets: Sequence[str] = ()) -> None:
        self._model = model
        self._secrets = secrets
        """Values redacted from every message (a server may echo the key back mid-stream)."""
        self._decoder = SSEDecoder()
        self.accumulator = accumulator
        self.done = False
        self.fold_in_feed = True

    def _fail(self, message: str, code: str | None = None, pending: Sequence[T] = ()) -> StreamError:
        acc = self.accumulator
        if not self.fold_in_feed:
            # Chunks decoded from this piece before the failure will not be handed on: fold them so the error
            # counts them, as it does when the parser folds as it decodes.
            for chunk in pending:
                acc.fold(chunk)
        return StreamError(
            f"{redact(message, self._secrets)} (after {acc.chunks} chunks, {len(acc.text)} characters of content)",
            chunks_received=acc.chunks,
            content_received=acc.text,
            error_code=code,
        )

    def feed(self, data: bytes) -> list[T]:
        """Decode a piece of the body into chunks (an empty list once ``[DONE]`` was seen)."""
        out: list[T] = []
        if self.done:
            return out
        try:
            events = self._decoder.feed(data)
        except SSEError as exc:
            raise self._fail(f"{exc}; the stream was abandoned") from None
        for event in events:
            raw = event.raw
            if raw[:6] == _DONE and raw.strip() == _DONE:
                self.done = True
                break
            if event.event == "error":
                raise self._error_event(raw, out)
            try:
                chunk = self._model.model_validate_json(raw)
            except ValidationError:
                raise self._fail(f"malformed stream chunk {self._start(raw)!r}", pending=out) from None
            extra = chunk.__pydantic_extra__
            if extra and "error" in extra and not getattr(chunk, "choices", None):
                raise self._error_event(raw, out)  # docs/wire.md §4 rule 7: an error object mid-stream
            if self.fold_in_feed:
                self.accumulator.fold(chunk)
            out.append(chunk)
        return out

    def _start(self, raw: bytes) -> str:
        # Redacted before it is cut, so a cut never leaves the start of a key (docs/reliability.md).
        return redact(raw[:2000].decode("utf-8", "replace"), self._secrets)[:120]

    def _error_event(self, raw: bytes, pending: Sequence[T]) -> StreamError:
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: an event nested thousands deep
            payload = {}
        err = payload.get("error", payload) if isinstance(payload, dict) else {}
        code = err.get("code") if isinstance(err, dict) else None
        message = err.get("message") if isinstance(err, dict) else None
        text = message if isinstance(message, str) and message else repr(self._start(raw))
        return self._fail(
            f"the service sent an error mid-stream: {code or 'error'}: {text}",
            code=code if isinstance(code, str) else None,
            pending=pending,
        )

    def end(self) -> None:
        """The body is over: raise unless the stream finished properly (``[DONE]`` or a finish_reason)."""
        pending = self._decoder.end()
        if self.done and not getattr(self.accumulator, "has_choices", True):
            # [DONE] without a single choice: no answer, said here rather than as an IndexError in a caller.
            raise self._fail("the stream ended without any choice (only [DONE] or usage chunks)")
        if self.done or self.accumulator.finished:
            return
        why = "a partial event was cut off" if pending else "no [DONE] and no finish_reason"
        raise self._fail(f"the stream ended early: {why}")

    def broken(self, exc: BaseException, *, timed_out: bool) -> Exception:
        """The error to raise when the connection fails mid-stream (``timed_out``: a read stalled)."""
        if timed_out:
            acc = self.accumulator
            return APITimeoutError(f"the stream stalled past the read timeout (after {acc.chunks} chunks)")
        return self._fail(f"the connection broke mid-stream ({type(exc).__name__}: {exc})")
