"""Fake senders for the unit tests: the sender interface (``azure_inference._sender``) answered from a reply table.

The same ``Server`` that answers over ``httpx.MockTransport`` answers here, so every test body written with
``make(sync, server)`` also runs through a client whose sending is not httpx at all: the async client then takes
the path it takes by default (its own sender, not an injected ``httpx.AsyncClient``). Like aiohttp, the fake
keeps header names as the server sent them and hands the body over in the pieces it arrived in.

Failures in the table are httpx exceptions (the vocabulary the reply table already speaks); the fake words them
with the transport's one ``connection_error`` and raises ``BodyReadError`` mid-body, as every sender must.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
from multidict import CIMultiDict, CIMultiDictProxy

from azure_inference._error_map import connection_error, deadline_error
from azure_inference._response import BodyReadError
from azure_inference._sender import AsyncReply, PreparedRequest, Reply
from azure_inference.errors import APIConnectionError

Handler = Callable[[httpx.Request], httpx.Response]


def _answer(handler: Handler, req: PreparedRequest) -> httpx.Response:
    request = httpx.Request(req.method, req.url, headers=req.headers, content=req.content)
    try:
        return handler(request)
    except httpx.HTTPError as exc:
        raise _failure(exc, req) from exc


def _failure(exc: httpx.HTTPError, req: PreparedRequest) -> APIConnectionError:
    timeout = None
    if isinstance(exc, httpx.TimeoutException):
        timeout = "connect" if isinstance(exc, httpx.ConnectTimeout) else "other"
    return connection_error(
        req.method, req.url, exc, timeout=timeout, connect=req.timeout.connect, deadline=req.deadline
    )


def _headers(response: httpx.Response) -> CIMultiDictProxy[str]:
    # As aiohttp holds them: case-insensitive lookups, names kept as sent (e.g. "Retry-After").
    raw = CIMultiDict((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
    return CIMultiDictProxy(raw)


class FakeReply(Reply):
    """A reply of ``FakeSender``."""

    __slots__ = ("_deadline", "_req", "_response", "closes")

    def __init__(self, response: httpx.Response, req: PreparedRequest, deadline: float) -> None:
        super().__init__(response.status_code, _headers(response), req.method, req.url)
        self._response = response
        self._req = req
        self._deadline = deadline
        self.closes = 0

    @property
    def raw(self) -> httpx.Response:
        return self._response

    def read(self) -> bytes:
        parts = []
        try:
            for part in self._response.iter_bytes():
                parts.append(part)
                if time.monotonic() > self._deadline:
                    raise deadline_error(self._req.route, self._req.deadline)
        except httpx.HTTPError as exc:
            raise _failure(exc, self._req) from exc
        finally:
            self.close()
        return b"".join(parts)

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._response.iter_bytes()
        except httpx.HTTPError as exc:
            raise BodyReadError(exc, timed_out=isinstance(exc, httpx.TimeoutException)) from exc

    def close(self) -> None:
        self.closes += 1
        self._response.close()


class FakeSender:
    """A sync sender answering from ``handler``; records every reply it opened."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.replies: list[FakeReply] = []
        self.closed = False

    def open(self, req: PreparedRequest, stream: bool) -> FakeReply:
        deadline = time.monotonic() + req.deadline
        reply = FakeReply(_answer(self._handler, req), req, deadline)
        self.replies.append(reply)
        return reply

    def close(self) -> None:
        self.closed = True


class FakeAsyncReply(AsyncReply):
    """A reply of ``FakeAsyncSender``."""

    __slots__ = ("_deadline", "_req", "_response", "closes")

    def __init__(self, response: httpx.Response, req: PreparedRequest, deadline: float) -> None:
        super().__init__(response.status_code, _headers(response), req.method, req.url)
        self._response = response
        self._req = req
        self._deadline = deadline
        self.closes = 0

    @property
    def raw(self) -> httpx.Response:
        return self._response

    async def read(self) -> bytes:
        parts = []
        try:
            async for part in self._response.aiter_bytes():
                parts.append(part)
                if time.monotonic() > self._deadline:
                    raise deadline_error(self._req.route, self._req.deadline)
        except httpx.HTTPError as exc:
            raise _failure(exc, self._req) from exc
        finally:
            await self.close()
        return b"".join(parts)

    def chunks(self) -> AsyncIterator[bytes]:
        return _Chunks(self._response)

    async def close(self) -> None:
        self.closes += 1
        await self._response.aclose()


class _Chunks:
    def __init__(self, response: httpx.Response) -> None:
        self._parts = response.aiter_bytes()

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._parts.__anext__()
        except httpx.HTTPError as exc:
            raise BodyReadError(exc, timed_out=isinstance(exc, httpx.TimeoutException)) from exc


class FakeAsyncSender:
    """An async sender answering from ``handler``; records every reply it opened."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self.replies: list[FakeAsyncReply] = []
        self.closed = False

    async def open(self, req: PreparedRequest, stream: bool) -> FakeAsyncReply:
        deadline = time.monotonic() + req.deadline
        reply = FakeAsyncReply(_answer(self._handler, req), req, deadline)
        self.replies.append(reply)
        return reply

    async def close(self) -> None:
        self.closed = True
