"""Exceptions raised by ``azure_inference``.

Every error derives from one root, so ``except InferenceError`` catches them all::

    InferenceError
    ├── InvalidRequestError          bad input or configuration, raised before anything is sent (also ValueError)
    │   └── ConfigurationError       endpoint, credential or profile problems at construction
    ├── APIConnectionError           no response: refused, reset, DNS, dropped before the status line
    │   └── APITimeoutError          connect, read, write, pool or whole-request timeout
    ├── APIStatusError               the service answered with a non-success status
    │   ├── BadRequestError          400
    │   │   └── ContentFilterError   400 with code ``content_filter`` (or a filtered completion, on request)
    │   ├── AuthenticationError      401 and 403
    │   ├── NotFoundError            404
    │   │   └── RouteNotSupportedError   the surface has no such route (e.g. ``/info`` on Azure OpenAI)
    │   ├── UnsupportedParameterError    422: the model does not support a parameter or value
    │   ├── RateLimitError           429, with ``retry_after``
    │   └── ServerError              5xx
    ├── ResponseValidationError      a success status whose body is not the wire format (HTML, wrong shapes)
    └── StreamError                  a stream that broke, ended early, carried an error event or a bad chunk

Status errors carry the evidence: ``status_code``, ``request_id``, ``error_code``, a ``body`` excerpt, the
``headers`` and ``retry_after``; credentials are never part of any message. This module holds the tree only:
which response or transport failure becomes which error, with its hint and its redaction, is ``_error_map``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ContentFilterError",
    "InferenceError",
    "InvalidRequestError",
    "NotFoundError",
    "ParameterProblem",
    "RateLimitError",
    "ResponseValidationError",
    "RouteNotSupportedError",
    "ServerError",
    "StreamError",
    "UnsupportedParameterError",
    "completion_filtered",
    "filtered_categories",
]


class InferenceError(Exception):
    """Root of every error raised by this package."""


class InvalidRequestError(InferenceError, ValueError):
    """The request is invalid and was not sent. The message names the problem and the fix."""


class ConfigurationError(InvalidRequestError):
    """The deployment configuration (endpoint, credential, profile) is invalid."""


class APIConnectionError(InferenceError):
    """No HTTP response was received (connection refused, reset, dropped, DNS failure)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class APITimeoutError(APIConnectionError):
    """The request did not complete within the configured timeout."""


class ResponseValidationError(InferenceError):
    """The service answered with a success status but the body is not what the wire format says."""

    def __init__(self, message: str, *, body: str | None = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.body = body
        self.status_code = status_code


class StreamError(InferenceError):
    """A streamed response broke: cut off, malformed, or carrying an error event.

    Attributes:
        chunks_received: how many chunks were decoded before the failure.
        content_received: the text content accumulated so far (so nothing is silently lost).
        error_code: the service's error code when the stream carried an error event.
    """

    def __init__(
        self,
        message: str,
        *,
        chunks_received: int = 0,
        content_received: str = "",
        error_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.chunks_received = chunks_received
        self.content_received = content_received
        self.error_code = error_code


class APIStatusError(InferenceError):
    """The service answered with a non-success HTTP status.

    Attributes:
        status_code: the HTTP status.
        error_code: the service's error code (``error.code``, ``code`` or ``x-ms-error-code``), if any.
        request_id: the service's request id header, if any.
        body: an excerpt of the response body (at most 2,000 characters, credentials redacted).
        headers: the response headers, keys lower-cased.
        retry_after: the wait in seconds the service asked for (``retry-after-ms``, ``x-ms-retry-after-ms`` or
            ``Retry-After``), parsed once when the error is built; None when it did not say.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error_code: str | None = None,
        request_id: str | None = None,
        body: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.request_id = request_id
        self.body = body
        self.headers: dict[str, str] = {k.lower(): v for k, v in (headers or {}).items()}
        self.retry_after = retry_after


class BadRequestError(APIStatusError):
    """400: the service rejected the request."""


class ContentFilterError(BadRequestError):
    """The content filter blocked the prompt (400 ``content_filter``) or the completion.

    Attributes:
        categories: the filter results by category, e.g. ``{"hate": {"filtered": True, "severity": "high"}}``.
        partial_text: the text produced before a completion was cut (``finish_reason: content_filter``).
        filtered_categories: the names of the categories that were filtered.
    """

    def __init__(
        self,
        message: str,
        *,
        categories: Mapping[str, Any] | None = None,
        partial_text: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.categories: dict[str, Any] = dict(categories or {})
        self.partial_text = partial_text
        """The text the model produced before the filter cut the completion (``None`` for a blocked prompt)."""

    @property
    def filtered_categories(self) -> list[str]:
        """Names of the categories whose result says ``filtered: true``."""
        return filtered_categories(self.categories)


class AuthenticationError(APIStatusError):
    """401 or 403: the credential is missing, invalid, or lacks access."""


class NotFoundError(APIStatusError):
    """404: the route, deployment or model does not exist."""


class RouteNotSupportedError(NotFoundError):
    """The surface has no such route (e.g. ``/info`` on Azure OpenAI or GitHub Models)."""


@dataclass(frozen=True)
class ParameterProblem:
    """One offending parameter reported by a 422 response.

    Attributes:
        loc: where it is, e.g. ``("body", "response_format")``.
        value: the value the service rejected, when it says.
        message: the service's explanation for this parameter, when it gives one.
    """

    loc: tuple[str, ...]
    value: Any = None
    message: str | None = None

    @property
    def name(self) -> str:
        """The parameter's dotted name without the leading ``body``."""
        parts = self.loc[1:] if self.loc[:1] == ("body",) else self.loc
        return ".".join(parts) or "?"


class UnsupportedParameterError(APIStatusError):
    """422: the request is well-formed but the model does not support a parameter or value.

    Attributes:
        params: each offending parameter's location, value and message, parsed from ``detail``.
    """

    def __init__(self, message: str, *, params: Sequence[ParameterProblem] = (), **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.params = list(params)


class RateLimitError(APIStatusError):
    """429: too many requests. ``retry_after`` is the wait in seconds the service asked for, if any."""


class ServerError(APIStatusError):
    """5xx: the service failed."""


def filtered_categories(categories: Mapping[str, Any] | None) -> list[str]:
    """Names of the content-filter categories whose result says ``filtered: true`` (docs/wire.md §V1.2, §9)."""
    return [k for k, v in (categories or {}).items() if isinstance(v, Mapping) and v.get("filtered")]


def __getattr__(name: str) -> Any:
    # ``error_from_response`` and ``redact`` moved to ``_error_map`` (which imports this module); they stay
    # importable from here, loaded on first use so neither module imports the other at import time.
    if name in ("error_from_response", "redact"):
        from . import _error_map

        return getattr(_error_map, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def completion_filtered(categories: Mapping[str, Any] | None, partial_text: str, fix: str) -> ContentFilterError:
    """The error for a filtered completion (200, ``finish_reason: content_filter``; docs/wire.md §V1.7, rule 3).

    Args:
        categories: the choice's ``content_filter_results``.
        partial_text: what was produced before the cut.
        fix: the sentence saying what the caller can do (each adapter names its own switch).
    """
    names = filtered_categories(categories)
    which = f" (categories: {', '.join(names)})" if names else ""
    return ContentFilterError(
        f"the service's content filter cut the completion{which} after {len(partial_text)} characters; {fix}",
        status_code=200,
        error_code="content_filter",
        categories=categories,
        partial_text=partial_text,
    )
