"""``InferenceClient``: the synchronous send loop over the shared core (the async one is ``_async_client``).

Both call the same builders and parsers from ``_base_client``; they differ only in the send loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from typing_extensions import Unpack

from ._base_client import BaseClient, Flow, PreparedRequest
from ._genai import observe, telemetry_for
from ._httpx import HttpxSender, own_client
from ._quota import answered, failed, take
from ._requests import ChatParams, CompletionParams, EmbedParams
from ._responses_call import ResponsesCallParams
from ._sender import Reply, Sender
from .errors import APIConnectionError, APIStatusError, ConfigurationError, InferenceError, RouteNotSupportedError
from .media import ImageSource
from .models.chat import ChatCompletions
from .models.completions import Completions
from .models.embeddings import EmbeddingsResult
from .models.info import ModelInfo
from .models.responses import Response
from .responses_stream import ResponsesStream, ResponsesStreamParser
from .retry import RetryPolicy
from .streaming import (
    ChatStream,
    CompletionStream,
    chat_parser,
    completion_parser,
)

if TYPE_CHECKING:
    from .budget import Budget

__all__ = ["InferenceClient"]

R = TypeVar("R")


class InferenceClient(BaseClient):
    """Synchronous client for one deployment.

    Args:
        deployment: a ``Deployment``, a profile name, or ``None`` to read the environment.
        http_client: an ``httpx.Client`` to use (not closed by us); by default one is created and owned.
        sender: what sends the requests instead of httpx (the interface in ``azure_inference._sender``; tests pass
            a fake); not together with ``http_client``.
        retry_policy: backoff settings; the number of retries is ``deployment.max_retries``.
        sleep: the function used to wait between retries (injectable for tests).
        budget: the ``azure_inference.budget.Budget`` each attempt waits for; by default the deployment's shared
            one when it sets ``tokens_per_minute`` / ``requests_per_minute`` (docs/quota.md), else none.
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
        sender: Sender | None = None,
        retry_policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        budget: Budget | None = None,
        **overrides: Any,
    ) -> None:
        super().__init__(deployment, retry_policy=retry_policy, budget=budget, **overrides)
        if sender is None:
            owned = http_client is None
            http = http_client or own_client(self._timeout, self.deployment.base_url)
            sender = HttpxSender(http, owned=owned)
        elif http_client is not None:
            raise ConfigurationError("pass http_client= or sender=, not both: a sender brings its own HTTP client")
        self._sender = sender
        self._sleep = sleep
        self._telemetry = telemetry_for(self.deployment)  # None when off: OpenTelemetry is not even imported

    def __enter__(self) -> InferenceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        self._sender.close()

    @property
    def _http(self) -> httpx.Client | None:
        # The httpx client, when the sender is httpx's (kept for introspection and tests).
        return self._sender.http if isinstance(self._sender, HttpxSender) else None

    # -- send loop ------------------------------------------------------------------------------------------

    def _attempt(self, req: PreparedRequest, stream: bool) -> tuple[Reply, bytes]:
        reservation = None
        if self._budget is not None and req.content is not None:  # docs/quota.md: each attempt is charged on arrival
            reservation = take(self._budget, req, self._telemetry, self.deployment.label)
        try:
            req.headers.update(self._auth.headers())
        except BaseException:
            if reservation is not None:
                reservation.release()  # never sent: the budget gets it back
            raise
        if reservation is not None:
            reservation.sent()
        started = time.perf_counter()
        try:
            reply = self._sender.open(req, stream)
        except APIConnectionError as err:
            self._log_response(req, type(err.__cause__ or err).__name__, started)
            raise
        self._log_response(req, reply.status_code, started, reply.headers)
        if stream and reply.status_code < 300:
            if reservation is not None:
                answered(reservation, reply.headers, None)
            return reply, b""
        content = reply.read()
        if reservation is not None:
            answered(reservation, reply.headers, content if reply.status_code < 300 else None)
        if reply.status_code >= 300:
            raise self._status_error(reply, content)
        return reply, content

    def _send(self, req: PreparedRequest, stream: bool = False) -> tuple[Reply, bytes]:
        attempt, telemetry = 0, self._telemetry
        while True:
            if telemetry is not None:
                telemetry.sending(req)
            try:
                return self._attempt(req, stream)
            except (APIStatusError, APIConnectionError) as err:
                wait = self._retry_wait(err, attempt)
                self._budget = failed(self.deployment, self._budget, err, wait)
                if wait is None:
                    raise
                attempt += 1
                if telemetry is not None:
                    telemetry.retry(attempt, err, wait)
                self._sleep(wait)

    def _run(self, flow: Flow[R], stream: bool = False) -> R:
        """Drive a call written once on the base class: send what it yields, send back what came."""
        try:
            req = next(flow)
            while True:
                try:
                    reply = self._send(req, stream)
                except InferenceError as err:
                    req = flow.throw(err)
                else:
                    req = flow.send(reply)
        except StopIteration as stop:
            result: R = stop.value
            return result

    # -- routes ---------------------------------------------------------------------------------------------

    def get_model_info(self) -> ModelInfo:
        """``GET /info`` (cached). Raises ``RouteNotSupportedError`` where the surface has no ``/info``."""
        return self._run(self._info_flow())

    def try_get_model_info(self) -> ModelInfo | None:
        """``get_model_info()``, or None where the endpoint has no ``/info``."""
        try:
            return self.get_model_info()
        except RouteNotSupportedError:
            return None

    def chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatCompletions:
        """``POST /chat/completions``: a whole chat completion."""
        with observe(self._telemetry, "chat", params) as op:
            return op.done(self._chat_result(self._run(self._chat_flow(messages, params, stream=False))))

    def stream_chat(self, messages: Sequence[Any], **params: Unpack[ChatParams]) -> ChatStream:
        """``POST /chat/completions`` with ``stream: true``: iterate ``ChatCompletionsChunk``s."""
        with observe(self._telemetry, "chat", params, stream=True) as op:
            reply, _, _, notes = self._run(self._chat_flow(messages, params, stream=True), stream=True)
            stream = ChatStream(reply, reply.chunks(), reply.close, chat_parser(self._auth.secrets))
            stream.adaptations = notes
            return op.stream(stream)

    def responses(self, input: str | Sequence[Any], **params: Unpack[ResponsesCallParams]) -> Response:
        """``POST /responses`` (docs/wire.md §V1.3): a whole response; ``RouteNotSupportedError`` on model-inference.

        Args:
            input: the user's text, or a list of input items (messages, ``function_call_output``, ...).
            **params: ``instructions``, ``tools``, ``reasoning={"effort", "summary"}``, ``max_output_tokens``,
                ``store``, ``previous_response_id``, ... (``ResponsesCallParams``).
        """
        with observe(self._telemetry, "responses", params) as op:
            return op.done(self._responses_result(self._run(self._responses_flow(input, params, stream=False))))

    def stream_responses(self, input: str | Sequence[Any], **params: Unpack[ResponsesCallParams]) -> ResponsesStream:
        """``POST /responses`` streamed: iterate ``ResponseDelta``s; ``get_final_response()`` for the whole."""
        with observe(self._telemetry, "responses", params, stream=True) as op:
            reply, _, _, notes = self._run(self._responses_flow(input, params, stream=True), stream=True)
            stream = ResponsesStream(
                reply, reply.chunks(), reply.close, ResponsesStreamParser(secrets=self._auth.secrets)
            )
            stream.adaptations = notes
            return op.stream(stream)

    def complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> Completions:
        """``POST /completions``: a legacy text completion (docs/wire.md §8)."""
        req = self._prepare_completion(prompt, params, stream=False)
        with observe(self._telemetry, "text_completion", params) as op:
            response, content = self._send(req)
            return op.done(self._parse(Completions, content, response))

    def stream_complete(self, prompt: str | Sequence[str], **params: Unpack[CompletionParams]) -> CompletionStream:
        """``POST /completions`` streamed."""
        req = self._prepare_completion(prompt, params, stream=True)
        with observe(self._telemetry, "text_completion", params, stream=True) as op:
            reply, _ = self._send(req, stream=True)
            return op.stream(
                CompletionStream(reply, reply.chunks(), reply.close, completion_parser(self._auth.secrets))
            )

    def embed(self, input: str | Sequence[str], **params: Unpack[EmbedParams]) -> EmbeddingsResult:
        """``POST /embeddings``: vectors in input order, decoded to numbers whatever the encoding."""
        return self._embed("/embeddings", self._texts(input), params)

    def embed_images(
        self, images: Sequence[ImageSource | dict[str, Any]], **params: Unpack[EmbedParams]
    ) -> EmbeddingsResult:
        """``POST /images/embeddings``: each image a path, bytes, file object, data URL or ``{"image", "text"}``."""
        return self._embed("/images/embeddings", self._images(images), params)

    def _embed(self, route: str, inputs: list[Any], params: EmbedParams) -> EmbeddingsResult:
        with observe(self._telemetry, "embeddings", params) as op:
            return op.done(self._run(self._embed_flow(route, inputs, params)))
