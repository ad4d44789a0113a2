"""What the pure core needs to know about an HTTP response, whichever library received it.

The async client sends with aiohttp when it owns its HTTP client and with httpx when one is injected; the sync
client always uses httpx. Errors, parsing and streams only need the status, the (case-insensitive) headers,
the method and URL of the request, and the body: ``ResponseView`` carries exactly that, so ``_base_client``
and ``streaming`` never depend on one library's response type. ``BodyReadError`` is the library-neutral
"the body could not be read" that the async byte sources raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

__all__ = ["BodyReadError", "ResponseView", "as_view"]


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
        headers = self.headers
        value: str | None = headers.get("x-request-id") or headers.get("apim-request-id")
        return value

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
