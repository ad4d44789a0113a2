"""``responses`` / ``stream_responses`` on both clients (issue 13): routes, refusals, streams, shaping, sync and async.

Mocked at the transport (``httpx.MockTransport`` and the fake sender, via the ``make`` fixture); the streamed
bodies are the docs/wire.md §V1.3.4 transcripts (``responses_transcripts``) or events written after them.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from azure_inference import (
    InferenceError,
    InvalidRequestError,
    RateLimitError,
    ResponseDelta,
    RouteNotSupportedError,
    ServerError,
    StreamError,
)

from .helpers import Factory, Server, collect, final, resolve
from .responses_transcripts import TRANSCRIPT_I, TRANSCRIPT_II, events, expand

V1 = "https://r.openai.azure.com/openai/v1"


def response_body(text: str = "Hi!", **extra: Any) -> dict[str, Any]:
    """A minimal completed response (docs/wire.md §V1.3.2)."""
    body: dict[str, Any] = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": "completed",
        "model": "gpt-4o-mini",
        "output": [
            {
                "id": "msg_1",
                "type": "message",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": 5,
            "input_tokens_details": {"cached_tokens": 2},
            "output_tokens": 3,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 8,
        },
    }
    body.update(extra)
    return body


def answer(body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or response_body())


def streamed(raw: bytes) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)


def sse_events(*payloads: dict[str, Any]) -> bytes:
    return b"".join(f"event: {p['type']}\ndata: {json.dumps(p)}\n\n".encode() for p in payloads)


@pytest.mark.parametrize(
    ("fields", "url", "model"),
    [
        ({"endpoint": V1, "model": "gpt-4o-mini"}, f"{V1}/responses", "gpt-4o-mini"),
        # docs/wire.md §V1.1 "Legacy surface": beside /openai/deployments, the deployment named in the body.
        (
            {"endpoint": "https://r.openai.azure.com/openai/deployments/my-dep"},
            "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
            "my-dep",
        ),
        (
            {"endpoint": "https://r.openai.azure.com", "model": "my-dep", "api_version": "2025-04-01-preview"},
            "https://r.openai.azure.com/openai/responses?api-version=2025-04-01-preview",
            "my-dep",
        ),
        ({"endpoint": "http://127.0.0.1:8080/v1", "model": "qwen"}, "http://127.0.0.1:8080/v1/responses", "qwen"),
    ],
)
@pytest.mark.parametrize("sync", [True, False])
async def test_each_surface_sends_to_its_responses_route(
    make: Factory, sync: bool, fields: dict[str, Any], url: str, model: str
) -> None:
    server = Server(answer())
    client = make(sync, server, **fields)
    result = await resolve(client.responses("Hi", max_output_tokens=40, store=False, previous_response_id="resp_0"))
    assert str(server.last.url) == url
    assert server.body() == {
        "input": "Hi",
        "model": model,
        "max_output_tokens": 40,
        "store": False,
        "previous_response_id": "resp_0",
    }
    assert result.output_text == "Hi!"
    assert result.usage is not None
    assert result.usage.input_tokens_details.cached_tokens == 2


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("sync", [True, False])
async def test_model_inference_has_no_responses_route_and_nothing_is_sent(
    make: Factory, sync: bool, stream: bool
) -> None:
    server = Server(answer())
    client = make(sync, server)  # the helpers' default endpoint is a model-inference one
    call = client.stream_responses if stream else client.responses
    with pytest.raises(RouteNotSupportedError, match=r"no Responses API.*Fix"):
        await resolve(call("Hi"))
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
async def test_unknown_and_bad_arguments_are_refused_before_sending(make: Factory, sync: bool) -> None:
    server = Server(answer())
    client = make(sync, server, endpoint=V1, model="m")
    with pytest.raises(InvalidRequestError, match=r"unknown parameter 'max_output_token'.*'max_output_tokens'"):
        await resolve(client.responses("Hi", max_output_token=5))  # type: ignore[call-arg]
    with pytest.raises(InvalidRequestError, match="reasoning must be a dict with 'effort'"):
        await resolve(client.responses("Hi", reasoning={"efort": "low"}))
    with pytest.raises(InvalidRequestError, match="input is an empty string"):
        await resolve(client.responses(""))
    with pytest.raises(InvalidRequestError, match="input item 0"):
        await resolve(client.responses(["hello"]))
    with pytest.raises(InvalidRequestError, match="without a 'name'"):
        await resolve(client.responses("Hi", tools=[{"type": "function", "parameters": {}}]))
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
async def test_tools_in_the_chat_shape_are_flattened_and_extra_body_travels(make: Factory, sync: bool) -> None:
    server = Server(answer())
    client = make(sync, server, endpoint=V1, model="m")
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    await resolve(client.responses([{"role": "user", "content": "Hi"}], tools=[tool], extra_body={"x_k": 1}))
    body = server.body()
    assert body["tools"] == [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]
    assert body["x_k"] == 1
    assert body["input"] == [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize("sync", [True, False])
async def test_a_known_reasoning_model_gets_no_sampling_fields_and_keeps_its_reasoning(
    make: Factory, sync: bool
) -> None:
    server = Server(answer(response_body(model="o4-mini")))
    client = make(sync, server, endpoint=V1, model="o4-mini")
    result = await resolve(
        client.responses("Hi", temperature=0.2, top_p=0.5, reasoning={"effort": "low", "summary": "auto"})
    )
    body = server.body()
    assert "temperature" not in body
    assert "top_p" not in body
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert "reasoning_effort" not in body
    assert set(result.adaptations) == {"left out temperature", "left out top_p"}
    with pytest.raises(InvalidRequestError, match="reasoning_effort='extreme' is not accepted"):
        await resolve(client.responses("Hi", reasoning={"effort": "extreme"}))


def refusing_top_p(request: httpx.Request) -> httpx.Response:
    """A deployment the table does not know that refuses top_p (docs/wire.md §V1.2.2 refusal body)."""
    if "top_p" in json.loads(request.content):
        error = {"message": "Unsupported parameter: 'top_p' is not supported with this model.", "param": "top_p"}
        return httpx.Response(400, json={"error": {**error, "code": "unsupported_parameter"}})
    return answer()


@pytest.mark.parametrize("sync", [True, False])
async def test_a_refused_field_is_dropped_once_and_remembered(make: Factory, sync: bool) -> None:
    server = Server(refusing_top_p)
    client = make(sync, server, endpoint=V1, model="my-reasoner")
    first = await resolve(client.responses("Hi", top_p=0.3))
    assert first.adaptations == ("left out top_p",)
    assert len(server.requests) == 2
    second = await resolve(client.responses("Hi", top_p=0.3))
    assert len(server.requests) == 3  # shaped before sending this time
    assert "top_p" not in server.body()
    assert second.output_text == "Hi!"


@pytest.mark.parametrize("sync", [True, False])
async def test_a_failed_response_raises_its_typed_error(make: Factory, sync: bool) -> None:
    failed = response_body(status="failed", output=[], error={"code": "server_error", "message": "boom"})
    client = make(sync, Server(answer(failed)), endpoint=V1, model="m")
    with pytest.raises(ServerError, match="boom"):
        await resolve(client.responses("Hi"))


@pytest.mark.parametrize("sync", [True, False])
async def test_a_stream_yields_what_each_event_added_and_folds_the_whole(make: Factory, sync: bool) -> None:
    server = Server(streamed(expand(TRANSCRIPT_I, "resp_I")))
    client = make(sync, server, endpoint=V1, model="o4-mini")
    stream = await resolve(client.stream_responses("What is 2+2?", reasoning={"effort": "low", "summary": "auto"}))
    deltas = await collect(stream)
    assert server.body()["stream"] is True
    assert server.last.headers["accept"] == "text/event-stream"
    assert all(isinstance(d, ResponseDelta) for d in deltas)
    assert "".join(d.text for d in deltas) == "2 + 2 = 4."
    assert "".join(d.reasoning for d in deltas).startswith("**Simple sum**")
    assert deltas[-1].finished
    assert deltas[-1].status == "completed"
    whole = await final(stream)
    assert whole.output_text == "2 + 2 = 4."
    assert whole.reasoning_summary == "**Simple sum**\n\nAdding two and two."
    assert stream.closed


@pytest.mark.parametrize("sync", [True, False])
async def test_a_streamed_function_call_carries_its_ids_on_every_argument_delta(make: Factory, sync: bool) -> None:
    client = make(sync, Server(streamed(expand(TRANSCRIPT_II, "resp_II"))), endpoint=V1, model="o4-mini")
    stream = await resolve(client.stream_responses("Weather in Oslo?"))
    args = [d for d in await collect(stream) if d.arguments]
    assert [(d.call_id, d.name) for d in args] == [("call_Q7x", "get_weather")] * len(args)
    whole = await final(stream)
    assert [(c.call_id, c.arguments) for c in whole.function_calls] == [("call_Q7x", '{"city":"Oslo"}')]
    assert whole.usage is not None
    assert whole.usage.output_tokens_details.reasoning_tokens == 16


@pytest.mark.parametrize("sync", [True, False])
async def test_a_cut_stream_raises_stream_error(make: Factory, sync: bool) -> None:
    cut = b"".join(events(TRANSCRIPT_I, "resp_I")[:-1])  # no response.completed
    client = make(sync, Server(streamed(cut)), endpoint=V1, model="m")
    stream = await resolve(client.stream_responses("Hi"))
    with pytest.raises(StreamError, match=r"ended early: no response.completed"):
        await final(stream)
    assert stream.closed


@pytest.mark.parametrize("sync", [True, False])
async def test_response_failed_mid_stream_raises_a_typed_error(make: Factory, sync: bool) -> None:
    head = events(TRANSCRIPT_I, "resp_I")[:2]
    failed = {
        "type": "response.failed",
        "sequence_number": 2,
        "response": response_body(status="failed", output=[], error={"code": "rate_limit_exceeded", "message": "slow"}),
    }
    client = make(sync, Server(streamed(b"".join(head) + sse_events(failed))), endpoint=V1, model="m")
    stream = await resolve(client.stream_responses("Hi"))
    with pytest.raises(RateLimitError, match="slow"):
        await collect(stream)


@pytest.mark.parametrize("sync", [True, False])
async def test_an_incomplete_stream_is_reported_with_its_reason(make: Factory, sync: bool) -> None:
    base = response_body(status="in_progress", output=[], usage=None)
    body = sse_events(
        {"type": "response.created", "sequence_number": 0, "response": base},
        {
            "type": "response.output_text.delta",
            "sequence_number": 1,
            "item_id": "msg_1",
            "output_index": 0,
            "content_index": 0,
            "delta": "Once upon",
        },
        {
            "type": "response.incomplete",
            "sequence_number": 2,
            "response": {
                **base,
                "status": "incomplete",
                "incomplete_details": {"reason": "max_output_tokens"},
            },
        },
    )
    client = make(sync, Server(streamed(body)), endpoint=V1, model="m")
    stream = await resolve(client.stream_responses("Tell a story", max_output_tokens=16))
    deltas = await collect(stream)
    assert deltas[-1].finished
    assert deltas[-1].incomplete_reason == "max_output_tokens"
    whole = await final(stream)
    assert whole.status == "incomplete"
    assert whole.incomplete_details is not None
    assert whole.incomplete_details.reason == "max_output_tokens"
    assert whole.output_text == "Once upon"


@pytest.mark.parametrize("sync", [True, False])
async def test_reasoning_is_left_out_for_a_model_without_reasoning(make: Factory, sync: bool) -> None:
    server = Server(answer())
    client = make(sync, server, endpoint=V1, model="gpt-4o-mini")
    result = await resolve(client.responses("Hi", reasoning={"effort": "low"}, temperature=0.5))
    assert "reasoning" not in server.body()
    assert "reasoning_effort" not in server.body()
    assert server.body()["temperature"] == 0.5
    assert result.adaptations == ("left out reasoning",)


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("kind", ["failed", "error", "malformed"])
async def test_a_key_echoed_in_a_responses_stream_error_is_redacted(make: Factory, sync: bool, kind: str) -> None:
    key = "sk-echoed-secret-0123456789"
    head = b"".join(events(TRANSCRIPT_I, "resp_I")[:2])
    said = f"invalid key {key} for this resource"
    if kind == "failed":
        failed = response_body(status="failed", output=[], error={"code": "server_error", "message": said})
        tail = sse_events({"type": "response.failed", "sequence_number": 2, "response": failed})
    elif kind == "error":
        tail = sse_events({"type": "error", "sequence_number": 2, "code": "server_error", "message": said})
    else:
        tail = f'data: {{"type": "response.output_text.delta", "delta": {said!r}}}\n\n'.encode()
    client = make(sync, Server(streamed(head + tail)), endpoint=V1, model="m", credential=key)
    stream = await resolve(client.stream_responses("Hi"))
    with pytest.raises(InferenceError) as caught:
        await collect(stream)
    assert key not in str(caught.value)
    assert key[:12] not in repr(caught.value.args)
    assert key not in str(getattr(caught.value, "body", "") or "")
