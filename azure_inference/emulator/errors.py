"""Error bodies in Azure's shapes, and the exception the handlers raise to send them.

Every error body uses the Azure.Core ``{"error": {"code", "message", ...}}`` envelope with an
``x-ms-error-code`` header (docs/wire.md §9). 422 bodies add the top-level ``status`` and a FastAPI-style
``detail`` list (docs/wire.md §9, the D-API Python/JS reading; a robust client accepts both forms).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import Response

# Content-filter categories as Azure OpenAI reports them (docs/wire.md §9, D-AOAI-CF, newer key spelling).
FILTER_CATEGORIES = ("hate", "self_harm", "sexual", "violence")


class ApiError(Exception):
    """An HTTP error to send in Azure's shape.

    Attributes:
        status: HTTP status code.
        body: The JSON body.
        headers: Extra response headers.
    """

    def __init__(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None):
        super().__init__(f"{status}: {json.dumps(body)[:200]}")
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})

    @property
    def code(self) -> str:
        """The ``error.code`` of the body (or the status as a string)."""
        err = self.body.get("error")
        if isinstance(err, Mapping) and isinstance(err.get("code"), str):
            return str(err["code"])
        return str(self.status)

    def to_response(self) -> Response:
        """Render as a starlette response with ``x-ms-error-code``."""
        headers = {"x-ms-error-code": self.code, **self.headers}
        return Response(json.dumps(self.body), status_code=self.status, headers=headers, media_type="application/json")


def azure_error(
    status: int, code: str, message: str, /, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> ApiError:
    """An error in the plain Azure.Core envelope: ``{"error": {"code", "message", **extra}}``."""
    return ApiError(status, {"error": {"code": code, "message": message, **extra}}, headers)


def loc_to_target(loc: Sequence[str | int]) -> str:
    """Render ``["body", "messages", 0, "content"]`` as ``messages[0].content``."""
    out = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def unprocessable(
    items: Sequence[tuple[Sequence[str | int], Any, str]],
    *,
    code: str = "parameter_not_supported",
    message: str = "One of the parameters contain invalid values.",
) -> ApiError:
    """A 422 naming each offending field.

    Args:
        items: ``(loc, input, msg)`` triples, ``loc`` starting with ``"body"``.
        code: ``error.code`` (and top-level ``code``).
        message: ``error.message``.

    Returns:
        An :class:`ApiError` whose body is
        ``{"error": {"code", "message", "details": [{"code", "message", "target"}]}, "status": 422,
        "code": code, "detail": [{"loc", "input", "msg"}]}``.
    """
    details = [{"code": code, "message": msg, "target": loc_to_target(loc)} for loc, _, msg in items]
    body = {
        "error": {"code": code, "message": message, "details": details},
        "status": 422,
        "code": code,
        "detail": [{"loc": list(loc), "input": value, "msg": msg} for loc, value, msg in items],
    }
    return ApiError(422, body)


def invalid_request(loc: Sequence[str | int], message: str, value: Any = None) -> ApiError:
    """A 400 for a body that breaks the OpenAPI schema; ``target`` names the field."""
    target = loc_to_target(loc)
    return azure_error(
        400,
        "invalid_payload",
        f"Invalid request body at '{target or 'body'}': {message}",
        target=target or "body",
        details=[{"code": "invalid_value", "message": message, "target": target or "body"}],
    )


def filter_results(hit_category: str | None) -> dict[str, dict[str, Any]]:
    """Content-filter category results with ``hit_category`` (if any) filtered at high severity."""
    out: dict[str, dict[str, Any]] = {}
    for cat in FILTER_CATEGORIES:
        hit = cat == hit_category
        out[cat] = {"filtered": hit, "severity": "high" if hit else "safe"}
    out["jailbreak"] = {"filtered": False, "detected": False}
    return out


def content_filter_error(category: str, param: str = "prompt") -> ApiError:
    """The 400 of a prompt blocked by content safety, in the wrapped Azure OpenAI form (docs/wire.md §9)."""
    return azure_error(
        400,
        "content_filter",
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
        "Please modify your prompt and retry.",
        param=param,
        type=None,
        status=400,
        innererror={"code": "ResponsibleAIPolicyViolation", "content_filter_result": filter_results(category)},
    )


def status_error(status: int, message: str | None = None, headers: Mapping[str, str] | None = None) -> ApiError:
    """A generic error for an injected status (429, 5xx, ...)."""
    codes = {
        429: "RateLimitExceeded",
        500: "InternalServerError",
        502: "BadGateway",
        503: "ServiceUnavailable",
        504: "GatewayTimeout",
        408: "Timeout",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        400: "BadRequest",
        422: "UnprocessableEntity",
    }
    code = codes.get(status, f"Http{status}")
    if message is None:
        message = (
            "Rate limit is exceeded. Try again later." if status == 429 else f"The emulator injected a {status} error."
        )
    return azure_error(status, code, message, headers=headers)
