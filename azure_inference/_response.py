"""What the pure core needs to know about an HTTP response, whichever library received it.

Requests go out through a sender (``_sender``: httpx sync, httpx async or aiohttp). Errors, parsing and
streams only need the status, the (case-insensitive) headers, the method and URL of the request, and the body:
``ResponseView`` carries exactly that, so ``_base_client`` and ``streaming`` never depend on one library's
response type. ``BodyReadError`` is the library-neutral "the body could not be read" that every sender's chunk
iterator raises. ``request_id`` is the one rule for finding the service's request id in response headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

__all__ = ["REQUEST_ID_HEADERS", "BodyReadError", "ResponseView", "as_view", "request_id"]

REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-ms-request-id", "x-ms-client-request-id")
"""Where services put a request id, most specific first (docs/wire.md §2.1; §V1.1 names
``apim-request-id``).
The last one is our own ``x-ms-client-request-id`` when the service echoes it."""


def request_id(headers: Mapping[str, str]) -> str | None:
    """The service's request id from response headers (case-insensitive headers, or keys already lower-cased)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


class ResponseView:
    """The status line, headers and request of one HTTP response (the body is passed next to it).

    Attributes:
        status_code: the HTTP status.
        headers: the response headers; lookups are case-insensitive (``httpx.Headers`` or aiohttp's
            ``CIMultiDictProxy``, both read-only mappings).
        method: the request method.
        url: the request URL as sent (including the query).
    """

    __slots__ = ("headers", "method", "status_code", "url")

    def __init__(self, status_code: int, headers: Mapping[str, str], method: str, url: str) -> None:
        self.status_code = status_code
        self.headers = headers
        self.method = method
        self.url = url

    @property
    def path(self) -> str:
        """The URL path, without the query."""
        return urlsplit(self.url).path

    @property
    def request_id(self) -> str | None:
        """The service's request id, when it sent one."""
        return request_id(self.headers)

    @property
    def raw(self) -> object | None:
        """The HTTP library's own response object, where a sender keeps one (``None`` here)."""
        return None

    def __repr__(self) -> str:
        return f"ResponseView({self.status_code}, {self.method} {self.url.split('?')[0]})"


def as_view(response: ResponseView | httpx.Response) -> ResponseView:
    """``response`` itself when it is a view, else a view of an ``httpx.Response``."""
    if isinstance(response, ResponseView):
        return response
    request = response.request
    return ResponseView(response.status_code, response.headers, request.method, str(request.url))


class BodyReadError(Exception):
    """Reading a response body failed at the transport level (raised by the async byte sources).

    Attributes:
        cause: the HTTP library's own exception.
        timed_out: True for a read that stalled past the read timeout; False for a broken connection.
    """

    def __init__(self, cause: BaseException, *, timed_out: bool) -> None:
        super().__init__(f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__)
        self.cause = cause
        self.timed_out = timed_out
