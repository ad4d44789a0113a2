"""Which error a failed call becomes: a non-success response, a body that is not the wire format, or a
transport failure before any response. Pure functions; the classes themselves are the tree in ``errors.py``.

Every message names the problem and the fix, and no credential ever reaches one: server text is passed through
``redact`` with the deployment's secrets, and URLs are shown without their query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from ._requests import CHAT_SPEC_PARAMS, EMBED_PARAM_NAMES
from ._response import ResponseView, request_id
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentFilterError,
    NotFoundError,
    ParameterProblem,
    RateLimitError,
    ResponseValidationError,
    RouteNotSupportedError,
    ServerError,
    UnsupportedParameterError,
    filtered_categories,
)
from .retry import parse_retry_after

__all__ = [
    "bad_body",
    "connection_error",
    "deadline_error",
    "error_from_response",
    "excerpt",
    "redact",
    "status_error",
]

_EXCERPT = 2000
# Parameters of the API itself: the ``extra-parameters`` header governs only the others (docs/wire.md §2.2).
_STANDARD_PARAMS = CHAT_SPEC_PARAMS | EMBED_PARAM_NAMES | {"input", "prompt"}


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every occurrence of each secret (4+ characters) in ``text`` with ``***``, and a trailing start
    of one (a body read only in part may end inside a key)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
            for size in range(min(len(secret) - 1, len(text)), 3, -1):
                if text.endswith(secret[:size]):
                    text = text[:-size] + "***"
                    break
    return text


def excerpt(content: bytes, secrets: Sequence[str], limit: int) -> str:
    """At most ``limit`` characters of a body, redacted before it is cut (a cut never leaves half a key)."""
    longest = max((len(s) for s in secrets), default=0)
    return redact(content[: limit * 4 + longest * 4].decode("utf-8", "replace"), secrets)[:limit]


def _loads(body: bytes) -> Any:
    """The JSON of a body, or None when it is not JSON or nested too deep to parse (a hostile body)."""
    try:
        return json.loads(body) if body else None
    except (ValueError, RecursionError):
        return None


def _parse_problems(detail: Any) -> list[ParameterProblem]:
    # docs/wire.md §9: ``detail`` is an object ({loc, input|value}) or a FastAPI-style list of them.
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
    """(code, message, the error object) from the wrapped ``{"error": {...}}`` or flat body (docs/wire.md §9)."""
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
# docs/transport.md "Fix hints": what the service says when the model behind the route cannot serve it
# (WIRE-V1 §6: 400 "The chatCompletion operation does not work with the specified model"; the emulator's
# OperationNotSupported), and which class does serve it.
_WRONG_KIND = "operation does not work with the specified model"
_CHAT_ROUTES = ("/chat/completions", "/completions")
_NOT_CHAT_HINT = (
    "this model does not chat (an embeddings model?): use AzureInferenceEmbeddings (LangChain), "
    "AzureInferenceEmbedding (LlamaIndex) or InferenceClient.embed() for it, or give the chat class a chat model"
)
_NOT_EMBED_HINT = (
    "this model does not embed (a chat model?): use ChatAzureInference (LangChain), AzureInferenceLLM "
    "(LlamaIndex) or InferenceClient.chat() for it, or give the embeddings class an embeddings model"
)
_STANDARD_HINT = (
    "the model does not support {names}: remove it from the call or the deployment's model_params "
    "(extra_parameters='drop' only drops parameters outside the API, so it does not help here)"
)
_SERVER_HINT = "the service failed; retries are automatic (max_retries), so retry later or check the service health"


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    retry_after: float | None = None,
    secrets: Sequence[str] = (),
    path: str = "",
) -> APIStatusError:
    """Build the typed error for a non-success response (pure; ``headers`` keys are matched case-insensitively).

    ``retry_after`` is parsed from the headers here, once, unless the caller already has it; ``path`` (the
    route called) sharpens the fix hint.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    if retry_after is None:
        retry_after = parse_retry_after(lower)
    text = excerpt(body, secrets, _EXCERPT)
    payload: Any = _loads(body)
    code, message, obj = _error_fields(payload)
    code = code or lower.get("x-ms-error-code")
    if message is None:
        message = text.strip()[:300] or "no response body"
    message = redact(message, secrets)
    common: dict[str, Any] = {
        "status_code": status_code,
        "error_code": code,
        "request_id": request_id(lower),
        "body": text,
        "headers": lower,
        "retry_after": retry_after,
    }
    cls = _STATUS_ERRORS.get(status_code, ServerError if status_code >= 500 else APIStatusError)
    prefix = f"{status_code} {code + ': ' if code else ''}{message.strip().rstrip('.')}"
    hint = _HINTS.get(status_code, _SERVER_HINT if status_code >= 500 else None)
    if path and 400 <= status_code < 500 and (code == "OperationNotSupported" or _WRONG_KIND in message.lower()):
        hint = _NOT_CHAT_HINT if path.endswith(_CHAT_ROUTES) else _NOT_EMBED_HINT if "embeddings" in path else hint
    fix = f" Fix: {hint}." if hint else ""
    categories = _content_filter_categories(obj) if status_code == 400 else {}
    if status_code == 400 and (code == "content_filter" or categories):
        filtered = filtered_categories(categories)
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
        if problems and all(p.name in _STANDARD_PARAMS for p in problems):
            names = ", ".join(sorted({repr(p.name) for p in problems}))
            fix = f" Fix: {_STANDARD_HINT.format(names=names)}."
        return UnsupportedParameterError(f"{prefix}.{what}{fix}", params=problems, **common)
    if cls is RateLimitError:
        wait = f" The service asked to retry after {retry_after:g}s." if retry_after is not None else ""
        return RateLimitError(f"{prefix}.{wait}{fix}", **common)
    return cls(f"{prefix}.{fix}", **common)


def status_error(view: ResponseView, content: bytes, secrets: Sequence[str]) -> APIStatusError:
    """The error for a non-success response; a 404 on ``/info`` means the endpoint has no such route."""
    err = error_from_response(view.status_code, view.headers, content, secrets=secrets, path=view.path)
    if view.status_code == 404 and view.path.endswith("/info"):
        err = RouteNotSupportedError(
            f"/info route not supported by this endpoint (404 {err.error_code or ''}); use try_get_model_info() "
            "to treat the model details as unknown, or set them in configuration",
            status_code=404,
            request_id=err.request_id,
            body=err.body,
            error_code=err.error_code,
            headers=err.headers,
            retry_after=err.retry_after,
        )
    return err


def bad_body(
    view: ResponseView, content: bytes, exc: Exception | None, secrets: Sequence[str]
) -> ResponseValidationError:
    """The error for a success status whose body is not the expected shape (HTML from a proxy, wrong JSON)."""
    ctype = view.headers.get("content-type", "?")
    start = excerpt(content, secrets, 300)
    if "html" in ctype or content.lstrip()[:1] == b"<":
        why = f"the server returned HTML ({ctype}), not JSON: is the endpoint URL right? Body starts {start[:120]!r}"
    else:
        first = ""
        if isinstance(exc, ValidationError) and exc.errors():
            err = exc.errors()[0]
            first = f" ({'.'.join(str(p) for p in err['loc'])}: {err['msg']})"
        why = f"the response body is not the expected shape{first}; body starts {start[:160]!r}"
    return ResponseValidationError(f"{view.method} {view.path}: {why}", body=start, status_code=view.status_code)


def connection_error(
    method: str, url: str, cause: BaseException, *, timeout: str | None, connect: float | None, deadline: float
) -> APIConnectionError:
    """The one wording of "no response", whichever HTTP library failed (each sender classifies its exceptions).

    Args:
        method: the request method.
        url: the request URL (its query is never shown).
        cause: the library's exception (named in the message).
        timeout: ``"connect"`` for a connect timeout, ``"other"`` for any other timeout, None for a failure that
            is not a timeout (refused, reset, dropped).
        connect: the connect timeout in seconds (for the message).
        deadline: the whole-attempt timeout in seconds (for the message).
    """
    where = f"{method} {url.split('?')[0]}"
    if timeout == "connect":
        what = f"could not connect within {connect:g}s; check the endpoint and network"
        return APITimeoutError(f"{where} {what}", url=where)
    if timeout is not None:
        what = f"timed out after {deadline:g}s ({type(cause).__name__}); raise timeout= or retry later"
        return APITimeoutError(f"{where} {what}", url=where)
    detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    return APIConnectionError(
        f"{where} failed before a response ({detail}); check the endpoint, or retry later", url=where
    )


def deadline_error(route: str, deadline: float) -> APITimeoutError:
    """A body that kept trickling in past the whole-attempt deadline."""
    return APITimeoutError(f"{route} took longer than {deadline:g}s; raise timeout=")
