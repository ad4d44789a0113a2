"""``AsyncInferenceClient``: the asynchronous send loop over the shared core.

Both call the same builders and parsers from ``_base_client``; they differ only in the send loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Callable, Sequence
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
    AsyncChatStream,
    AsyncCompletionStream,
    chat_parser,
    completion_parser,
)

__all__ = ["AsyncInferenceClient"]


class AsyncInferenceClient(BaseClient):
    """Asynchronous client for one deployment; the same arguments as ``InferenceClient``.

    The HTTP client it creates rides on aiohttp (through ``httpx-aiohttp``) when installed: on loopback it
    sustains many times the calls per second of httpx's own async pool. If the event loop changes (e.g. a
    second ``asyncio.run``), a fresh HTTP client is made for the new loop.
    """

    def __init__(
        self,
        deployment: Any = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        **overrides: Any,
    ) -> None:
        super().__init__(deployment, retry_policy=retry_policy, **overrides)
        self._injected = http_client
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._sleep = sleep

    async def __aenter__(self) -> AsyncInferenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP client if this object created it."""
        http, self._http = self._http, None
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()  # its ``finally`` closes the HTTP client (a no-op if its loop already did)
        elif http is not None:
            await http.aclose()

    @staticmethod
    async def _close_with_loop(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
        """Holds ``http`` open until closed, or until its event loop shuts down.

        ``asyncio.run`` (and pytest-asyncio) finalise pending async generators before closing the loop, so a
        client used across several ``asyncio.run`` calls releases each loop's connections on that loop instead
        of leaking sockets bound to a dead loop.
        """
        try:
            yield
        finally:
            await http.aclose()

    def _make_http(self) -> httpx.AsyncClient:
        try:
            from httpx_aiohttp import HttpxAiohttpClient
        except ImportError:  # pragma: no cover - the extra is part of the default install
            return httpx.AsyncClient(timeout=self._timeout, limits=_LIMITS, follow_redirects=False)
        client: httpx.AsyncClient = HttpxAiohttpClient(timeout=self._timeout, limits=_LIMITS, follow_redirects=False)
        return client

    async def _client(self) -> httpx.AsyncClient:
        if self._injected is not None:
            return self._injected
        loop = asyncio.get_running_loop()
        http = self._http
        if http is None or self._loop is not loop:
            old_keeper = self._keeper
            http = self._http = self._make_http()
            self._loop = loop
            self._keeper = self._close_with_loop(http)
            await self._keeper.asend(None)  # starts it, so this loop will finalise it at shutdown
            if old_keeper is not None:
                with contextlib.suppress(Exception):  # normally its loop already closed it; else best effort
                    await old_keeper.aclose()
        return http

    # -- send loop ------------------------------------------------------------------------------------------

    async def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[httpx.Response, bytes]:
        http = await self._client()
        deadline = time.monotonic() + req.deadline
        req.headers.update(await self._auth.aheaders())
        request = http.build_request(req.method, req.url, headers=req.headers, content=req.content, timeout=req.timeout)
        started = time.perf_counter()
        try:
            response = await http.send(request, stream=True)
        except httpx.HTTPError as exc:
            self._log_response(req, type(exc).__name__, started)
            raise self._transport_error(exc, req) from exc
        self._log_response(req, response.status_code, started, response.headers)
        if stream and response.status_code < 300:
            return response, b""
        parts = []
        try:
            async for part in response.aiter_bytes():
                parts.append(part)
                if time.monotonic() > deadline:
                    raise APITimeoutError(f"{req.route} took longer than {req.deadline:g}s; raise timeout=")
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, req) from exc
        finally:
            await response.aclose()
        content = parts[0] if len(parts) == 1 else b"".join(parts)
        if response.status_code >= 300:
            raise self._status_error(response, content)
        return response, content

    async def _send(self, req: PreparedRequest, stream: bool = False) -> tuple[httpx.Response, bytes]:
        attempt = 0
        while True:
            try:
                return await self._attempt(req, stream)
            except (APIStatusError, APIConnectionError) as err:
                if not self._should_retry(err, attempt, self.deployment.max_retries):
                    raise
                attempt += 1
                await self._sleep(self._delay(err, attempt))

    # -- routes ---------------------------------------------------------------------------------------------

    async def get_model_info(self) -> ModelInfo:
        """``GET /info`` (cached). Raises ``RouteNotSupportedError`` where the surface has no ``/info``."""
        req = self._info_request()
        if req is not None:
            try:
                response, content = await self._send(req)
            except RouteNotSupportedError as err:
                self._info_missing = err
                raise
            self._model_info = self._parse(ModelInfo, content, response)
        assert self._model_info is not None
        return self._model_info

    async def try_get_model_info(self) -> ModelInfo | None:
        """``get_model_info()``, or None where the endpoint has no ``/info``."""
        try:
            return await self.get_model_info()
        except RouteNotSupportedError:
            return None

    async def chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatCompletions:
        """``POST /chat/completions``: a whole chat completion."""
        response, content = await self._send(self._prepare_chat(messages, params, stream=False))
        return self._parse(ChatCompletions, content, response)

    async def stream_chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> AsyncChatStream:
        """``POST /chat/completions`` streamed: ``async for chunk in await client.stream_chat(...)``."""
        response, _ = await self._send(self._prepare_chat(messages, params, stream=True), stream=True)
        return AsyncChatStream(response, chat_parser())

    async def complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> Completions:
        """``POST /completions``: a legacy text completion (WIRE.md §8)."""
        response, content = await self._send(self._prepare_completion(prompt, params, stream=False))
        return self._parse(Completions, content, response)

    async def stream_complete(
        self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]
    ) -> AsyncCompletionStream:
        """``POST /completions`` streamed."""
        response, _ = await self._send(self._prepare_completion(prompt, params, stream=True), stream=True)
        return AsyncCompletionStream(response, completion_parser())

    async def embed(self, input: str | Sequence[str], **params: Unpack[EmbedParams]) -> EmbeddingsResult:
        """``POST /embeddings``: vectors in input order, decoded to numbers whatever the encoding."""
        return await self._embed("/embeddings", self._texts(input), params)

    async def embed_images(
        self, images: Sequence[ImageSource | dict[str, Any]], **params: Unpack[EmbedParams]
    ) -> EmbeddingsResult:
        """``POST /images/embeddings``: each image a path, bytes, file object, data URL or ``{"image", "text"}``."""
        return await self._embed("/images/embeddings", self._images(images), params)

    async def _embed(self, route: str, inputs: list[Any], params: EmbedParams) -> EmbeddingsResult:
        encoding = self._embed_encoding(params)
        try:
            response, content = await self._send(self._prepare_embed(route, inputs, params, encoding))
        except APIStatusError as err:
            if not self._refused_base64(err, encoding, params):
                raise
            encoding = None
            response, content = await self._send(self._prepare_embed(route, inputs, params, encoding))
        result = self._parse(EmbeddingsResult, content, response)
        return self._decode_embeddings(result, encoding, len(inputs))
