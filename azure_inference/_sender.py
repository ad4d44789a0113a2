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

from ._config_checks import mask_headers
from ._response import ResponseView
from .errors import ResponseValidationError

if TYPE_CHECKING:
    import httpx

__all__ = ["ERROR_READ", "AsyncReply", "AsyncSender", "PreparedRequest", "Reply", "Sender", "too_large"]

ERROR_READ = 64 * 1024
"""Bytes of an error body read (the message shows 2,000 characters; any real error body is far smaller)."""


def body_limit(status: int, req: PreparedRequest) -> int:
    """How many bytes of a body to read: all (up to ``max_bytes``) for a success, the start of an error."""
    return req.max_bytes if status < 300 else ERROR_READ


def too_large(req: PreparedRequest) -> ResponseValidationError:
    """The error for a success body past ``max_bytes`` (never retried: the same request gets the same body)."""
    return ResponseValidationError(
        f"{req.method} {req.url.split('?')[0]}: the response body is larger than max_response_bytes="
        f"{req.max_bytes:,}; raise Deployment.max_response_bytes if such answers are expected"
    )


@dataclass(repr=False)
class PreparedRequest:
    """Everything needed to send one request; built once, sent once per attempt.

    Its repr shows no header values that carry a credential and no body, so a traceback rendered with locals
    never shows a key (docs/reliability.md, secrets).
    """

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout
    deadline: float
    """Seconds one attempt may take as a whole."""
    route: str
    max_bytes: int = 256 * 1024 * 1024
    """The largest body read for a success (``Deployment.max_response_bytes``); see ``body_limit``."""
    cost: int | None = None
    """Tokens the client's budget takes for each attempt (docs/quota.md); ``None`` without a budget or a body."""

    def __repr__(self) -> str:
        body = f"{len(self.content)} bytes" if self.content is not None else "none"
        return (
            f"PreparedRequest({self.method} {self.url.split('?')[0]}, headers={mask_headers(self.headers)!r}, "
            f"body={body})"
        )


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
