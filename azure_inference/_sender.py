"""The one interface every way of sending implements (httpx ``BaseTransport`` / ``AsyncBaseTransport`` in spirit).

A sender turns a ``PreparedRequest`` into a reply once the status line and headers have arrived. The reply *is*
the ``ResponseView`` the pure core reads (one object per call, nothing more on the hot path), and it gives the
body in one of two ways: ``read()`` (whole, within the attempt's deadline) or ``chunks()`` (as it arrives, for a
stream), then ``close()`` releases the connection. Failures before a response raise ``APIConnectionError`` /
``APITimeoutError`` worded by ``_error_map.connection_error``; a chunk iterator raises ``BodyReadError``.

Implementations: ``_httpx.HttpxSender`` (sync), ``_httpx.AsyncHttpxSender`` (an injected ``httpx.AsyncClient``),
``_aiohttp.AiohttpSender`` (what the async client owns by default). Tests use fakes of the same interface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ._response import ResponseView

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncReply", "AsyncSender", "PreparedRequest", "Reply", "Sender"]


@dataclass
class PreparedRequest:
    """Everything needed to send one request; built once, sent once per attempt."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout
    deadline: float
    """Seconds one attempt may take as a whole."""
    route: str


class Reply(ResponseView):
    """A response whose headers arrived (sync): read it whole, or iterate its chunks; then close it."""

    __slots__ = ()

    def read(self) -> bytes:
        """The whole body within the attempt's deadline; the connection is released afterwards."""
        raise NotImplementedError

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; raises ``BodyReadError`` when the transport fails."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        raise NotImplementedError


class AsyncReply(ResponseView):
    """A response whose headers arrived (async): the same three ways in, awaited."""

    __slots__ = ()

    async def read(self) -> bytes:
        """The whole body within the attempt's deadline; the connection is released afterwards."""
        raise NotImplementedError

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; raises ``BodyReadError`` when the transport fails."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release the connection (safe to call twice)."""
        raise NotImplementedError


class Sender(Protocol):
    """Sends requests synchronously."""

    def open(self, req: PreparedRequest, stream: bool) -> Reply:
        """Send ``req`` and return once the headers arrived (``stream``: the body will be read as chunks)."""

    def close(self) -> None:
        """Release what the sender owns (an injected HTTP client is left open)."""


class AsyncSender(Protocol):
    """Sends requests asynchronously."""

    async def open(self, req: PreparedRequest, stream: bool) -> AsyncReply:
        """Send ``req`` and return once the headers arrived (``stream``: the body will be read as chunks)."""

    async def close(self) -> None:
        """Release what the sender owns (an injected HTTP client is left open)."""
