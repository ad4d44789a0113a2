"""End to end: the async client's own aiohttp session against the emulator subprocess over loopback."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import psutil
import pytest

from azure_inference import (
    APIConnectionError,
    APITimeoutError,
    AsyncInferenceClient,
    RateLimitError,
    RetryPolicy,
    StreamError,
)
from azure_inference.emulator import EmulatorHandle

from .helpers import Sleeps

pytestmark = pytest.mark.e2e

MSGS = [{"role": "user", "content": "Say hello"}]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
Build = Callable[..., AsyncInferenceClient]


@pytest.fixture
async def owned(emu: EmulatorHandle) -> AsyncIterator[Build]:
    """``owned(**fields)``: an AsyncInferenceClient on the emulator with no injected HTTP client."""
    made: list[AsyncInferenceClient] = []

    def build(**fields: Any) -> AsyncInferenceClient:
        fields.setdefault("endpoint", emu.endpoint)
        fields.setdefault("model", "gpt-4o-mini")
        client = AsyncInferenceClient(**fields)
        made.append(client)
        return client

    yield build
    for client in made:
        await client.close()


def established_to(url: str) -> int:
    """ESTABLISHED TCP connections from this process to the port of ``url``."""
    port = urlsplit(url).port
    conns = psutil.Process().net_connections(kind="tcp")
    return sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED and c.raddr and c.raddr.port == port)


async def test_every_route_over_one_pooled_aiohttp_session(emu: EmulatorHandle, owned: Build) -> None:
    client = owned(api_version="2025-05-01")
    emu.control.queue_chat("Hello over aiohttp", times=2)
    assert (await client.chat(MSGS)).content == "Hello over aiohttp"
    session = client._http
    assert isinstance(session, aiohttp.ClientSession)
    stream = await client.stream_chat(MSGS)
    chunks = [c async for c in stream]
    assert len(chunks) > 2
    assert stream.accumulator.result().content == "Hello over aiohttp"
    assert stream.closed
    assert stream.response.status_code == 200
    assert stream.response.headers["content-type"].startswith("text/event-stream")
    assert (await client.complete("Once upon a time", max_tokens=5)).text
    done = await (await client.stream_complete("Once upon a time", max_tokens=5)).get_final_response()
    assert done.text
    info = await client.get_model_info()
    assert info.model_name == "gpt-4o-mini"
    embedder = owned(model="text-embedding-3-small")
    vectors = (await embedder.embed(["a", "b"], dimensions=8)).vectors
    assert [len(v) for v in vectors] == [8, 8]
    images = owned(model="Cohere-embed-v3-multilingual")
    assert len((await images.embed_images([PNG])).vectors[0]) == 1024
    assert client._http is session  # one session for every call on this loop
    sent = emu.control.requests()
    chat = next(r for r in sent if r["path"].endswith("/chat/completions"))
    headers = {k.lower(): v for k, v in chat["headers"].items()}
    assert headers["user-agent"].endswith(" aiohttp")
    assert headers["content-type"] == "application/json"
    assert headers["x-ms-client-request-id"]
    assert chat["query"].startswith("api-version=2025-05-01")


async def test_concurrent_calls_share_a_bounded_pool(emu: EmulatorHandle, owned: Build) -> None:
    client = owned()
    before = established_to(emu.url)
    results = await asyncio.gather(*(client.chat([{"role": "user", "content": f"n{i}"}]) for i in range(60)))
    assert all(r.content for r in results)
    assert len(emu.control.requests("/chat/completions")) == 60
    assert 1 <= established_to(emu.url) - before <= 60  # connections are kept for reuse, never one per call
    await client.close()
    assert established_to(emu.url) == before


async def test_429_is_retried_after_the_servers_retry_after(emu: EmulatorHandle, owned: Build) -> None:
    sleeps = Sleeps()
    emu.control.queue_fault("status", status=429, retry_after=2, route="chat")
    client = owned(sleep=sleeps.async_)
    assert (await client.chat(MSGS)).content
    assert sleeps.delays == [2.0]
    assert len(emu.control.requests("/chat/completions")) == 2
    emu.control.queue_fault("status", status=429, retry_after_ms=5, route="chat", times=2)
    with pytest.raises(RateLimitError) as info:
        await owned(max_retries=1, sleep=sleeps.async_).chat(MSGS)
    assert info.value.status_code == 429
    assert sleeps.delays == [2.0, 0.005]


async def test_a_dropped_connection_is_retried_then_reported(emu: EmulatorHandle, owned: Build) -> None:
    client = owned(max_retries=2, retry_policy=RetryPolicy(initial_delay=0.01))
    emu.control.queue_fault("drop", route="chat")
    assert (await client.chat(MSGS)).content
    assert len(emu.control.requests("/chat/completions")) == 2
    emu.control.queue_fault("drop", route="chat", times=3)
    with pytest.raises(APIConnectionError) as info:
        await client.chat(MSGS)
    assert not isinstance(info.value, APITimeoutError)
    assert "failed before a response" in str(info.value)


async def test_read_timeout_is_api_timeout_error(emu: EmulatorHandle, owned: Build) -> None:
    emu.control.queue_fault("latency", latency_ms=1500, route="chat")
    client = owned(max_retries=0, timeout=0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(APITimeoutError, match=re.escape("timed out after 0.3s")):
        await client.chat(MSGS)
    assert loop.time() - start < 1.4


@pytest.mark.parametrize(("kind", "needle"), [("stream_cut", "ended early"), ("stream_reset", "broke mid-stream")])
async def test_a_cut_stream_is_a_stream_error(kind: str, needle: str, emu: EmulatorHandle, owned: Build) -> None:
    emu.control.queue_fault(kind, route="chat", after_chunks=2)
    stream = await owned().stream_chat(MSGS)
    received: list[Any] = []

    async def consume() -> None:
        async for chunk in stream:
            received.append(chunk)

    with pytest.raises(StreamError, match=needle) as info:
        await consume()
    assert info.value.chunks_received == len(received) >= 1
    assert stream.closed
    assert len(emu.control.requests("/chat/completions")) == 1  # never retried once streaming


async def test_a_stalled_stream_is_a_timeout(emu: EmulatorHandle, owned: Build) -> None:
    emu.control.queue_fault("latency", route="chat", chunk_delay_ms=1500)
    stream = await owned(timeout=0.3, max_retries=0).stream_chat(MSGS)
    with pytest.raises(APITimeoutError, match="stalled past the read timeout"):
        await stream.until_done()
    assert stream.closed


async def test_cancel_mid_stream_leaves_no_established_socket(emu: EmulatorHandle, owned: Build) -> None:
    emu.control.queue_fault("latency", route="chat", chunk_delay_ms=200)
    client = owned(timeout=30)
    before = established_to(emu.url)
    first = asyncio.Event()

    async def consume() -> None:
        async for _ in await client.stream_chat(MSGS):
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 10)
    assert established_to(emu.url) == before + 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(50):
        if established_to(emu.url) == before:
            break
        await asyncio.sleep(0.02)
    assert established_to(emu.url) == before, "cancelling mid-stream must close the connection"
    assert (await client.chat(MSGS)).content  # the session is still usable
