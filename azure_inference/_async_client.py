"""``AsyncInferenceClient``: the asynchronous send loop over the shared core.

Both clients call the same builders and parsers from ``_base_client``; they differ only in the send loop.
The HTTP client this one owns is an ``aiohttp.ClientSession`` driven directly (``_aiohttp``); an injected
``httpx.AsyncClient`` is used as given. Either way the core sees a ``ResponseView`` and bytes.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import httpx
from typing_extensions import Unpack

from ._base_client import BaseClient, PreparedRequest, _dropped
from ._requests import ChatParams, CompletionParams, EmbedParams
from ._response import BodyReadError, ResponseView
from ._version import __version__
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

if TYPE_CHECKING:
    import asyncio

    import aiohttp

    from ._aiohttp import AiohttpSender

__all__ = ["AsyncInferenceClient"]

# An open streamed body: its chunks and how to release its connection.
_Opened = tuple[AsyncIterator[bytes], Callable[[], Awaitable[None]]]


class AsyncInferenceClient(BaseClient):
    """Asynchronous client for one deployment; the same arguments as ``InferenceClient``.

    Unless ``http_client=`` is given, it sends with its own ``aiohttp.ClientSession`` (made on first use inside
    the running loop): on loopback that sustains several times the calls per second of httpx's async stack.
    If the event loop changes (e.g. a second ``asyncio.run``), a fresh session is made for the new loop, and
    each session is closed by ``close()`` or when its loop shuts down. An injected ``httpx.AsyncClient``
    (a proxy setup, ``httpx.MockTransport`` in tests) is used as given and never closed by us.
    """

    def __init__(
        self,
        deployment: Any = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(deployment, retry_policy=retry_policy, **overrides)
        self._injected = http_client
        if http_client is None and not any(k.lower() == "user-agent" for k in self.deployment.headers):
            self._headers["User-Agent"] = f"azure-inference-adapters/{__version__} aiohttp"
        self._http: aiohttp.ClientSession | None = None
        self._sender: AiohttpSender | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncGenerator[None, None] | None = None
        self._sleep = sleep or _asyncio_sleep

    async def __aenter__(self) -> AsyncInferenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this object created it."""
        http, self._http = self._http, None
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            await keeper.aclose()  # its ``finally`` closes the session (a no-op if its loop already did)
        elif http is not None:
            await http.close()

    @staticmethod
    async def _close_with_loop(http: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
        """Holds ``http`` open until closed, or until its event loop shuts down.

        ``asyncio.run`` (and pytest-asyncio) finalise pending async generators before closing the loop, so a
        client used across several ``asyncio.run`` calls releases each loop's connections on that loop instead
        of leaking sockets bound to a dead loop.
        """
        try:
            yield
        finally:
            await http.close()

    async def _session(self) -> tuple[aiohttp.ClientSession, AiohttpSender]:
        loop = _running_loop()
        http, sender = self._http, self._sender
        if http is None or sender is None or self._loop is not loop:
            if sender is None:
                from ._aiohttp import AiohttpSender  # aiohttp is imported on first use, not with the package

                sender = self._sender = AiohttpSender(self.deployment.base_url)
            old_keeper = self._keeper
            http = self._http = sender.session()
            self._loop = loop
            self._keeper = self._close_with_loop(http)
            await self._keeper.asend(None)  # starts it, so this loop will finalise it at shutdown
            if old_keeper is not None:
                with contextlib.suppress(Exception):  # normally its loop already closed it; else best effort
                    await old_keeper.aclose()
        return http, sender

    # -- send loop ------------------------------------------------------------------------------------------

    async def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[ResponseView, bytes, _Opened | None]:
        if self._injected is not None:
            return await self._attempt_httpx(self._injected, req, stream)
        http, sender = await self._session()
        req.headers.update(await self._auth.aheaders())
        started = time.perf_counter()
        try:
            response = await sender.open(http, req, stream)
        except APIConnectionError as err:
            self._log_response(req, type(err.__cause__).__name__, started)
            raise
        status = response.status
        self._log_response(req, status, started, response.headers)
        view = ResponseView(status, response.headers, req.method, req.url)
        if stream and status < 300:
            from ._aiohttp import Chunks, close_response

            return view, b"", (Chunks(response), functools.partial(close_response, response))
        content = await sender.read(response, req)
        if status >= 300:
            raise self._status_error(view, content)
        return view, content, None

    async def _attempt_httpx(
        self, http: httpx.AsyncClient, req: PreparedRequest, stream: bool
    ) -> tuple[ResponseView, bytes, _Opened | None]:
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
        view = ResponseView(response.status_code, response.headers, req.method, req.url)
        if stream and response.status_code < 300:
            return view, b"", (_HttpxChunks(response), response.aclose)
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
            raise self._status_error(view, content)
        return view, content, None

    async def _retrying(self, req: PreparedRequest, stream: bool) -> tuple[ResponseView, bytes, _Opened | None]:
        attempt = 0
        while True:
            try:
                return await self._attempt(req, stream)
            except (APIStatusError, APIConnectionError) as err:
                if not self._should_retry(err, attempt, self.deployment.max_retries):
                    raise
                attempt += 1
                await self._sleep(self._delay(err, attempt))

    async def _send(self, req: PreparedRequest) -> tuple[ResponseView, bytes]:
        view, content, _ = await self._retrying(req, False)
        return view, content

    async def _open(self, req: PreparedRequest) -> tuple[ResponseView, _Opened]:
        view, _, opened = await self._retrying(req, True)
        assert opened is not None
        return view, opened

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
        view, (chunks, close) = await self._open(self._prepare_chat(messages, params, stream=True))
        return AsyncChatStream(chunks, view, close, chat_parser())

    async def complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> Completions:
        """``POST /completions``: a legacy text completion (WIRE.md §8)."""
        response, content = await self._send(self._prepare_completion(prompt, params, stream=False))
        return self._parse(Completions, content, response)

    async def stream_complete(
        self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]
    ) -> AsyncCompletionStream:
        """``POST /completions`` streamed."""
        view, (chunks, close) = await self._open(self._prepare_completion(prompt, params, stream=True))
        return AsyncCompletionStream(chunks, view, close, completion_parser())

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


class _HttpxChunks:
    """The body of a streamed ``httpx.Response``; a transport failure becomes ``BodyReadError``."""

    __slots__ = ("_parts",)

    def __init__(self, response: httpx.Response) -> None:
        self._parts = response.aiter_bytes()

    def __aiter__(self) -> _HttpxChunks:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._parts.__anext__()
        except httpx.HTTPError as exc:
            # httpx-aiohttp reports a dropped connection as a timeout; only a real one is a stall.
            raise BodyReadError(exc, timed_out=isinstance(exc, httpx.TimeoutException) and not _dropped(exc)) from exc


# asyncio is imported where it is used: a program that awaits us has imported it already, and a sync-only program
# that merely imports the package never pays for it.
def _running_loop() -> asyncio.AbstractEventLoop:
    import asyncio

    return asyncio.get_running_loop()


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
