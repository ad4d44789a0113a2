"""The httpx senders: ``httpx.Client`` for the sync client, an injected ``httpx.AsyncClient`` for the async one.

Both keep httpx's response as the reply's ``raw`` and differ only in awaiting. A whole body is read in pieces so
the attempt's deadline holds even when a server trickles bytes (httpx's read timeout is per read, not per call).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx

from ._config_checks import is_secret_header
from ._deadline import DEADLINE
from ._deadline import install as install_deadline
from ._error_map import connection_error, deadline_error
from ._response import BodyReadError
from ._sender import AsyncReply, PreparedRequest, Reply, body_limit, too_large
from .errors import APIConnectionError, InvalidRequestError

__all__ = ["LIMITS", "AsyncHttpxSender", "HttpxSender", "env_proxy_allowed", "httpx_error", "own_client"]

LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=30.0)
"""Connection pool limits of the HTTP clients we create."""


def env_proxy_allowed(base_url: str) -> bool:
    """Whether the environment's proxy settings (``HTTP(S)_PROXY``) may carry requests to ``base_url``.

    Not for plain ``http://``: the proxy hop would see the key in clear (docs/reliability.md, secrets). Over
    https the proxy only relays an encrypted tunnel.
    """
    return base_url.split(":", 1)[0].lower() != "http"


def own_client(timeout: httpx.Timeout, base_url: str) -> httpx.Client:
    """The ``httpx.Client`` a sync client creates for itself: our pool limits, no redirects, and no environment
    proxy for a plain-http endpoint."""
    trust_env = env_proxy_allowed(base_url)
    transport = install_deadline(httpx.HTTPTransport(limits=LIMITS, trust_env=trust_env))
    return httpx.Client(timeout=timeout, transport=transport, follow_redirects=False, trust_env=trust_env)


def _dropped(exc: BaseException) -> bool:
    """True when httpx-aiohttp reported a dropped connection as a timeout.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` (server disconnected, connection reset or
    refused) to ``httpx.ConnectTimeout``; only aiohttp's own timeout errors are real timeouts.
    """
    cause = exc.__cause__
    return cause is not None and type(cause).__module__.startswith("aiohttp") and not isinstance(cause, TimeoutError)


def httpx_error(exc: httpx.HTTPError, req: PreparedRequest) -> APIConnectionError:
    """The typed error for an httpx failure before the body was read (wording: ``_error_map.connection_error``)."""
    dropped = _dropped(exc)
    timeout: str | None = None
    if isinstance(exc, httpx.TimeoutException) and not dropped:
        timeout = "connect" if isinstance(exc, httpx.ConnectTimeout) else "other"
    cause = exc.__cause__ if dropped and exc.__cause__ is not None else exc
    return connection_error(
        req.method, req.url, cause, timeout=timeout, connect=req.timeout.connect, deadline=req.deadline
    )


_LOCAL_ERRORS = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.InvalidURL)
"""Failures of the request itself: sending it again cannot help, so they are not connection errors."""


def _send_error(exc: Exception, req: PreparedRequest, http: httpx.Client | httpx.AsyncClient) -> Exception:
    """The typed error for a failed ``send``: a local problem, a closed client, or a connection failure."""
    if http.is_closed:
        return InvalidRequestError(
            f"{req.method} {req.url.split('?')[0]}: the HTTP client is closed; create a new client (close() ends "
            "a client for good, and so does leaving its `with` block)"
        )
    if isinstance(exc, _LOCAL_ERRORS):
        return InvalidRequestError(f"{req.method} {req.url.split('?')[0]}: the request cannot be sent ({exc})")
    if isinstance(exc, httpx.HTTPError):
        return httpx_error(exc, req)
    return InvalidRequestError(f"{req.method} {req.url.split('?')[0]}: {type(exc).__name__}: {exc}")


def _redirect(response: httpx.Response, http: httpx.Client | httpx.AsyncClient, hops: int) -> httpx.Request | None:
    """The next request of a redirect an injected client wants followed, or None.

    httpx drops ``Authorization`` on a cross-origin redirect but not ``api-key`` or a gateway key: every
    header that carries a credential (``_config_checks.is_secret_header``) is dropped here when the origin
    changes (docs/reliability.md, secrets). Our own clients never follow redirects.
    """
    nxt = response.next_request
    if nxt is None or not http.follow_redirects or hops >= http.max_redirects:
        return None
    old, new = response.request.url, nxt.url
    if (old.scheme, old.host, old.port) != (new.scheme, new.host, new.port):
        for name in [n for n in nxt.headers if is_secret_header(n)]:
            del nxt.headers[name]
    return nxt


def _read_error(exc: httpx.HTTPError) -> BodyReadError:
    # httpx-aiohttp reports a dropped connection as a timeout; only a real one is a stall.
    return BodyReadError(exc, timed_out=isinstance(exc, httpx.TimeoutException) and not _dropped(exc))


class HttpxReply(Reply):
    """An ``httpx.Response`` seen through the sender interface (sync)."""

    __slots__ = ("_deadline", "_req", "_response")

    def __init__(self, response: httpx.Response, req: PreparedRequest, deadline: float) -> None:
        super().__init__(response.status_code, response.headers, req.method, req.url)
        self._response = response
        self._req = req
        self._deadline = deadline

    @property
    def raw(self) -> httpx.Response:
        """The ``httpx.Response``."""
        return self._response

    def read(self) -> bytes:
        """The whole body within the attempt's deadline; the connection is released afterwards."""
        parts = []
        limit = body_limit(self.status_code, self._req)
        size = 0
        try:
            # Decoded bytes are counted, so a gzip bomb stops at the limit (docs/reliability.md).
            for part in self._response.iter_bytes():
                parts.append(part)
                size += len(part)
                if size > limit:
                    if self.status_code < 300:
                        raise too_large(self._req)
                    break  # an error body: its start is enough; closing drops the rest with the connection
                if time.monotonic() > self._deadline:
                    raise deadline_error(self._req.route, self._req.deadline)
        except httpx.HTTPError as exc:
            raise httpx_error(exc, self._req) from exc
        finally:
            self._response.close()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; raises ``BodyReadError`` when the transport fails."""
        try:
            yield from self._response.iter_bytes()
        except httpx.HTTPError as exc:
            raise _read_error(exc) from exc

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        self._response.close()


class HttpxSender:
    """Sends over an ``httpx.Client`` (owned unless injected)."""

    def __init__(self, http: httpx.Client, *, owned: bool) -> None:
        self.http = http
        self._owned = owned

    def open(self, req: PreparedRequest, stream: bool) -> HttpxReply:
        """Send ``req`` and return once the headers arrived."""
        deadline = time.monotonic() + req.deadline
        http = self.http
        request = http.build_request(req.method, req.url, headers=req.headers, content=req.content, timeout=req.timeout)
        # Until the headers are in, our own client's streams end every read by the deadline (``_deadline``).
        token = DEADLINE.set(deadline)
        try:
            response = http.send(request, stream=True, follow_redirects=False)
            hops = 0
            while (nxt := _redirect(response, http, hops)) is not None:
                response.close()
                hops += 1
                response = http.send(nxt, stream=True, follow_redirects=False)
        except (httpx.HTTPError, RuntimeError) as exc:  # RuntimeError: httpx's "client has been closed"
            raise _send_error(exc, req, http) from exc
        finally:
            DEADLINE.reset(token)
        return HttpxReply(response, req, deadline)

    def close(self) -> None:
        """Close the HTTP client if it is ours."""
        if self._owned:
            self.http.close()


class AsyncHttpxReply(AsyncReply):
    """An ``httpx.Response`` seen through the sender interface (async)."""

    __slots__ = ("_deadline", "_req", "_response")

    def __init__(self, response: httpx.Response, req: PreparedRequest, deadline: float) -> None:
        super().__init__(response.status_code, response.headers, req.method, req.url)
        self._response = response
        self._req = req
        self._deadline = deadline

    @property
    def raw(self) -> httpx.Response:
        """The ``httpx.Response``."""
        return self._response

    async def read(self) -> bytes:
        """The whole body within the attempt's deadline; the connection is released afterwards."""
        parts = []
        limit = body_limit(self.status_code, self._req)
        size = 0
        try:
            async for part in self._response.aiter_bytes():
                parts.append(part)
                size += len(part)
                if size > limit:
                    if self.status_code < 300:
                        raise too_large(self._req)
                    break
                if time.monotonic() > self._deadline:
                    raise deadline_error(self._req.route, self._req.deadline)
        except httpx.HTTPError as exc:
            raise httpx_error(exc, self._req) from exc
        finally:
            await self._response.aclose()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def chunks(self) -> AsyncIterator[bytes]:
        """The body as it arrives; raises ``BodyReadError`` when the transport fails."""
        return _AsyncChunks(self._response)

    async def close(self) -> None:
        """Release the connection (safe to call twice)."""
        await self._response.aclose()


class _AsyncChunks:
    # A class, not an async generator: a stream that stops at [DONE] leaves it unfinished, and an unfinished
    # async generator would need the event loop to finalise it.
    __slots__ = ("_parts",)

    def __init__(self, response: httpx.Response) -> None:
        self._parts = response.aiter_bytes()

    def __aiter__(self) -> _AsyncChunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._parts.__anext__()
        except httpx.HTTPError as exc:
            raise _read_error(exc) from exc


class AsyncHttpxSender:
    """Sends over an injected ``httpx.AsyncClient`` (a proxy setup, ``MockTransport`` in tests); never closes it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def open(self, req: PreparedRequest, stream: bool) -> AsyncHttpxReply:
        """Send ``req`` and return once the headers arrived."""
        deadline = time.monotonic() + req.deadline
        http = self.http
        request = http.build_request(req.method, req.url, headers=req.headers, content=req.content, timeout=req.timeout)
        try:
            response = await http.send(request, stream=True, follow_redirects=False)
            hops = 0
            while (nxt := _redirect(response, http, hops)) is not None:
                await response.aclose()
                hops += 1
                response = await http.send(nxt, stream=True, follow_redirects=False)
        except (httpx.HTTPError, RuntimeError) as exc:
            raise _send_error(exc, req, http) from exc
        return AsyncHttpxReply(response, req, deadline)

    async def close(self) -> None:
        """Nothing to release: the injected client belongs to the caller."""
