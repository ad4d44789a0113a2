"""Helpers for the transport unit tests: a recording mock server and sync/async-agnostic call helpers."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from azure_inference import AsyncInferenceClient, InferenceClient

from .fake_sender import FakeAsyncSender, FakeSender

ENDPOINT = "https://res.services.ai.azure.com/models"
KEY = "sk-test-secret-0123456789"

Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | BaseException


def chat_body(content: str = "Hello!", **extra: Any) -> dict[str, Any]:
    """A minimal valid chat completion body."""
    body: dict[str, Any] = {
        "id": "cmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }
    body.update(extra)
    return body


def sse(*events: Any, done: bool = True, sep: str = "\n") -> bytes:
    """An SSE body: each event a dict (JSON-encoded) or a raw string, optionally ending with [DONE]."""
    out = []
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        out.append(f"data: {data}{sep}{sep}")
    if done:
        out.append(f"data: [DONE]{sep}{sep}")
    return "".join(out).encode()


def chunk(content: str | None = None, finish: str | None = None, index: int = 0, **delta: Any) -> dict[str, Any]:
    """One chat stream chunk."""
    d = dict(delta)
    if content is not None:
        d["content"] = content
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": index, "delta": d, "finish_reason": finish}],
    }


def default_reply(request: httpx.Request) -> httpx.Response:
    """A valid answer for whichever route was called."""
    if request.url.path.endswith("embeddings"):
        count = len(json.loads(request.content)["input"])
        data = [{"object": "embedding", "index": i, "embedding": [0.0, 1.0]} for i in range(count)]
        return httpx.Response(200, json={"object": "list", "model": "e", "data": data})
    return httpx.Response(200, json=chat_body())


class Server:
    """A MockTransport handler that records requests and answers from a queue (the last reply repeats)."""

    def __init__(self, *replies: Reply) -> None:
        self.replies: list[Reply] = list(replies) or [default_reply]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(request)
        # A fresh copy each time: one Response object cannot be sent twice (or by both client kinds).
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self, i: int = -1) -> Any:
        return json.loads(self.requests[i].content)


class Sleeps:
    """A recording sleep for both clients: nothing waits for real."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def sync(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def async_(self, seconds: float) -> None:
        self.delays.append(seconds)


async def resolve(value: Any) -> Any:
    """Await ``value`` if it is awaitable (the async client), else return it (the sync client)."""
    return await value if inspect.isawaitable(value) else value


async def collect(stream: Any) -> list[Any]:
    """Every item of a sync or async stream."""
    if hasattr(stream, "__aiter__"):
        return [item async for item in stream]
    return list(stream)


async def final(stream: Any) -> Any:
    return await resolve(stream.get_final_response())


class Factory:
    """Builds clients bound to a Server and closes everything at teardown.

    ``via="httpx"`` sends over ``httpx.MockTransport`` (an injected httpx client); ``via="sender"`` gives the
    client a fake sender answering from the same Server (``fake_sender.py``), so the async client runs the path
    it takes by default, with its own sender rather than an injected ``httpx.AsyncClient``.
    """

    def __init__(self, via: str = "httpx") -> None:
        self.via = via
        self._sync: list[httpx.Client] = []
        self._async: list[httpx.AsyncClient] = []
        self.sleeps = Sleeps()

    def __call__(
        self, sync: bool, server: Server | Callable[[httpx.Request], httpx.Response], **kwargs: Any
    ) -> InferenceClient | AsyncInferenceClient:
        kwargs.setdefault("endpoint", ENDPOINT)
        if "credential" not in kwargs and not any(
            k in kwargs for k in ("bearer_token", "token_provider", "azure_credential", "allow_no_credential")
        ):
            kwargs["credential"] = KEY
        if self.via == "sender":
            if sync:
                return InferenceClient(sender=FakeSender(server), sleep=self.sleeps.sync, **kwargs)
            return AsyncInferenceClient(sender=FakeAsyncSender(server), sleep=self.sleeps.async_, **kwargs)
        transport_sync = httpx.MockTransport(server)
        if sync:
            http = httpx.Client(transport=transport_sync)
            self._sync.append(http)
            return InferenceClient(http_client=http, sleep=self.sleeps.sync, **kwargs)
        ahttp = httpx.AsyncClient(transport=httpx.MockTransport(server))
        self._async.append(ahttp)
        return AsyncInferenceClient(http_client=ahttp, sleep=self.sleeps.async_, **kwargs)

    async def aclose(self) -> None:
        for client in self._sync:
            client.close()
        for aclient in self._async:
            await aclient.aclose()


def names(items: Iterable[Any]) -> list[str]:
    return [type(x).__name__ for x in items]
