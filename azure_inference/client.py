"""``InferenceClient``: the synchronous send loop over the shared core (the async one is ``_async_client``).

Both call the same builders and parsers from ``_base_client``; they differ only in the send loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from typing_extensions import Unpack

from ._base_client import LIMITS as _LIMITS
from ._base_client import BaseClient, PreparedRequest
from ._requests import ChatParams, CompletionParams, EmbedParams
from .errors import APIConnectionError, APIStatusError, APITimeoutError, RouteNotSupportedError
from .media import ImageSource
from .models.chat import ChatCompletions
from .models.completions import Completions
from .models.embeddings import EmbeddingsResult
from .models.info import ModelInfo
from .retry import RetryPolicy
from .streaming import (
    ChatStream,
    CompletionStream,
    chat_parser,
    completion_parser,
)

__all__ = ["InferenceClient"]


class InferenceClient(BaseClient):
    """Synchronous client for one deployment.

    Args:
        deployment: a ``Deployment``, a profile name, or ``None`` to read the environment.
        http_client: an ``httpx.Client`` to use (not closed by us); by default one is created and owned.
        retry_policy: backoff settings; the number of retries is ``deployment.max_retries``.
        sleep: the function used to wait between retries (injectable for tests).
        **overrides: ``Deployment`` fields that win over the deployment's own.

    Example:
        >>> with InferenceClient(endpoint="https://x.services.ai.azure.com/models", credential="...") as c:
        ...     c.chat([{"role": "user", "content": "Hi"}]).content
    """

    def __init__(
        self,
        deployment: Any = None,
        *,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **overrides: Any,
    ) -> None:
        super().__init__(deployment, retry_policy=retry_policy, **overrides)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=self._timeout, limits=_LIMITS, follow_redirects=False)
        self._sleep = sleep

    def __enter__(self) -> InferenceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self._http.close()

    # -- send loop ------------------------------------------------------------------------------------------

    def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[httpx.Response, bytes]:
        deadline = time.monotonic() + req.deadline
        req.headers.update(self._auth.headers())
        request = self._http.build_request(
            req.method, req.url, headers=req.headers, content=req.content, timeout=req.timeout
        )
        started = time.perf_counter()
        try:
            response = self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            self._log_response(req, type(exc).__name__, started)
            raise self._transport_error(exc, req) from exc
        self._log_response(req, response.status_code, started, response.headers)
        if stream and response.status_code < 300:
            return response, b""
        parts = []
        try:
            for part in response.iter_bytes():
                parts.append(part)
                if time.monotonic() > deadline:
                    raise APITimeoutError(f"{req.route} took longer than {req.deadline:g}s; raise timeout=")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, req) from exc
        finally:
            response.close()
        content = parts[0] if len(parts) == 1 else b"".join(parts)
        if response.status_code >= 300:
            raise self._status_error(response, content)
        return response, content

    def _send(self, req: PreparedRequest, stream: bool = False) -> tuple[httpx.Response, bytes]:
        attempt = 0
        while True:
            try:
                return self._attempt(req, stream)
            except (APIStatusError, APIConnectionError) as err:
                if not self._should_retry(err, attempt, self.deployment.max_retries):
                    raise
                attempt += 1
                self._sleep(self._delay(err, attempt))

    # -- routes ---------------------------------------------------------------------------------------------

    def get_model_info(self) -> ModelInfo:
        """``GET /info`` (cached). Raises ``RouteNotSupportedError`` where the surface has no ``/info``."""
        req = self._info_request()
        if req is not None:
            try:
                response, content = self._send(req)
            except RouteNotSupportedError as err:
                self._info_missing = err
                raise
            self._model_info = self._parse(ModelInfo, content, response)
        assert self._model_info is not None
        return self._model_info

    def try_get_model_info(self) -> ModelInfo | None:
        """``get_model_info()``, or None where the endpoint has no ``/info``."""
        try:
            return self.get_model_info()
        except RouteNotSupportedError:
            return None

    def chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatCompletions:
        """``POST /chat/completions``: a whole chat completion."""
        response, content = self._send(self._prepare_chat(messages, params, stream=False))
        return self._parse(ChatCompletions, content, response)

    def stream_chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatStream:
        """``POST /chat/completions`` with ``stream: true``: iterate ``ChatCompletionsChunk``s."""
        response, _ = self._send(self._prepare_chat(messages, params, stream=True), stream=True)
        return ChatStream(response, chat_parser())

    def complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> Completions:
        """``POST /completions``: a legacy text completion (WIRE.md §8)."""
        response, content = self._send(self._prepare_completion(prompt, params, stream=False))
        return self._parse(Completions, content, response)

    def stream_complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> CompletionStream:
        """``POST /completions`` streamed."""
        response, _ = self._send(self._prepare_completion(prompt, params, stream=True), stream=True)
        return CompletionStream(response, completion_parser())

    def embed(self, input: str | Sequence[str], **params: Unpack[EmbedParams]) -> EmbeddingsResult:
        """``POST /embeddings``: vectors in input order, decoded to numbers whatever the encoding."""
        return self._embed("/embeddings", self._texts(input), params)

    def embed_images(
        self, images: Sequence[ImageSource | dict[str, Any]], **params: Unpack[EmbedParams]
    ) -> EmbeddingsResult:
        """``POST /images/embeddings``: each image a path, bytes, file object, data URL or ``{"image", "text"}``."""
        return self._embed("/images/embeddings", self._images(images), params)

    def _embed(self, route: str, inputs: list[Any], params: EmbedParams) -> EmbeddingsResult:
        encoding = self._embed_encoding(params)
        try:
            response, content = self._send(self._prepare_embed(route, inputs, params, encoding))
        except APIStatusError as err:
            if not self._refused_base64(err, encoding, params):
                raise
            encoding = None
            response, content = self._send(self._prepare_embed(route, inputs, params, encoding))
        result = self._parse(EmbeddingsResult, content, response)
        return self._decode_embeddings(result, encoding, len(inputs))
