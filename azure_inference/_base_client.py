"""Every non-I/O step of a call, shared by the sync and async clients: URLs, headers, bodies, parsing, errors.

``InferenceClient`` and ``AsyncInferenceClient`` differ only in how they send (``client.py``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from ._requests import (
    build_chat_body,
    build_completion_body,
    build_embeddings_body,
    encode_json,
)
from ._response import ResponseView, as_view
from ._validate import check_texts
from ._version import __version__
from .auth import Authenticator
from .config import Deployment, Surface
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    InvalidRequestError,
    ResponseValidationError,
    RouteNotSupportedError,
    UnsupportedParameterError,
    error_from_response,
    redact,
)
from .media import ImageSource, image_data_url
from .models.embeddings import EmbeddingsResult, decode_embedding
from .models.info import ModelInfo
from .retry import RetryPolicy, parse_retry_after, should_retry_status

__all__ = ["BaseClient", "PreparedRequest"]

log = logging.getLogger("azure_inference")
M = TypeVar("M", bound=BaseModel)

_REQUEST_ID_HEADERS = ("x-request-id", "apim-request-id", "x-ms-request-id")
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=100, keepalive_expiry=30.0)
"""Connection pool limits of the HTTP clients we create."""

_STREAM_USAGE_SURFACES = (Surface.AZURE_OPENAI, Surface.OPENAI_V1, Surface.OPENAI_COMPATIBLE)


@dataclass
class PreparedRequest:
    """Everything needed to send one request; built once, sent once per attempt."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    timeout: httpx.Timeout
    deadline: float
    """Seconds one attempt may take as a whole."""
    route: str


class BaseClient:
    """Shared state and pure steps. Not used directly: see ``InferenceClient`` and ``AsyncInferenceClient``."""

    def __init__(
        self,
        deployment: Deployment | str | None = None,
        *,
        retry_policy: RetryPolicy | None = None,
        **overrides: Any,
    ) -> None:
        self.deployment = Deployment.resolve(deployment, **overrides)
        self.retry_policy = retry_policy or RetryPolicy()
        self._auth = Authenticator(self.deployment)
        self._model_info: ModelInfo | None = None
        self._info_missing: RouteNotSupportedError | None = None
        self._base64_ok: bool | None = None
        dep = self.deployment
        self._surface = dep.resolved_surface
        self._timeout = httpx.Timeout(dep.timeout, connect=min(dep.connect_timeout, dep.timeout))
        query = f"?api-version={dep.resolved_api_version}" if dep.resolved_api_version else ""
        base = dep.base_url
        self._urls = {
            route: f"{base}{route}{query}"
            for route in ("/chat/completions", "/completions", "/embeddings", "/images/embeddings", "/info")
        }
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"azure-inference-adapters/{__version__} httpx/{httpx.__version__}",
            **dep.headers,
        }
        # The Azure OpenAI deployment is in the path; sending "model" too is at best ignored.
        self._body_model = None if self._surface is Surface.AZURE_OPENAI else dep.model

    def __repr__(self) -> str:
        dep = self.deployment
        return f"{type(self).__name__}(endpoint={dep.endpoint!r}, surface={self._surface.value!r}, model={dep.model!r})"

    # -- request building ---------------------------------------------------------------------------------

    def _prepare(
        self,
        route: str,
        body: dict[str, Any] | None,
        *,
        has_extra: bool = False,
        extra_parameters: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        accept: str | None = None,
    ) -> PreparedRequest:
        hdrs = dict(self._headers)
        hdrs["x-ms-client-request-id"] = str(uuid.uuid4())
        if self._surface is Surface.MODEL_INFERENCE and body is not None:
            mode = extra_parameters or self.deployment.extra_parameters or ("pass-through" if has_extra else None)
            if mode:
                hdrs["extra-parameters"] = mode  # WIRE.md §2.2
        if accept:
            hdrs["Accept"] = accept
        if headers:
            hdrs.update(headers)
        url = self._urls[route]
        if route == "/info" and self.deployment.model and self._surface is Surface.MODEL_INFERENCE:
            version = self.deployment.resolved_api_version or ""
            if version >= "2025-04-01":  # WIRE.md §7: S25+ take ?model= on multi-model endpoints
                url += f"&model={quote(self.deployment.model, safe='')}"
        if timeout is not None:
            tmo = httpx.Timeout(timeout, connect=min(self.deployment.connect_timeout, timeout))
        else:
            tmo, timeout = self._timeout, self.deployment.timeout
        content = encode_json(body) if body is not None else None
        return PreparedRequest("POST" if body is not None else "GET", url, hdrs, content, tmo, timeout, route)

    def _prepare_chat(self, messages: Sequence[Any], params: Mapping[str, Any], stream: bool) -> PreparedRequest:
        body, extra = build_chat_body(
            messages, params, self.deployment.model_params, self._body_model, self.deployment.max_prompt_chars
        )
        return self._prepare_generation("/chat/completions", body, extra, params, stream)

    def _prepare_completion(self, prompt: Any, params: Mapping[str, Any], stream: bool) -> PreparedRequest:
        body, extra = build_completion_body(prompt, params, self.deployment.model_params, self._body_model)
        return self._prepare_generation("/completions", body, extra, params, stream)

    def _prepare_generation(
        self, route: str, body: dict[str, Any], extra: bool, params: Mapping[str, Any], stream: bool
    ) -> PreparedRequest:
        if stream:
            body["stream"] = True
            # The Model Inference spec has no stream_options: usage arrives on the last chunk there (WIRE.md §4).
            if params.get("stream_usage") is not False and self._surface in _STREAM_USAGE_SURFACES:
                body["stream_options"] = {"include_usage": True}
        return self._prepare(
            route,
            body,
            has_extra=extra,
            extra_parameters=params.get("extra_parameters"),
            headers=params.get("headers"),
            timeout=params.get("timeout"),
            accept="text/event-stream" if stream else None,
        )

    def _embed_encoding(self, params: Mapping[str, Any]) -> str | None:
        fmt = params.get("encoding_format")
        if fmt is not None:
            return str(fmt)
        # Base64 float32 is ~4x smaller on the wire and far cheaper to parse; fall back when refused.
        return None if self._base64_ok is False else "base64"

    def _prepare_embed(
        self, route: str, inputs: list[Any], params: Mapping[str, Any], encoding: str | None
    ) -> PreparedRequest:
        body, extra = build_embeddings_body(inputs, params, self._body_model, encoding)
        return self._prepare(
            route,
            body,
            has_extra=extra,
            extra_parameters=params.get("extra_parameters"),
            headers=params.get("headers"),
            timeout=params.get("timeout"),
        )

    @staticmethod
    def _texts(texts: str | Sequence[str]) -> list[str]:
        return check_texts(texts)

    @staticmethod
    def _images(images: Sequence[ImageSource | Mapping[str, Any]]) -> list[dict[str, Any]]:
        if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
            images = [images]
        if not images:
            raise InvalidRequestError("input is empty; pass at least one image to embed")
        out = []
        for item in images:
            if isinstance(item, Mapping):
                entry = {"image": image_data_url(item["image"])}
                if item.get("text") is not None:
                    entry["text"] = item["text"]
                out.append(entry)
            else:
                out.append({"image": image_data_url(item)})
        return out

    def _info_request(self) -> PreparedRequest | None:
        if self._model_info is not None:
            return None
        if self._info_missing is not None:
            raise self._info_missing
        if self._surface is not Surface.MODEL_INFERENCE:
            self._info_missing = RouteNotSupportedError(
                f"the {self._surface.value} surface has no /info route; set the model's details in configuration",
                status_code=404,
            )
            raise self._info_missing
        return self._prepare("/info", None)

    # -- response handling --------------------------------------------------------------------------------

    # ``response`` is a ResponseView (async client) or an httpx.Response (sync client); only the error paths look
    # at it, so the view of an httpx.Response is built there, never per successful call.

    def _parse(self, model: type[M], content: bytes, response: ResponseView | httpx.Response) -> M:
        try:
            return model.model_validate_json(content)
        except ValidationError as exc:
            raise self._bad_body(response, content, exc) from None

    def _bad_body(
        self, response: ResponseView | httpx.Response, content: bytes, exc: Exception | None
    ) -> ResponseValidationError:
        response = as_view(response)
        ctype = response.headers.get("content-type", "?")
        excerpt = redact(content[:300].decode("utf-8", "replace"), self._auth.secrets)
        if "html" in ctype or content.lstrip()[:1] == b"<":
            why = (
                f"the server returned HTML ({ctype}), not JSON: is the endpoint URL right? "
                f"Body starts {excerpt[:120]!r}"
            )
        else:
            first = ""
            if isinstance(exc, ValidationError) and exc.errors():
                err = exc.errors()[0]
                first = f" ({'.'.join(str(p) for p in err['loc'])}: {err['msg']})"
            why = f"the response body is not the expected shape{first}; body starts {excerpt[:160]!r}"
        return ResponseValidationError(
            f"{response.method} {response.path}: {why}",
            body=excerpt,
            status_code=response.status_code,
        )

    def _status_error(self, response: ResponseView | httpx.Response, content: bytes) -> APIStatusError:
        response = as_view(response)
        retry_after = parse_retry_after(response.headers)
        err = error_from_response(
            response.status_code, response.headers, content, retry_after=retry_after, secrets=self._auth.secrets
        )
        if response.status_code == 404 and response.path.endswith("/info"):
            err = RouteNotSupportedError(
                f"/info route not supported by this endpoint (404 {err.error_code or ''}); use try_get_model_info() "
                "to treat the model details as unknown, or set them in configuration",
                status_code=404,
                request_id=err.request_id,
                body=err.body,
                error_code=err.error_code,
                headers=err.headers,
            )
        return err

    def _decode_embeddings(self, result: EmbeddingsResult, encoding: str | None, count: int) -> EmbeddingsResult:
        for item in result.data:
            item.embedding = decode_embedding(item.embedding, encoding, item.index)
        if len(result.data) != count:
            raise ResponseValidationError(f"asked for {count} embeddings, the server returned {len(result.data)}")
        return result

    def _refused_base64(self, err: APIStatusError, encoding: str | None, params: Mapping[str, Any]) -> bool:
        """True when an automatic base64 request was refused, so the caller retries once with floats."""
        if encoding != "base64" or params.get("encoding_format") is not None or err.status_code not in (400, 422):
            return False
        # Only a refusal that names encoding_format counts: a 422 about input_type or dimensions must surface
        # as it is, not be retried with floats (and must not switch base64 off for this client).
        problems = err.params if isinstance(err, UnsupportedParameterError) else []
        named = any(p.name == "encoding_format" for p in problems)
        if named or (not problems and "encoding_format" in (err.body or "")):
            self._base64_ok = False
            log.info("base64 embeddings refused by %s; using float", self.deployment.label)
            return True
        return False

    def _transport_error(self, exc: httpx.HTTPError, request: PreparedRequest) -> APIConnectionError:
        where = f"{request.method} {request.url.split('?')[0]}"
        if isinstance(exc, httpx.TimeoutException) and not _dropped(exc):
            if isinstance(exc, httpx.ConnectTimeout):
                what = f"could not connect within {request.timeout.connect:g}s; check the endpoint and network"
            else:
                what = f"timed out after {request.deadline:g}s ({type(exc).__name__}); raise timeout= or retry later"
            return APITimeoutError(f"{where} {what}", url=where)
        cause = exc.__cause__ if _dropped(exc) else exc
        detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        return APIConnectionError(
            f"{where} failed before a response ({detail}); check the endpoint, or retry later", url=where
        )

    def _log_response(self, req: PreparedRequest, status: int | str, started: float, headers: Any = None) -> None:
        """One DEBUG line per attempt: method, path, status, elapsed time, request id; never headers or bodies."""
        if log.isEnabledFor(logging.DEBUG):
            rid = None
            if headers is not None:
                rid = next((headers.get(h) for h in _REQUEST_ID_HEADERS if headers.get(h)), None)
            log.debug(
                "%s %s -> %s in %.1f ms (request id %s)",
                req.method,
                req.url.split("?")[0],
                status,
                (time.perf_counter() - started) * 1000,
                rid or req.headers.get("x-ms-client-request-id"),
            )

    def _should_retry(self, err: Exception, attempt: int, max_retries: int) -> bool:
        if attempt >= max_retries:
            return False
        if isinstance(err, APIStatusError):
            return should_retry_status(err.status_code, err.headers)
        return isinstance(err, APIConnectionError)

    def _delay(self, err: Exception, attempt: int) -> float:
        retry_after = getattr(err, "retry_after", None)
        if retry_after is None and isinstance(err, APIStatusError):
            retry_after = parse_retry_after(httpx.Headers(err.headers))
        delay = self.retry_policy.delay(attempt, retry_after)
        log.info("retrying %s in %.2fs (attempt %d): %s", self.deployment.label, delay, attempt, type(err).__name__)
        return delay


def _dropped(exc: BaseException) -> bool:
    """True when httpx-aiohttp reported a dropped connection as a timeout.

    httpx-aiohttp maps every ``aiohttp.ClientConnectionError`` (server disconnected, connection reset or
    refused) to ``httpx.ConnectTimeout``; only aiohttp's own timeout errors are real timeouts.
    """
    cause = exc.__cause__
    return cause is not None and type(cause).__module__.startswith("aiohttp") and not isinstance(cause, TimeoutError)
