"""The async client's own sender: aiohttp, called directly (imported only when the first request is sent).

Going through httpx (``httpx-aiohttp``) cost most of the async client's CPU per call: ``build_request``
re-merged client defaults and re-parsed the URL, and ``send`` added httpx's auth/redirect/hook layers on top of
aiohttp. Here a ``PreparedRequest`` goes straight to ``ClientSession.request`` with a pre-parsed URL and a
cached ``ClientTimeout``, and the typed errors keep the meaning they have on the httpx senders:

- a connect timeout, a read stalled past ``sock_read`` or the whole-request deadline: ``APITimeoutError``;
- refused, reset, or dropped before the body was read: ``APIConnectionError`` (retried by the retry rules);
- mid-stream, ``Chunks`` raises ``BodyReadError`` and the stream turns it into ``StreamError`` (broken) or
  ``APITimeoutError`` (stalled).

One session per event loop, kept per loop: a second ``asyncio.run``, or a second thread with its own loop, gets a
session of its own, and each session is closed on its own loop, by ``close()`` or when that loop shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import weakref
from collections.abc import AsyncGenerator

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from ._error_map import connection_error
from ._response import BodyReadError
from ._sender import AsyncReply, PreparedRequest, body_limit, too_large
from .errors import APIConnectionError

__all__ = ["TRANSPORT_ERRORS", "AiohttpReply", "AiohttpSender", "Chunks", "transport_error"]

LIMIT = 200
"""Connections per session: the same pool size as the httpx clients (``_httpx.LIMITS``)."""
KEEPALIVE = 30.0
"""Seconds an idle connection is kept."""

# asyncio.TimeoutError is only an alias of TimeoutError from Python 3.11 on.
_TIMEOUTS: tuple[type[BaseException], ...] = (asyncio.TimeoutError, TimeoutError)
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, *_TIMEOUTS)
"""What aiohttp raises when the network or a timeout fails a request."""


class Chunks:
    """The body of a streamed response as it arrives; a transport failure becomes ``BodyReadError``."""

    __slots__ = ("_content",)

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._content = response.content

    def __aiter__(self) -> Chunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            data = await self._content.readany()
        except TRANSPORT_ERRORS as exc:
            raise BodyReadError(exc, timed_out=isinstance(exc, _TIMEOUTS)) from exc
        if not data:
            raise StopAsyncIteration
        return data


class AiohttpReply(AsyncReply):
    """An ``aiohttp.ClientResponse`` seen through the sender interface."""

    __slots__ = ("_req", "_response")

    def __init__(self, response: aiohttp.ClientResponse, req: PreparedRequest) -> None:
        # The view's fields set here directly: this runs once per call on the fastest path.
        self.status_code = response.status
        self.headers = response.headers
        self.method = req.method
        self.url = req.url
        self._response = response
        self._req = req

    @property
    def raw(self) -> aiohttp.ClientResponse:
        """The ``aiohttp.ClientResponse``."""
        return self._response

    async def read(self) -> bytes:
        """The whole body (the session's ``total`` timeout is the deadline); the connection goes back to the
        pool, or is closed if the read failed."""
        response = self._response
        limit = body_limit(self.status_code, self._req)
        parts = []
        size = 0
        whole = False
        try:
            # Decompressed bytes are counted as they come, so neither a huge body nor a gzip bomb is held whole
            # (docs/reliability.md); an error body is read only as far as its message needs.
            while data := await response.content.readany():
                parts.append(data)
                size += len(data)
                if size > limit:
                    if self.status_code < 300:
                        raise too_large(self._req)
                    break
            else:
                whole = True
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, self._req) from exc
        finally:
            if whole:
                response.release()
            else:
                response.close()  # the rest of the body is unread: the connection cannot be reused
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def chunks(self) -> Chunks:
        """The body as it arrives; raises ``BodyReadError`` when the transport fails."""
        return Chunks(self._response)

    async def close(self) -> None:
        """Back to the pool if the body was read to the end, else the connection is closed (an unread body
        leaves it unusable, e.g. when the caller cancelled)."""
        response = self._response
        if response.content.at_eof():
            response.release()
        else:
            response.close()


class AiohttpSender:
    """Makes the sessions of one ``AsyncInferenceClient`` and sends its requests over them.

    What is worth computing once is computed here once: parsed URLs, timeouts, the TLS context and the proxy
    from the environment. The session itself is bound to an event loop, so one is made per loop.

    Args:
        base_url: the deployment's base URL (decides TLS and the proxy).
    """

    def __init__(self, base_url: str) -> None:
        self._urls: dict[str, URL] = {}
        self._timeouts: dict[tuple[float, float | None, float | None, bool], aiohttp.ClientTimeout] = {}
        base = URL(base_url)
        self._ssl: ssl.SSLContext | bool = True
        if base.scheme == "https":
            import httpx

            # The CA bundle and SSL_CERT_FILE/SSL_CERT_DIR rules httpx uses, so both paths trust the same roots.
            self._ssl = httpx.create_ssl_context()
        # HTTP(S)_PROXY/NO_PROXY are read once here; aiohttp's trust_env would re-read them in a worker thread
        # on every request.
        self._proxy: URL | None = None
        self._proxy_auth: aiohttp.BasicAuth | None = None
        if base.scheme != "http":  # a plain-http hop to a proxy would carry the key in clear (docs/reliability.md)
            with contextlib.suppress(LookupError):
                self._proxy, self._proxy_auth = get_env_proxy_for_url(base)
        # One session per event loop, kept per loop: an async client used from two threads, each with its own
        # loop, must never close (or send over) the other's session (docs/transport.md, event loops).
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[aiohttp.ClientSession, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()
        # The last loop and its session, read and written as one tuple so a thread never pairs its loop with
        # another thread's session.
        self._current: tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession] | None = None

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session of the loop that sent last (None before the first request and after ``close()``)."""
        current = self._current
        return current[1] if current is not None else None

    def _new_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(limit=LIMIT, keepalive_timeout=KEEPALIVE, ssl=self._ssl)
        # No cookie jar: the inference APIs are stateless, and a jar would be filtered on every request.
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    async def _close_with_loop(
        self, http: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop
    ) -> AsyncGenerator[None, None]:
        """Holds ``http`` open until closed, or until its event loop shuts down.

        ``asyncio.run`` (and pytest-asyncio) finalise pending async generators before closing the loop, so a
        client used across several ``asyncio.run`` calls releases each loop's connections on that loop instead
        of leaking sockets bound to a dead loop.
        """
        try:
            yield
        finally:
            entry = self._sessions.get(loop)
            if entry is not None and entry[0] is http:
                del self._sessions[loop]
            current = self._current
            if current is not None and current[1] is http:
                self._current = None
            await http.close()

    async def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        current = self._current
        if current is not None and current[0] is loop:
            return current[1]
        entry = self._sessions.get(loop)
        if entry is None:
            http = self._new_session()
            keeper = self._close_with_loop(http, loop)
            self._sessions[loop] = (http, keeper)
            await keeper.asend(None)  # starts it, so this loop will finalise it at shutdown
        else:
            http = entry[0]
        self._current = (loop, http)
        return http

    def _url(self, url: str) -> URL:
        parsed = self._urls.get(url)
        if parsed is None:
            # Our URLs are built already encoded (``_base_client``), so yarl need not re-quote them.
            parsed = self._urls[url] = URL(url, encoded=True)
        return parsed

    def _timeout(self, req: PreparedRequest, stream: bool) -> aiohttp.ClientTimeout:
        key = (req.deadline, req.timeout.connect, req.timeout.read, stream)
        timeout = self._timeouts.get(key)
        if timeout is None:
            # ``total`` is the whole-request deadline; a stream outlives it once its headers have arrived, so
            # there only the per-read bound applies (as on the httpx senders). ``connect`` also bounds the wait
            # for a free pooled connection.
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None if stream else req.deadline,
                connect=req.deadline,
                sock_connect=req.timeout.connect,
                sock_read=req.timeout.read,
            )
        return timeout

    async def open(self, req: PreparedRequest, stream: bool) -> AiohttpReply:
        """Send ``req``; return once the headers arrived (raises our typed errors)."""
        http = await self._session()
        try:
            response = await http.request(
                req.method,
                self._url(req.url),
                data=req.content,
                headers=req.headers,
                timeout=self._timeout(req, stream),
                allow_redirects=False,
                proxy=self._proxy,
                proxy_auth=self._proxy_auth,
            )
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, req) from exc
        return AiohttpReply(response, req)

    async def close(self) -> None:
        """Close the session of the running loop, and ask every other live loop to close its own (a session is
        closed on its own loop only; a loop that has stopped closed its session when it shut down)."""
        loop = asyncio.get_running_loop()
        self._current = None
        for other, (_, keeper) in list(self._sessions.items()):
            if other is loop:
                continue
            if not other.is_closed() and other.is_running():
                with contextlib.suppress(RuntimeError):  # the loop stopped meanwhile: it closes its own
                    asyncio.run_coroutine_threadsafe(keeper.aclose(), other)
        entry = self._sessions.get(loop)
        if entry is not None:
            await entry[1].aclose()  # its ``finally`` closes the session and forgets it


def transport_error(exc: BaseException, req: PreparedRequest) -> APIConnectionError:
    """The typed error for an aiohttp failure before the body was read (wording: ``_error_map.connection_error``)."""
    timeout: str | None = None
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        timeout = "connect"
    elif isinstance(exc, _TIMEOUTS):
        timeout = "other"
    return connection_error(
        req.method, req.url, exc, timeout=timeout, connect=req.timeout.connect, deadline=req.deadline
    )
