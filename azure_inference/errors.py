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

Status errors carry the evidence: ``status_code``, ``request_id``, ``error_code``, a ``body`` excerpt and the
``headers``; credentials are never part of any message (``redact`` scrubs them from server text too).
"""

from __future__ import annotations

import json
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
    "error_from_response",
]

_EXCERPT = 2000
_REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-ms-request-id", "x-ms-client-request-id")


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
        headers: the response headers.
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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error_code = error_code
        self.request_id = request_id
        self.body = body
        self.headers: dict[str, str] = dict(headers or {})


class BadRequestError(APIStatusError):
    """400: the service rejected the request."""


class ContentFilterError(BadRequestError):
    """The content filter blocked the prompt (400 ``content_filter``) or the completion.

    Attributes:
        categories: the filter results by category, e.g. ``{"hate": {"filtered": True, "severity": "high"}}``.
        filtered_categories: the names of the categories that were filtered.
    """

    def __init__(self, message: str, *, categories: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.categories: dict[str, Any] = dict(categories or {})

    @property
    def filtered_categories(self) -> list[str]:
        """Names of the categories whose result says ``filtered: true``."""
        return [k for k, v in self.categories.items() if isinstance(v, Mapping) and v.get("filtered")]


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

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the service failed."""


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every occurrence of each non-empty secret in ``text`` with ``***``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _parse_problems(detail: Any) -> list[ParameterProblem]:
    # WIRE.md §9: ``detail`` is an object ({loc, input|value}) or a FastAPI-style list of them.
    items = detail if isinstance(detail, list) else [detail] if isinstance(detail, Mapping) else []
    problems = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        loc = item.get("loc") or ()
        if isinstance(loc, str):
            loc = (loc,)
        value = item.get("input", item.get("value"))
        msg = item.get("msg") or item.get("message")
        problems.append(ParameterProblem(tuple(str(p) for p in loc), value, msg if isinstance(msg, str) else None))
    return problems


def _error_fields(payload: Any) -> tuple[str | None, str | None, Mapping[str, Any]]:
    """(code, message, the error object) from the wrapped ``{"error": {...}}`` or flat body (WIRE.md §9)."""
    if not isinstance(payload, Mapping):
        return None, None, {}
    inner = payload.get("error")
    obj: Mapping[str, Any] = inner if isinstance(inner, Mapping) else payload
    code = obj.get("code") if isinstance(obj.get("code"), str) else None
    if code is None and isinstance(payload.get("code"), str):
        code = payload["code"]
    message = obj.get("message") if isinstance(obj.get("message"), str) else None
    if message is None and isinstance(payload.get("message"), str):
        message = payload["message"]
    if message is None and isinstance(inner, str):
        message = inner
    return code, message, obj


def _content_filter_categories(obj: Mapping[str, Any]) -> dict[str, Any]:
    inner = obj.get("innererror")
    if isinstance(inner, Mapping):
        result = inner.get("content_filter_result") or inner.get("content_filter_results")
        if isinstance(result, Mapping):
            return dict(result)
    result = obj.get("content_filter_result") or obj.get("content_filter_results")
    return dict(result) if isinstance(result, Mapping) else {}


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: AuthenticationError,
    404: NotFoundError,
    422: UnsupportedParameterError,
    429: RateLimitError,
}

_HINTS: dict[int, str] = {
    400: "check the parameters against what this model supports; the service's message says what it rejected",
    401: "check the credential (AZURE_INFERENCE_CREDENTIAL) and that it belongs to this endpoint",
    403: (
        "the credential is valid but lacks access: for Entra ID, grant the 'Cognitive Services User' role on the "
        "resource; for a key, check it belongs to this resource"
    ),
    404: "check the endpoint URL, the route for this surface and the model or deployment name",
    413: "the request is too large; send fewer or shorter inputs",
    422: "remove the parameter, or set extra_parameters='drop' to have the service ignore unknown ones",
    429: "slow down, raise max_retries, or ask for more quota",
}
_SERVER_HINT = "the service failed; retries are automatic (max_retries), so retry later or check the service health"


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    retry_after: float | None = None,
    secrets: Sequence[str] = (),
) -> APIStatusError:
    """Build the typed error for a non-success response (pure; ``headers`` keys are matched case-insensitively)."""
    lower = {k.lower(): v for k, v in headers.items()}
    text = redact(body[: _EXCERPT * 2].decode("utf-8", "replace"), secrets)[:_EXCERPT]
    try:
        payload: Any = json.loads(body) if body else None
    except ValueError:
        payload = None
    code, message, obj = _error_fields(payload)
    code = code or lower.get("x-ms-error-code")
    request_id = next((lower[h] for h in _REQUEST_ID_HEADERS if h in lower), None)
    if message is None:
        message = text.strip()[:300] or "no response body"
    message = redact(message, secrets)
    common: dict[str, Any] = {
        "status_code": status_code,
        "error_code": code,
        "request_id": request_id,
        "body": text,
        "headers": dict(headers),
    }
    cls = _STATUS_ERRORS.get(status_code, ServerError if status_code >= 500 else APIStatusError)
    prefix = f"{status_code} {code + ': ' if code else ''}{message.strip().rstrip('.')}"
    hint = _HINTS.get(status_code, _SERVER_HINT if status_code >= 500 else None)
    fix = f" Fix: {hint}." if hint else ""
    categories = _content_filter_categories(obj) if status_code == 400 else {}
    if status_code == 400 and (code == "content_filter" or categories):
        filtered = [k for k, v in categories.items() if isinstance(v, Mapping) and v.get("filtered")]
        which = f" (categories: {', '.join(filtered)})" if filtered else ""
        return ContentFilterError(
            f"{prefix}{which}. The prompt was blocked by the content filter. Fix: rephrase the prompt or the "
            "retrieved context, or adjust the deployment's content filter.",
            categories=categories,
            **common,
        )
    if cls is UnsupportedParameterError:
        detail = payload.get("detail") if isinstance(payload, Mapping) else None
        if detail is None and isinstance(obj, Mapping):
            detail = obj.get("detail") or obj.get("details")
        problems = _parse_problems(detail)
        named = "; ".join(
            f"'{p.name}'"
            + (f" (value: {redact(json.dumps(p.value, default=str), secrets)[:80]})" if p.value is not None else "")
            for p in problems
        )
        what = f" Unsupported: {named}." if named else ""
        return UnsupportedParameterError(f"{prefix}.{what}{fix}", params=problems, **common)
    if cls is RateLimitError:
        wait = f" The service asked to retry after {retry_after:g}s." if retry_after is not None else ""
        return RateLimitError(f"{prefix}.{wait}{fix}", retry_after=retry_after, **common)
    return cls(f"{prefix}.{fix}", **common)
