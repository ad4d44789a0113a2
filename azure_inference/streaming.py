"""Streamed responses: thin sync/async shells around a pure parser (``stream_parser``), and the chat and text streams.

A stream never ends quietly short: a body that stops without ``[DONE]`` and without a finish_reason, a
malformed chunk, an error event or a broken connection raises ``StreamError`` saying how much was received.
Retries happen before the stream object exists; once chunks flow nothing is retried.

Both shells take the same three things from a sender (``_sender``): the response view, the body's chunks
(which raise ``BodyReadError`` when the transport fails) and a close; so they depend on no HTTP library.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from ._response import BodyReadError, ResponseView
from .fold import ChatAccumulator, ChunkDelta
from .fold_text import CompletionAccumulator
from .models.chat import ChatCompletions, ChatCompletionsChunk
from .models.completions import Completions
from .stream_parser import Parser, StreamParser

__all__ = ["AsyncChatStream", "AsyncCompletionStream", "ChatStream", "CompletionStream", "StreamParser"]

T = TypeVar("T")


class _SyncStream(Generic[T]):
    """The sync shell: pulls bytes from ``chunks`` into the parser; ``close`` releases the connection.

    Args:
        response: status, headers, method and URL of the response.
        chunks: the body as it arrives; raises ``BodyReadError`` when the transport fails.
        close: releases the connection; called once the body ends, fails or the stream is closed.
        parser: the pure parser folding the chunks.
    """

    _observer: Any = None
    """Telemetry's hooks (``telemetry._StreamWatch``): the first chunk and the end; None when telemetry is off."""

    def __init__(
        self, response: ResponseView, chunks: Iterator[bytes], close: Callable[[], None], parser: Parser[T]
    ) -> None:
        self._view = response
        self._chunks = chunks
        # A stream dropped without being iterated or closed still releases its connection when collected
        # (docs/transport.md, streams); the finalizer holds ``close``, never the stream.
        self._close = weakref.finalize(self, close)
        self._closed = False
        self._parser = parser
        self._iterator: Iterator[T] | None = None

    @property
    def response(self) -> Any:
        """The HTTP response: the ``httpx.Response`` when sent with httpx, else the ``ResponseView``."""
        raw = self._view.raw
        return raw if raw is not None else self._view

    @property
    def request_id(self) -> str | None:
        """The service's request id for this stream."""
        return self._view.request_id

    @property
    def closed(self) -> bool:
        """Whether the connection was released (the stream ended, failed or was closed)."""
        return self._closed

    def _release(self, exc: BaseException | None = None) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._close()
            finally:
                if self._observer is not None:
                    self._observer.end(self._parser, exc)

    def _iter(self) -> Iterator[T]:
        ended = False
        try:
            for data in self._chunks:
                chunks = self._parser.feed(data)
                if chunks and self._observer is not None:
                    self._observer.chunk()
                yield from chunks
                if self._parser.done:
                    break
            self._parser.end()
            ended = True
        except BodyReadError as exc:
            raise self._parser.broken(exc.cause, timed_out=exc.timed_out) from exc.cause
        finally:
            # What ended the stream, for telemetry: the exception in flight here (GeneratorExit when closed).
            self._release(None if ended else sys.exc_info()[1])

    def __iter__(self) -> Iterator[T]:
        if self._iterator is None:
            self._iterator = self._iter()
        return self._iterator

    def __enter__(self) -> _SyncStream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        if self._iterator is not None:
            self._iterator.close()  # type: ignore[attr-defined]
        self._release()

    def until_done(self) -> None:
        """Consume the rest of the stream."""
        for _ in self:
            pass


class _AsyncStream(Generic[T]):
    """The async shell: pulls bytes from ``chunks`` into the parser; ``close`` releases the connection.

    Args:
        response: status, headers, method and URL of the response (public as ``stream.response``).
        chunks: the body as it arrives; raises ``BodyReadError`` when the transport fails.
        close: releases the connection; called once the body ends, fails or the stream is closed.
        parser: the pure parser folding the chunks.
    """

    _observer: Any = None
    """Telemetry's hooks (``telemetry._StreamWatch``): the first chunk and the end; None when telemetry is off."""

    def __init__(
        self,
        response: ResponseView,
        chunks: AsyncIterator[bytes],
        close: Callable[[], Awaitable[None]],
        parser: Parser[T],
    ) -> None:
        self.response = response
        """Status, headers, method and URL of the streamed response (a ``ResponseView``; no body)."""
        self._chunks = chunks
        self._close = close
        self._closed = False
        self._parser = parser
        self._iterator: AsyncIterator[T] | None = None

    @property
    def request_id(self) -> str | None:
        """The service's request id for this stream."""
        return self.response.request_id

    @property
    def closed(self) -> bool:
        """Whether the connection was released (the stream ended, failed or was closed)."""
        return self._closed

    async def _release(self, exc: BaseException | None = None) -> None:
        if not self._closed:
            self._closed = True
            try:
                await self._close()
            finally:
                if self._observer is not None:
                    self._observer.end(self._parser, exc)

    async def _iter(self) -> AsyncIterator[T]:
        ended = False
        try:
            async for data in self._chunks:
                chunks = self._parser.feed(data)
                if chunks and self._observer is not None:
                    self._observer.chunk()
                for chunk in chunks:
                    yield chunk
                if self._parser.done:
                    break
            self._parser.end()
            ended = True
        except BodyReadError as exc:
            raise self._parser.broken(exc.cause, timed_out=exc.timed_out) from exc.cause
        finally:
            # What ended the stream, for telemetry: the exception in flight here (GeneratorExit when closed).
            await self._release(None if ended else sys.exc_info()[1])

    def __aiter__(self) -> AsyncIterator[T]:
        if self._iterator is None:
            self._iterator = self._iter()
        return self._iterator

    async def __aenter__(self) -> _AsyncStream[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the connection (safe to call twice, and after cancellation)."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]
        await self._release()

    async def until_done(self) -> None:
        """Consume the rest of the stream."""
        async for _ in self:
            pass


def _start_deltas(parser: Any, think_tags: tuple[str, str] | None) -> ChatAccumulator:
    acc: ChatAccumulator = parser.accumulator
    acc.split_think(think_tags)  # raises once chunks were folded: the split must see the stream from its start
    parser.fold_in_feed = False  # the deltas loop folds each chunk as it hands it on
    return acc


class ChatStream(_SyncStream[ChatCompletionsChunk]):
    """A streamed chat completion: iterate chunks; ``get_final_response()`` gives the folded whole."""

    _parser: StreamParser[ChatCompletionsChunk]

    adaptations: tuple[str, ...] = ()
    """The rewrites made to the request before the stream started (``adapt.py``); empty when none."""

    @property
    def accumulator(self) -> ChatAccumulator:
        """The accumulator folding this stream."""
        acc: ChatAccumulator = self._parser.accumulator
        return acc

    def deltas(self, think_tags: tuple[str, str] | None = None) -> Iterator[ChunkDelta]:
        """Iterate what each chunk added (instead of the chunks): text, reasoning, tool-call pieces, finish.

        The stream is folded once, here; ``accumulator`` holds the whole so far and ``get_final_response()``
        still works afterwards. Call it before iterating the stream.

        Args:
            think_tags: split ``open…close`` reasoning out of the content, trimmed as the non-streamed split
                is; ``None`` leaves the content as sent.
        """
        acc = _start_deltas(self._parser, think_tags)
        for chunk in self:
            yield acc.add(chunk)
        tail = acc.flush()
        if tail is not None:
            yield tail

    def get_final_response(self) -> ChatCompletions:
        """Consume what is left and return the whole response."""
        if self._parser.fold_in_feed:
            self.until_done()
        else:  # deltas() was left early: fold the rest as it would have
            for chunk in self:
                self.accumulator.fold(chunk)
        return self.accumulator.result()


class AsyncChatStream(_AsyncStream[ChatCompletionsChunk]):
    """A streamed chat completion (async): ``async for chunk in stream``; ``await get_final_response()``."""

    _parser: StreamParser[ChatCompletionsChunk]

    adaptations: tuple[str, ...] = ()
    """The rewrites made to the request before the stream started (``adapt.py``); empty when none."""

    @property
    def accumulator(self) -> ChatAccumulator:
        """The accumulator folding this stream."""
        acc: ChatAccumulator = self._parser.accumulator
        return acc

    async def deltas(self, think_tags: tuple[str, str] | None = None) -> AsyncIterator[ChunkDelta]:
        """Iterate what each chunk added (async); see ``ChatStream.deltas``."""
        acc = _start_deltas(self._parser, think_tags)
        async for chunk in self:
            yield acc.add(chunk)
        tail = acc.flush()
        if tail is not None:
            yield tail

    async def get_final_response(self) -> ChatCompletions:
        """Consume what is left and return the whole response."""
        if self._parser.fold_in_feed:
            await self.until_done()
        else:  # deltas() was left early: fold the rest as it would have
            async for chunk in self:
                self.accumulator.fold(chunk)
        return self.accumulator.result()


class CompletionStream(_SyncStream[Completions]):
    """A streamed text completion."""

    def get_final_response(self) -> Completions:
        """Consume what is left and return the whole completion."""
        self.until_done()
        result: Completions = self._parser.accumulator.result()
        return result


class AsyncCompletionStream(_AsyncStream[Completions]):
    """A streamed text completion (async)."""

    async def get_final_response(self) -> Completions:
        """Consume what is left and return the whole completion."""
        await self.until_done()
        result: Completions = self._parser.accumulator.result()
        return result


def chat_parser(secrets: Sequence[str] = ()) -> StreamParser[ChatCompletionsChunk]:
    """A parser for ``/chat/completions`` streams (``secrets`` are redacted from its errors)."""
    return StreamParser(ChatCompletionsChunk, ChatAccumulator(), secrets)


def completion_parser(secrets: Sequence[str] = ()) -> StreamParser[Completions]:
    """A parser for ``/completions`` streams (``secrets`` are redacted from its errors)."""
    return StreamParser(Completions, CompletionAccumulator(), secrets)
