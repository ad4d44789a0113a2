"""The async client's own sending path: aiohttp, called directly (imported only when the first session is made).

Going through httpx (``httpx-aiohttp``) cost most of the async client's CPU per call: ``build_request``
re-merged client defaults and re-parsed the URL, and ``send`` added httpx's auth/redirect/hook layers on top of
aiohttp. Here a ``PreparedRequest`` goes straight to ``ClientSession.request`` with a pre-parsed URL and a
cached ``ClientTimeout``, and the typed errors keep the meaning they have on the httpx path:

- a connect timeout, a read stalled past ``sock_read`` or the whole-request deadline: ``APITimeoutError``;
- refused, reset, or dropped before the body was read: ``APIConnectionError`` (retried by the retry rules);
- mid-stream, ``Chunks`` raises ``BodyReadError`` and the stream turns it into ``StreamError`` (broken) or
  ``APITimeoutError`` (stalled).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from ._base_client import PreparedRequest
from ._response import BodyReadError
from .errors import APIConnectionError, APITimeoutError

__all__ = ["TRANSPORT_ERRORS", "AiohttpSender", "Chunks", "close_response", "transport_error"]

LIMIT = 200
"""Connections per session: the same pool size as the httpx clients (``_base_client.LIMITS``)."""
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


class AiohttpSender:
    """Makes the sessions of one ``AsyncInferenceClient`` and sends its requests over them.

    It holds nothing bound to an event loop (the client keeps one session per loop), only what is worth
    computing once: parsed URLs, timeouts, the TLS context and the proxy from the environment.

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
        with contextlib.suppress(LookupError):
            self._proxy, self._proxy_auth = get_env_proxy_for_url(base)

    def session(self) -> aiohttp.ClientSession:
        """A new session for the running event loop (the caller closes it)."""
        connector = aiohttp.TCPConnector(limit=LIMIT, keepalive_timeout=KEEPALIVE, ssl=self._ssl)
        # No cookie jar: the inference APIs are stateless, and a jar would be filtered on every request.
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

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
            # there only the per-read bound applies (as on the httpx path). ``connect`` also bounds the wait
            # for a free pooled connection.
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None if stream else req.deadline,
                connect=req.deadline,
                sock_connect=req.timeout.connect,
                sock_read=req.timeout.read,
            )
        return timeout

    async def open(self, session: aiohttp.ClientSession, req: PreparedRequest, stream: bool) -> aiohttp.ClientResponse:
        """Send ``req``; return the response once its headers arrived (raises our typed errors)."""
        try:
            return await session.request(
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

    @staticmethod
    async def read(response: aiohttp.ClientResponse, req: PreparedRequest) -> bytes:
        """The whole body; the connection goes back to the pool (or is closed if the read failed)."""
        try:
            return await response.read()
        except TRANSPORT_ERRORS as exc:
            raise transport_error(exc, req) from exc
        finally:
            response.release()


async def close_response(response: aiohttp.ClientResponse) -> None:
    """Release a streamed response: back to the pool if it was read to the end, else the connection is closed."""
    if response.content.at_eof():
        response.release()
    else:
        response.close()  # an unread body leaves the connection unusable (e.g. the caller cancelled)


def transport_error(exc: BaseException, req: PreparedRequest) -> APIConnectionError:
    """The typed error for an aiohttp failure before the body was read (same wording as the httpx path)."""
    where = f"{req.method} {req.url.split('?')[0]}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        what = f"could not connect within {req.timeout.connect:g}s; check the endpoint and network"
        return APITimeoutError(f"{where} {what}", url=where)
    if isinstance(exc, _TIMEOUTS):
        what = f"timed out after {req.deadline:g}s ({type(exc).__name__}); raise timeout= or retry later"
        return APITimeoutError(f"{where} {what}", url=where)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return APIConnectionError(
        f"{where} failed before a response ({detail}); check the endpoint, or retry later", url=where
    )
