"""Scripted mode, the request log and every fault kind, seen from a real client over loopback."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from emu_helpers import Emu, fold_content, sse_events

from azure_inference.emulator import Fault

pytestmark = pytest.mark.e2e
MSGS = [{"role": "user", "content": "Tell me a long story about otters and rivers"}]


def _chat(e: Emu, **body: object) -> httpx.Response:
    return e.post("/models/chat/completions", {"messages": MSGS, **body})


def test_scripted_replies_are_fifo_and_exact(e: Emu) -> None:
    e.control.queue_chat("first")
    e.control.queue_chat(
        tool_calls=[{"name": "lookup", "arguments": {"q": "x"}, "id": "call_1"}],
        reasoning_content="thinking",
        usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    )
    assert len(e.control.script()) == 2
    assert _chat(e).json()["choices"][0]["message"]["content"] == "first"
    body = _chat(e).json()
    msg = body["choices"][0]["message"]
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert msg["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
    ]
    assert msg["reasoning_content"] == "thinking"
    assert body["usage"]["total_tokens"] == 3
    assert _chat(e).json()["choices"][0]["message"]["content"] != "first"  # back to deterministic
    assert e.control.script() == []


def test_scripted_reply_streams_and_filters_by_model_and_route(e: Emu) -> None:
    e.control.queue_chat("only for mistral", model="Mistral-small")
    e.control.queue_chat("only completions", route="completions")
    assert _chat(e).json()["choices"][0]["message"]["content"] != "only for mistral"
    events, done = sse_events(_chat(e, model="Mistral-small", stream=True))
    assert done
    assert fold_content(events) == "only for mistral"
    r = e.post("/models/completions", {"prompt": "x"})
    assert r.json()["choices"][0]["text"] == "only completions"


def test_scripted_error_and_times(e: Emu) -> None:
    e.control.queue_error(429, headers={"Retry-After": "1"}, times=2)
    e.control.queue_error(400, body={"error": {"code": "custom", "message": "m"}, "extra": 1})
    for _ in range(2):
        r = _chat(e)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert r.json()["error"]["code"] == "RateLimitExceeded"
        assert r.headers["x-ms-error-code"] == "RateLimitExceeded"
    r = _chat(e)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": "custom", "message": "m"}, "extra": 1}
    assert _chat(e).status_code == 200


def test_invalid_script_is_rejected(e: Emu) -> None:
    with pytest.raises(ValueError, match="400"):
        e.control.queue({"status": 429, "bogus": 1})
    with pytest.raises(ValueError, match="unknown fault kind"):
        e.control.queue({"fault": {"kind": "explode"}})
    with pytest.raises(ValueError, match="html faults"):
        Fault(kind="html", status=404)


def test_request_log_records_what_was_sent(e: Emu) -> None:
    _chat(e, temperature=0.2)
    e.http.get(
        e.handle.endpoint + "/info",
        params={"api-version": "2025-05-01"},
        headers={"api-key": "s3cret", "x-ms-client-request-id": "abc"},
    )
    log = e.control.requests()
    assert [r["path"] for r in log] == ["/models/chat/completions", "/models/info"]
    assert log[0]["method"] == "POST"
    assert log[0]["body"]["temperature"] == 0.2
    assert log[0]["query"] == "api-version=2025-05-01"
    assert log[1]["headers"]["api-key"] == "***"
    assert log[1]["headers"]["x-ms-client-request-id"] == "abc"
    assert log[1]["timestamp"] >= log[0]["timestamp"]
    assert [r["path"] for r in e.control.requests(path="info")] == ["/models/info"]
    e.control.clear_requests()
    assert e.control.requests() == []


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry_after": 2}, {"retry-after": "2"}),
        ({"retry_after_ms": 1500}, {"retry-after-ms": "1500"}),
        ({}, {}),
    ],
)
def test_429_fault_headers(e: Emu, headers: dict[str, int], expected: dict[str, str]) -> None:
    e.control.set_faults([Fault(kind="status", status=429, times=1, **headers)])  # type: ignore[arg-type]
    r = _chat(e)
    assert r.status_code == 429
    assert {k: v for k, v in r.headers.items() if k in ("retry-after", "retry-after-ms")} == expected
    assert _chat(e).status_code == 200  # times=1 used up


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_faults_filtered_by_route(e: Emu, status: int) -> None:
    e.control.set_faults([{"kind": "status", "status": status, "route": "embeddings"}])
    assert _chat(e).status_code == 200
    for _ in range(2):  # times unset: every matching request
        r = e.post("/models/embeddings", {"input": ["x"]})
        assert r.status_code == status
        assert "code" in r.json()["error"]
    e.control.clear_faults()
    assert e.post("/models/embeddings", {"input": ["x"]}).status_code == 200


def test_latency_fault(e: Emu) -> None:
    e.control.queue_fault("latency", latency_ms=300)
    t0 = time.monotonic()
    assert _chat(e).status_code == 200
    assert time.monotonic() - t0 >= 0.3
    log = e.control.requests()
    assert len(log) == 1


def test_drop_connection_gives_connection_error(e: Emu) -> None:
    e.control.queue_fault("drop")
    with pytest.raises(httpx.TransportError):
        _chat(e)
    assert _chat(e).status_code == 200  # the next request is fine


def test_stream_cut_without_done(e: Emu) -> None:
    e.control.queue_fault("stream_cut", after_chunks=3)
    events, done = sse_events(_chat(e, stream=True))
    assert not done
    assert len(events) == 3
    assert all(ev["choices"][0]["finish_reason"] is None for ev in events)


def test_stream_reset_is_incomplete_body(e: Emu) -> None:
    e.control.queue_fault("stream_reset", after_chunks=2)
    with pytest.raises(httpx.RemoteProtocolError):
        _chat(e, stream=True)


def test_malformed_chunk_then_rest(e: Emu) -> None:
    e.control.queue_fault("malformed_chunk", after_chunks=1)
    r = _chat(e, stream=True)
    lines = [ln for ln in r.text.split("\n\n") if ln]
    assert lines[1].startswith('data: {"id"')
    assert not lines[1].endswith("}")
    assert lines[-1] == "data: [DONE]"


def test_error_event_inside_stream(e: Emu) -> None:
    e.control.queue_fault("stream_error", after_chunks=2, message="boom")
    events, done = sse_events(_chat(e, stream=True))
    assert not done
    assert events[-1] == {"error": {"code": "server_error", "message": "boom"}}


@pytest.mark.parametrize("status", [200, 502])
def test_html_body(e: Emu, status: int) -> None:
    e.control.queue_fault("html", status=status)
    r = _chat(e)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.startswith("<!DOCTYPE html>")


def test_malformed_json_body(e: Emu) -> None:
    e.control.queue_fault("malformed_json")
    r = _chat(e)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()


def test_nested_embedding(e: Emu) -> None:
    e.control.queue_fault("nested_embedding", route="embeddings")
    emb = e.post("/models/embeddings", {"input": ["x"]}).json()["data"][0]["embedding"]
    assert isinstance(emb[0], list)
    assert len(emb[0]) == 1536


def test_fault_for_one_model_only(e: Emu) -> None:
    e.control.set_faults([{"kind": "status", "status": 503, "model": "DeepSeek-R1", "times": 5}])
    assert _chat(e).status_code == 200
    assert _chat(e, model="DeepSeek-R1").status_code == 503
    assert e.control.reset() is None
    assert _chat(e, model="DeepSeek-R1").status_code == 200  # reset restores startup faults (none)


def test_slow_stream_chunk_delay(e: Emu) -> None:
    e.control.queue_fault("latency", chunk_delay_ms=40)
    t0 = time.monotonic()
    events, done = sse_events(_chat(e, stream=True))
    assert done
    assert time.monotonic() - t0 >= 0.04 * len(events)  # one pause before each chunk


async def test_async_control_client(e: Emu) -> None:
    from azure_inference.emulator import AsyncEmulatorControl

    async with AsyncEmulatorControl(e.handle.url) as control:
        await control.queue_chat("from async", times=1)
        await control.queue_error(503, route="embeddings")
        await control.set_faults([{"kind": "status", "status": 429, "model": "Mistral-small", "times": 1}])
        async with httpx.AsyncClient(base_url=e.handle.endpoint, params={"api-version": "2025-05-01"}) as client:
            r = await client.post("/chat/completions", json={"messages": MSGS})
            assert r.json()["choices"][0]["message"]["content"] == "from async"
            assert (await client.post("/embeddings", json={"input": ["x"]})).status_code == 503
            r = await client.post("/chat/completions", json={"messages": MSGS, "model": "Mistral-small"})
            assert r.status_code == 429
        assert [r["path"] for r in await control.requests()][-1] == "/models/chat/completions"
        assert (await control.health())["internal_errors"] == 0
        await control.reset()
        assert await control.requests() == []
