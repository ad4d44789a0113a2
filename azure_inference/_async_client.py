"""``AsyncInferenceClient``: the asynchronous send loop over the shared core.

Both clients call the same builders, parsers and call flows from ``_base_client``; they differ only in the send
loop. Sending goes through a sender (``_sender``): by default the aiohttp one this client owns (``_aiohttp``),
made at the first request; an injected ``httpx.AsyncClient`` is used as given (``_httpx``). Either way the core
sees a ``ResponseView`` and bytes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from typing_extensions import Unpack

from ._base_client import BaseClient, Flow, PreparedRequest
from ._genai import observe, telemetry_for
from ._quota import answered, failed, take_async
from ._requests import ChatParams, CompletionParams, EmbedParams
from ._responses_call import ResponsesCallParams
from ._sender import AsyncReply, AsyncSender
from ._version import __version__
from .errors import APIConnectionError, APIStatusError, ConfigurationError, InferenceError, RouteNotSupportedError
from .media import ImageSource
from .models.chat import ChatCompletions
from .models.completions import Completions
from .models.embeddings import EmbeddingsResult
from .models.info import ModelInfo
from .models.responses import Response
from .responses_stream import AsyncResponsesStream, ResponsesStreamParser
from .retry import RetryPolicy
from .streaming import (
    AsyncChatStream,
    AsyncCompletionStream,
    chat_parser,
    completion_parser,
)

if TYPE_CHECKING:
    import aiohttp

    from .budget import Budget

__all__ = ["AsyncInferenceClient"]

R = TypeVar("R")


class AsyncInferenceClient(BaseClient):
    """Asynchronous client for one deployment; the same arguments as ``InferenceClient``.

    Unless ``http_client=`` is given, it sends with its own ``aiohttp.ClientSession`` (made on first use inside
    the running loop): on loopback that sustains several times the calls per second of httpx's async stack.
    If the event loop changes (e.g. a second ``asyncio.run``), a fresh session is made for the new loop, and
    each session is closed by ``close()`` or when its loop shuts down. An injected ``httpx.AsyncClient``
    (a proxy setup, ``httpx.MockTransport`` in tests) is used as given and never closed by us; ``sender=``
    replaces the sending altogether (the interface in ``azure_inference._sender``; tests pass a fake).
    """

    def __init__(
        self,
        deployment: Any = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        sender: AsyncSender | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], Any] | None = None,
        budget: Budget | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(deployment, retry_policy=retry_policy, budget=budget, **overrides)
        if http_client is not None:
            if sender is not None:
                raise ConfigurationError("pass http_client= or sender=, not both: a sender brings its own HTTP client")
            from ._httpx import AsyncHttpxSender

            sender = AsyncHttpxSender(http_client)
        elif sender is None and not any(k.lower() == "user-agent" for k in self.deployment.headers):
            self._headers["User-Agent"] = f"azure-inference-adapters/{__version__} aiohttp"
        # None until the first request makes the aiohttp sender (aiohttp is imported then, not with the package).
        self._sender: AsyncSender | None = sender
        self._sleep = sleep or _asyncio_sleep
        self._telemetry = telemetry_for(self.deployment)  # None when off: OpenTelemetry is not even imported

    async def __aenter__(self) -> AsyncInferenceClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this object created it."""
        if self._sender is not None:
            await self._sender.close()

    @property
    def _http(self) -> aiohttp.ClientSession | None:
        # The aiohttp session of the current loop, when this client owns one (kept for introspection and tests).
        session: aiohttp.ClientSession | None = getattr(self._sender, "session", None)
        return session

    def _default_sender(self) -> AsyncSender:
        from ._aiohttp import AiohttpSender  # aiohttp is imported on first use, not with the package

        sender = self._sender = AiohttpSender(self.deployment.base_url)
        return sender

    # -- send loop ------------------------------------------------------------------------------------------

    async def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[AsyncReply, bytes]:
        sender = self._sender or self._default_sender()
        reservation = None
        if self._budget is not None and req.content is not None:  # docs/quota.md: each attempt is charged on arrival
            reservation = await take_async(self._budget, req, self._telemetry, self.deployment.label)
        try:
            req.headers.update(await self._auth.aheaders())
        except BaseException:
            if reservation is not None:
                reservation.release()  # never sent (a failed token fetch, a cancellation): the budget gets it back
            raise
        if reservation is not None:
            reservation.sent()
        started = time.perf_counter()
        try:
            reply = await sender.open(req, stream)
        except APIConnectionError as err:
            self._log_response(req, type(err.__cause__ or err).__name__, started)
            raise
        status = reply.status_code
        self._log_response(req, status, started, reply.headers)
        if stream and status < 300:
            if reservation is not None:
                answered(reservation, reply.headers, None)
            return reply, b""
        content = await reply.read()
        if reservation is not None:
            answered(reservation, reply.headers, content if status < 300 else None)
        if status >= 300:
            raise self._status_error(reply, content)
        return reply, content

    async def _send(self, req: PreparedRequest, stream: bool = False) -> tuple[AsyncReply, bytes]:
        attempt, telemetry = 0, self._telemetry
        while True:
            if telemetry is not None:
                telemetry.sending(req)
            try:
                return await self._attempt(req, stream)
            except (APIStatusError, APIConnectionError) as err:
                wait = self._retry_wait(err, attempt)
                self._budget = failed(self.deployment, self._budget, err, wait)
                if wait is None:
                    raise
                attempt += 1
                if telemetry is not None:
                    telemetry.retry(attempt, err, wait)
                await self._sleep(wait)

    async def _run(self, flow: Flow[R], stream: bool = False) -> R:
        """Drive a call written once on the base class: send what it yields, send back what came."""
        try:
            req = next(flow)
            while True:
                try:
                    reply = await self._send(req, stream)
                except InferenceError as err:
                    req = flow.throw(err)
                else:
                    req = flow.send(reply)
        except StopIteration as stop:
            result: R = stop.value
            return result

    # -- routes ---------------------------------------------------------------------------------------------

    async def get_model_info(self) -> ModelInfo:
        """``GET /info`` (cached). Raises ``RouteNotSupportedError`` where the surface has no ``/info``."""
        return await self._run(self._info_flow())

    async def try_get_model_info(self) -> ModelInfo | None:
        """``get_model_info()``, or None where the endpoint has no ``/info``."""
        try:
            return await self.get_model_info()
        except RouteNotSupportedError:
            return None

    async def chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatCompletions:
        """``POST /chat/completions``: a whole chat completion."""
        with observe(self._telemetry, "chat", params) as op:
            return op.done(self._chat_result(await self._run(self._chat_flow(messages, params, stream=False))))

    async def stream_chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> AsyncChatStream:
        """``POST /chat/completions`` streamed: ``async for chunk in await client.stream_chat(...)``."""
        with observe(self._telemetry, "chat", params, stream=True) as op:
            reply, _, _, notes = await self._run(self._chat_flow(messages, params, stream=True), stream=True)
            stream = AsyncChatStream(reply, reply.chunks(), reply.close, chat_parser(self._auth.secrets))
            stream.adaptations = notes
            return op.stream(stream)

    async def responses(self, input: str | Sequence[Any], **params: Unpack[ResponsesCallParams]) -> Response:
        """``POST /responses`` (docs/wire.md §V1.3); see ``InferenceClient.responses``."""
        with observe(self._telemetry, "responses", params) as op:
            sent = await self._run(self._responses_flow(input, params, stream=False))
            return op.done(self._responses_result(sent))

    async def stream_responses(
        self, input: str | Sequence[Any], **params: Unpack[ResponsesCallParams]
    ) -> AsyncResponsesStream:
        """``POST /responses`` streamed: ``async for delta in await client.stream_responses(...)``."""
        with observe(self._telemetry, "responses", params, stream=True) as op:
            reply, _, _, notes = await self._run(self._responses_flow(input, params, stream=True), stream=True)
            stream = AsyncResponsesStream(
                reply, reply.chunks(), reply.close, ResponsesStreamParser(secrets=self._auth.secrets)
            )
            stream.adaptations = notes
            return op.stream(stream)

    async def complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> Completions:
        """``POST /completions``: a legacy text completion (docs/wire.md §8)."""
        req = self._prepare_completion(prompt, params, stream=False)
        with observe(self._telemetry, "text_completion", params) as op:
            response, content = await self._send(req)
            return op.done(self._parse(Completions, content, response))

    async def stream_complete(
        self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]
    ) -> AsyncCompletionStream:
        """``POST /completions`` streamed."""
        req = self._prepare_completion(prompt, params, stream=True)
        with observe(self._telemetry, "text_completion", params, stream=True) as op:
            reply, _ = await self._send(req, stream=True)
            return op.stream(
                AsyncCompletionStream(reply, reply.chunks(), reply.close, completion_parser(self._auth.secrets))
            )

    async def embed(self, input: str | Sequence[str], **params: Unpack[EmbedParams]) -> EmbeddingsResult:
        """``POST /embeddings``: vectors in input order, decoded to numbers whatever the encoding."""
        return await self._embed("/embeddings", self._texts(input), params)

    async def embed_images(
        self, images: Sequence[ImageSource | dict[str, Any]], **params: Unpack[EmbedParams]
    ) -> EmbeddingsResult:
        """``POST /images/embeddings``: each image a path, bytes, file object, data URL or ``{"image", "text"}``."""
        return await self._embed("/images/embeddings", self._images(images), params)

    async def _embed(self, route: str, inputs: list[Any], params: EmbedParams) -> EmbeddingsResult:
        with observe(self._telemetry, "embeddings", params) as op:
            return op.done(await self._run(self._embed_flow(route, inputs, params)))


async def _asyncio_sleep(seconds: float) -> None:
    # asyncio is imported where it is used: a program that awaits us has imported it already, and a sync-only
    # program that merely imports the package never pays for it.
    import asyncio

    await asyncio.sleep(seconds)
