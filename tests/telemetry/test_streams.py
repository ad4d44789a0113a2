"""Streams: the span ends when the stream ends, fails, is closed, broken off, cancelled or dropped."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest
from opentelemetry.trace import StatusCode

from azure_inference import StreamError

from ..transport.helpers import Factory, Server, chunk, collect, resolve, sse
from .conftest import Otel

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def body(done: bool = True) -> bytes:
    return sse(chunk("Hel"), chunk("lo", finish="stop"), {**chunk(), "choices": [], "usage": USAGE}, done=done)


def streaming(content: bytes) -> Server:
    return Server(httpx.Response(200, headers={"content-type": "text/event-stream"}, content=content))


def outcome(otel: Otel) -> str:
    [span] = otel.genai()
    assert span.attributes is not None
    return str(span.attributes["azure_inference.stream.outcome"])


@pytest.mark.parametrize("sync", [True, False])
async def test_span_ends_with_the_stream_and_reads_the_folded_response(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(sync, streaming(body()), model="gpt-4o", telemetry=True)
    stream = await resolve(client.stream_chat([{"role": "user", "content": "hi"}]))
    assert otel.genai() == []  # still open while the stream is
    await collect(stream)
    [span] = otel.genai()
    attrs = span.attributes or {}
    assert attrs["azure_inference.stream.outcome"] == "completed"
    assert attrs["gen_ai.request.stream"] is True
    assert attrs["gen_ai.response.id"] == "c1"
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert attrs["gen_ai.usage.input_tokens"] == 5
    assert attrs["gen_ai.usage.output_tokens"] == 2
    ttfc = attrs["gen_ai.response.time_to_first_chunk"]
    assert isinstance(ttfc, float)
    assert span.end_time is not None
    assert span.start_time is not None
    assert 0 <= ttfc <= (span.end_time - span.start_time) / 1e9
    [point] = otel.points("gen_ai.client.operation.time_to_first_chunk")
    assert point.count == 1
    assert point.attributes["gen_ai.operation.name"] == "chat"
    assert span.status.status_code is StatusCode.UNSET


@pytest.mark.parametrize("sync", [True, False])
async def test_break_then_close_records_closed(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(sync, streaming(body()), model="gpt-4o", telemetry=True)
    stream = await resolve(client.stream_chat([{"role": "user", "content": "hi"}]))
    if sync:
        for _ in stream:
            break
        stream.close()
    else:
        async for _ in stream:
            break
        await stream.close()
    assert outcome(otel) == "closed"


@pytest.mark.parametrize("sync", [True, False])
async def test_close_before_iterating_records_closed(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(sync, streaming(body()), model="gpt-4o", telemetry=True)
    stream = await resolve(client.stream_chat([{"role": "user", "content": "hi"}]))
    await resolve(stream.close())
    assert outcome(otel) == "closed"
    [span] = otel.genai()
    assert "gen_ai.response.time_to_first_chunk" not in (span.attributes or {})


@pytest.mark.parametrize("sync", [True, False])
async def test_cut_stream_records_the_error(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(sync, streaming(sse(chunk("Hel"), done=False)), model="gpt-4o", telemetry=True)
    stream = await resolve(client.stream_chat([{"role": "user", "content": "hi"}]))
    with pytest.raises(StreamError):
        await collect(stream)
    [span] = otel.genai()
    attrs = span.attributes or {}
    assert attrs["azure_inference.stream.outcome"] == "error"
    assert attrs["error.type"] == "StreamError"
    assert span.status.status_code is StatusCode.ERROR
    [point] = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == "StreamError"


def test_dropped_streams_do_not_leak_spans(otel: Otel, make: Factory) -> None:
    client = make(True, streaming(body()), model="gpt-4o", telemetry=True)
    client.stream_chat([{"role": "user", "content": "never read"}])  # dropped at once
    partly = client.stream_chat([{"role": "user", "content": "read once"}])
    next(iter(partly))
    del partly
    gc.collect()
    spans = otel.genai()
    assert len(spans) == 2
    assert all(s.end_time is not None for s in spans)
    assert spans[0].attributes is not None
    assert spans[0].attributes["azure_inference.stream.outcome"] == "abandoned"


async def test_cancelled_async_stream_records_cancelled(otel: Otel, make: Factory) -> None:
    started = asyncio.Event()

    async def slow_body() -> object:
        yield body()[:40]
        started.set()
        await asyncio.sleep(30)
        yield b""

    server = Server(lambda r: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=slow_body()))
    client = make(False, server, model="gpt-4o", telemetry=True)

    async def consume() -> None:
        stream = await client.stream_chat([{"role": "user", "content": "hi"}])
        async with stream:
            async for _ in stream:
                pass

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert outcome(otel) == "cancelled"
    [span] = otel.genai()
    assert (span.attributes or {})["error.type"] == "CancelledError"


@pytest.mark.parametrize("sync", [True, False])
async def test_text_completion_stream(otel: Otel, make: Factory, sync: bool) -> None:
    pieces = sse(
        {"id": "t1", "model": "m", "choices": [{"index": 0, "text": "a", "finish_reason": None}]},
        {"id": "t1", "model": "m", "choices": [{"index": 0, "text": "b", "finish_reason": "stop"}], "usage": USAGE},
    )
    client = make(sync, streaming(pieces), model="m", telemetry=True)
    stream = await resolve(client.stream_complete("x"))
    await resolve(stream.get_final_response())
    [span] = otel.genai()
    assert span.name == "text_completion m"
    attrs = span.attributes or {}
    assert attrs["azure_inference.stream.outcome"] == "completed"
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
