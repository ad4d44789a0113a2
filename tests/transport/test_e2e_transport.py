"""End to end: the real clients (httpx sync, aiohttp async) against the emulator subprocess over loopback."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from azure_inference import (
    APIConnectionError,
    APITimeoutError,
    AsyncInferenceClient,
    AuthenticationError,
    InferenceClient,
    RateLimitError,
    RetryPolicy,
    RouteNotSupportedError,
    StreamError,
)
from azure_inference.emulator import EmulatorHandle

from ..conftest import KEYED_EMULATOR_KEY
from .helpers import collect, final, resolve

pytestmark = pytest.mark.e2e

MSGS = [{"role": "user", "content": "Say hello"}]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]

SURFACES: dict[str, Callable[[EmulatorHandle], dict[str, Any]]] = {
    "model-inference": lambda e: {"endpoint": e.endpoint, "model": "gpt-4o-mini"},
    "azure-openai": lambda e: {"endpoint": e.deployment("gpt-4o-mini")},
    "openai-v1": lambda e: {"endpoint": e.openai_v1, "model": "gpt-4o-mini"},
    "openai-compatible": lambda e: {"endpoint": e.url + "/v1", "model": "gpt-4o-mini"},
}


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., Any]]:
    made: list[Any] = []

    def build(sync: bool, **kwargs: Any) -> Any:
        client = InferenceClient(**kwargs) if sync else AsyncInferenceClient(**kwargs)
        made.append(client)
        return client

    yield build
    for client in made:
        await resolve(client.close())


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("surface", list(SURFACES))
async def test_chat_and_stream_on_every_surface(
    sync: bool, surface: str, emu: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    client = clients(sync, **SURFACES[surface](emu))
    assert client.deployment.resolved_surface.value == surface
    emu.control.queue_chat("Hello from the emulator", times=2)
    whole = await resolve(client.chat(MSGS, temperature=0))
    assert whole.content == "Hello from the emulator"
    assert whole.usage is not None
    assert whole.usage.total_tokens > 0
    stream = await resolve(client.stream_chat(MSGS))
    chunks = await collect(stream)
    result = stream.accumulator.result()
    assert result.content == "Hello from the emulator"
    assert len(chunks) > 2
    assert result.usage is not None
    assert result.usage.completion_tokens > 0
    completion = await resolve(client.complete("Once upon a time", max_tokens=5))
    assert completion.text
    streamed = await final(await resolve(client.stream_complete("Once upon a time", max_tokens=5)))
    assert streamed.text
    assert streamed.usage is not None  # usage is kept from whichever chunk carries it
    assert streamed.usage.completion_tokens > 0
    paths = [r["path"] for r in emu.control.requests()]
    assert all(p.endswith(("/chat/completions", "/completions")) for p in paths)


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("surface", ["model-inference", "openai-v1", "openai-compatible"])
async def test_embeddings_on_every_surface(
    sync: bool, surface: str, emu: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    client = clients(sync, **{**SURFACES[surface](emu), "model": "text-embedding-3-small"})
    result = await resolve(client.embed(["first", "second"], dimensions=64))
    assert [len(v) for v in result.vectors] == [64, 64]
    assert emu.control.requests()[-1]["body"]["encoding_format"] == "base64"
    floats = await resolve(client.embed(["first", "second"], dimensions=64, encoding_format="float"))
    for a, b in zip(result.vectors, floats.vectors, strict=True):
        assert a == pytest.approx(b, abs=1e-6)


@pytest.mark.parametrize("sync", [True, False])
async def test_embeddings_packed_formats_and_images(
    sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    client = clients(sync, endpoint=emu.endpoint, model="Cohere-embed-v3-multilingual")
    for fmt in ("int8", "uint8", "binary", "ubinary"):
        result = await resolve(client.embed("text", encoding_format=fmt, input_type="document"))
        assert result.vectors[0]
        assert all(isinstance(x, int) for x in result.vectors[0])
    images = await resolve(client.embed_images([PNG, io.BytesIO(PNG)]))
    assert len(images.vectors) == 2
    assert len(images.vectors[0]) == 1024
    assert images.vectors[0] == images.vectors[1]  # the same image, however it was given


@pytest.mark.parametrize("sync", [True, False])
async def test_info_per_surface(sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]) -> None:
    info = await resolve(
        clients(
            sync, endpoint=emu.endpoint, model="Phi-4-multimodal-instruct", api_version="2025-05-01"
        ).get_model_info()
    )
    assert (info.model_name, info.type) == ("Phi-4-multimodal-instruct", "chat-completion")
    assert emu.control.requests()[-1]["query"].endswith("model=Phi-4-multimodal-instruct")
    with pytest.raises(RouteNotSupportedError):
        await resolve(clients(sync, endpoint=emu.deployment("gpt-4o")).get_model_info())


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("surface", list(SURFACES))
async def test_tool_call_streaming(sync: bool, surface: str, emu: EmulatorHandle, clients: Callable[..., Any]) -> None:
    client = clients(sync, **SURFACES[surface](emu))
    calls = [
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        {"name": "get_weather", "arguments": {"city": "Oslo"}},
    ]
    emu.control.queue_chat(tool_calls=calls)
    stream = await resolve(client.stream_chat(MSGS, tools=TOOLS, tool_choice="auto"))
    result = await final(stream)
    got = result.choices[0].message.tool_calls
    assert [(c.function.name, c.function.arguments.replace(" ", "")) for c in got] == [
        ("get_weather", '{"city":"Paris"}'),
        ("get_weather", '{"city":"Oslo"}'),
    ]
    assert result.choices[0].finish_reason == "tool_calls"
    assert all(c.id for c in got)


@pytest.mark.parametrize("sync", [True, False])
async def test_wrong_key_is_401_and_right_key_works(
    sync: bool, keyed_emulator: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    bad = clients(sync, endpoint=keyed_emulator.endpoint, credential="wrong-key-123", model="gpt-4o-mini")
    with pytest.raises(AuthenticationError) as info:
        await resolve(bad.chat(MSGS))
    assert info.value.status_code == 401
    assert "wrong-key-123" not in str(info.value)
    for key_header in ("api-key", "bearer"):
        good = clients(
            sync,
            endpoint=keyed_emulator.endpoint,
            credential=KEYED_EMULATOR_KEY,
            model="gpt-4o-mini",
            key_header=key_header,
        )
        assert (await resolve(good.chat(MSGS))).content


@pytest.mark.parametrize("sync", [True, False])
async def test_retry_after_from_the_emulator(sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]) -> None:
    emu.control.queue_fault("status", status=429, retry_after_ms=10, route="chat")
    client = clients(sync, endpoint=emu.endpoint, model="gpt-4o-mini")
    assert (await resolve(client.chat(MSGS))).content
    assert len(emu.control.requests("/chat/completions")) == 2
    emu.control.queue_fault("status", status=429, retry_after=0, route="chat", times=3)
    with pytest.raises(RateLimitError):
        await resolve(clients(sync, endpoint=emu.endpoint, model="gpt-4o-mini", max_retries=1).chat(MSGS))


@pytest.mark.parametrize("sync", [True, False])
async def test_dropped_connection_is_a_connection_error_not_a_timeout(
    sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    emu.control.queue_fault("drop", route="chat", times=3)
    fast = RetryPolicy(initial_delay=0.01)
    client = clients(sync, endpoint=emu.endpoint, model="gpt-4o-mini", max_retries=2, retry_policy=fast)
    with pytest.raises(APIConnectionError) as info:
        await resolve(client.chat(MSGS))
    assert not isinstance(info.value, APITimeoutError)
    assert "failed before a response" in str(info.value)
    emu.control.queue_fault("drop", route="chat")
    assert (await resolve(client.chat(MSGS))).content  # retried after one drop


@pytest.mark.parametrize("sync", [True, False])
async def test_read_timeout_is_api_timeout_error(sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]) -> None:
    emu.control.queue_fault("latency", latency_ms=1500, route="chat")
    client = clients(sync, endpoint=emu.endpoint, model="gpt-4o-mini", max_retries=0, timeout=0.3)
    with pytest.raises(APITimeoutError):
        await resolve(client.chat(MSGS))


async def test_connect_refused_is_a_connection_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connections are refused
        for sync in (True, False):
            client: Any = (InferenceClient if sync else AsyncInferenceClient)(
                endpoint=f"http://127.0.0.1:{port}/v1", max_retries=0
            )
            try:
                with pytest.raises(APIConnectionError) as info:
                    await resolve(client.chat(MSGS))
                assert not isinstance(info.value, APITimeoutError)
            finally:
                await resolve(client.close())


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("stream_cut", "ended early"),
        ("stream_reset", "broke mid-stream"),
        ("malformed_chunk", "malformed stream chunk"),
        ("stream_error", "error mid-stream"),
    ],
)
async def test_stream_faults(
    sync: bool, kind: str, needle: str, emu: EmulatorHandle, clients: Callable[..., Any]
) -> None:
    emu.control.queue_fault(kind, route="chat", after_chunks=2)
    client = clients(sync, endpoint=emu.endpoint, model="gpt-4o-mini")
    stream = await resolve(client.stream_chat(MSGS))
    with pytest.raises(StreamError, match=needle) as info:
        await collect(stream)
    assert info.value.chunks_received >= 1
    assert len(emu.control.requests("/chat/completions")) == 1  # never retried once streaming


@pytest.mark.parametrize("sync", [True, False])
async def test_reasoning_model(sync: bool, emu: EmulatorHandle, clients: Callable[..., Any]) -> None:
    client = clients(sync, endpoint=emu.endpoint, model="DeepSeek-R1", api_version="2025-05-01")
    result = await final(await resolve(client.stream_chat(MSGS)))
    assert result.choices[0].message.reasoning_content
    assert result.content
