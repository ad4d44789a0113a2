"""One GenAI span per call, with the convention's attributes; errors, retries, propagation, content capture."""

from __future__ import annotations

import json

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from azure_inference import Deployment, RateLimitError
from tests.transport.helpers import Factory

from ..transport.helpers import KEY, Server, chat_body, resolve
from .conftest import Otel, as_json

CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"


def usage_body() -> dict[str, object]:
    return chat_body(
        "Paris.",
        id="chatcmpl-42",
        model="gpt-4o-2024-08-06",
        usage={
            "prompt_tokens": 11,
            "completion_tokens": 7,
            "total_tokens": 18,
            "prompt_tokens_details": {"cached_tokens": 4},
            "completion_tokens_details": {"reasoning_tokens": 5},
        },
    )


@pytest.mark.parametrize("sync", [True, False])
async def test_chat_span_attributes(otel: Otel, make: Factory, sync: bool) -> None:
    server = Server(httpx.Response(200, json=usage_body()))
    client = make(sync, server, model="gpt-4o", telemetry=True)
    await resolve(
        client.chat(
            [{"role": "user", "content": "Capital of France?"}],
            temperature=0.2,
            max_tokens=50,
            top_p=0.9,
            stop=["END"],
            seed=3,
        )
    )
    [span] = otel.genai()
    assert span.name == "chat gpt-4o"
    assert span.kind is SpanKind.CLIENT
    attrs = dict(span.attributes or {})
    assert attrs == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.inference",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.seed": 3,
        "gen_ai.request.stop_sequences": ("END",),
        "server.address": "res.services.ai.azure.com",
        "server.port": 443,
        "gen_ai.response.id": "chatcmpl-42",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 11,
        "gen_ai.usage.output_tokens": 7,
        "gen_ai.usage.cache_read.input_tokens": 4,
        "gen_ai.usage.reasoning.output_tokens": 5,
    }
    assert span.status.status_code is StatusCode.UNSET


@pytest.mark.parametrize("sync", [True, False])
async def test_embeddings_and_text_completion_spans(otel: Otel, make: Factory, sync: bool) -> None:
    completion = {
        "id": "cmpl-7",
        "object": "text_completion",
        "model": "davinci",
        "choices": [{"index": 0, "text": "lo", "finish_reason": "length"}],
        "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3},
    }
    embeddings = {
        "object": "list",
        "model": "emb-1",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}],
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    server = Server(lambda r: httpx.Response(200, json=embeddings if "embeddings" in r.url.path else completion))
    client = make(sync, server, endpoint="https://x.openai.azure.com/openai/v1", model="m1", telemetry=True)
    await resolve(client.complete("hel", max_tokens=1))
    await resolve(client.embed(["a"], dimensions=2, encoding_format="float"))
    comp, emb = otel.genai()
    assert comp.name == "text_completion m1"
    assert comp.attributes is not None
    assert emb.attributes is not None
    assert comp.attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert comp.attributes["gen_ai.response.finish_reasons"] == ("length",)
    assert comp.attributes["gen_ai.usage.output_tokens"] == 1
    assert emb.name == "embeddings m1"
    assert emb.attributes["gen_ai.operation.name"] == "embeddings"
    assert emb.attributes["gen_ai.embeddings.dimension.count"] == 2
    assert emb.attributes["gen_ai.request.encoding_formats"] == ("float",)
    assert emb.attributes["gen_ai.usage.input_tokens"] == 4
    assert "gen_ai.usage.output_tokens" not in emb.attributes


async def test_deployment_defaults_count_as_request_parameters(otel: Otel, make: Factory) -> None:
    server = Server()
    client = make(True, server, model="gpt-4o", telemetry=True, model_params={"temperature": 0.7, "top_p": 0.5})
    client.chat([{"role": "user", "content": "hi"}], top_p=0.9, max_tokens=None)
    [span] = otel.genai()
    attrs = span.attributes or {}
    assert (attrs["gen_ai.request.temperature"], attrs["gen_ai.request.top_p"]) == (0.7, 0.9)
    assert (server.body()["temperature"], server.body()["top_p"]) == (0.7, 0.9)  # what was really sent
    assert "gen_ai.request.max_tokens" not in attrs


@pytest.mark.parametrize("sync", [True, False])
async def test_error_sets_error_type_and_status(otel: Otel, make: Factory, sync: bool) -> None:
    server = Server(httpx.Response(429, json={"error": {"code": "429", "message": "slow down"}}))
    client = make(sync, server, model="gpt-4o", telemetry=True, max_retries=0)
    with pytest.raises(RateLimitError):
        await resolve(client.chat([{"role": "user", "content": "hi"}]))
    [span] = otel.genai()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "RateLimitError"
    assert span.status.status_code is StatusCode.ERROR
    assert [e.name for e in span.events] == ["exception"]
    [point] = otel.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == "RateLimitError"


@pytest.mark.parametrize("sync", [True, False])
async def test_retries_are_span_events(otel: Otel, make: Factory, sync: bool) -> None:
    busy = httpx.Response(503, headers={"retry-after-ms": "250"}, json={"error": {"message": "busy"}})
    server = Server(busy, busy, httpx.Response(200, json=chat_body()))
    client = make(sync, server, model="gpt-4o", telemetry=True, max_retries=2)
    await resolve(client.chat([{"role": "user", "content": "hi"}]))
    [span] = otel.genai()
    retries = [e for e in span.events if e.name == "azure_inference.retry"]
    assert [dict(e.attributes or {}) for e in retries] == [
        {
            "azure_inference.retry.attempt": n,
            "azure_inference.retry.delay_s": 0.25,
            "error.type": "ServerError",
            "http.response.status_code": 503,
        }
        for n in (1, 2)
    ]
    assert span.status.status_code is StatusCode.UNSET
    # The three attempts carry the same traceparent: the one span's context.
    ctx = span.get_span_context()
    expected = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"
    assert [r.headers["traceparent"] for r in server.requests] == [expected] * 3


@pytest.mark.parametrize("sync", [True, False])
async def test_span_nests_under_the_current_span(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(sync, Server(), model="gpt-4o", telemetry=True)
    with trace.get_tracer("test").start_as_current_span("pipeline") as parent:
        await resolve(client.chat([{"role": "user", "content": "hi"}]))
    [span] = otel.genai()
    assert span.parent is not None
    assert span.parent.span_id == parent.get_span_context().span_id
    assert span.context is not None
    assert span.context.trace_id == parent.get_span_context().trace_id


@pytest.mark.parametrize("sync", [True, False])
async def test_telemetry_off_sends_no_traceparent_and_records_nothing(otel: Otel, make: Factory, sync: bool) -> None:
    server = Server()
    client = make(sync, server, model="gpt-4o")
    with trace.get_tracer("test").start_as_current_span("pipeline"):
        await resolve(client.chat([{"role": "user", "content": "hi"}]))
    assert otel.genai() == []
    assert "traceparent" not in server.last.headers
    assert otel.points("gen_ai.client.operation.duration") == []


@pytest.mark.parametrize("capture", [True, False])
async def test_content_capture_is_opt_in(
    otel: Otel, make: Factory, monkeypatch: pytest.MonkeyPatch, capture: bool
) -> None:
    monkeypatch.setenv(CAPTURE, "true" if capture else "false")
    answer = chat_body("x" * 50)
    answer["choices"][0]["message"]["tool_calls"] = [
        {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "y"}'}}
    ]
    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Hi " * 10},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            ],
        },
    ]
    monkeypatch.setenv("AZURE_INFERENCE_TELEMETRY_MAX_CONTENT", "12")
    client = make(True, Server(httpx.Response(200, json=answer)), model="gpt-4o", telemetry=True)
    client.chat(messages)
    [span] = otel.genai()
    attrs = span.attributes or {}
    if not capture:
        assert "gen_ai.input.messages" not in attrs
        assert "gen_ai.output.messages" not in attrs
        assert "Be brief" not in otel.dump()
        return
    assert as_json(attrs["gen_ai.input.messages"]) == [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
        {
            "role": "user",
            "parts": [{"type": "text", "content": "Hi Hi Hi Hi …[18 more characters]"}, {"type": "image_url"}],
        },
    ]
    assert as_json(attrs["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "finish_reason": "stop",
            "parts": [
                {"type": "text", "content": "xxxxxxxxxxxx…[38 more characters]"},
                {"type": "tool_call", "id": "call_1", "name": "lookup", "arguments": '{"q": "y"}'},
            ],
        }
    ]
    assert "AAAA" not in otel.dump()  # image bytes are never recorded


@pytest.mark.parametrize("sync", [True, False])
async def test_no_credential_anywhere_in_exported_data(
    otel: Otel, make: Factory, monkeypatch: pytest.MonkeyPatch, sync: bool
) -> None:
    monkeypatch.setenv(CAPTURE, "true")
    gateway = "gw-secret-987654321"
    server = Server(
        httpx.Response(503, json={}),
        httpx.Response(200, json=chat_body()),
        httpx.Response(401, json={"error": {"message": "bad key"}}),
    )
    client = make(sync, server, model="gpt-4o", telemetry=True, headers={"Ocp-Apim-Subscription-Key": gateway})
    await resolve(client.chat([{"role": "user", "content": "hi"}]))
    with pytest.raises(Exception):  # noqa: B017, PT011 - any error: what matters is what was exported
        await resolve(client.chat([{"role": "user", "content": "again"}]))
    dump = otel.dump()
    assert len(otel.genai()) == 2
    assert "again" in dump  # content capture was on, so the check covers captured content too
    assert KEY not in dump
    assert gateway not in dump
    assert server.requests[0].headers["api-key"] == KEY  # the key was really sent: the check is meaningful


def test_deployment_field_profile_and_environment(
    otel: Otel, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from pathlib import Path

    from azure_inference import InferenceClient

    def on(**kw: object) -> bool:
        return InferenceClient(endpoint="http://127.0.0.1:9/models", **kw)._telemetry is not None

    assert not on()
    assert on(telemetry=True)
    monkeypatch.setenv("AZURE_INFERENCE_TELEMETRY", "1")
    assert on()
    assert not on(telemetry=False)  # an explicit False wins over the environment
    monkeypatch.setenv("AZURE_INFERENCE_TELEMETRY", "maybe")
    with pytest.raises(Exception, match="AZURE_INFERENCE_TELEMETRY='maybe' is not a switch"):
        on()
    monkeypatch.delenv("AZURE_INFERENCE_TELEMETRY")
    profile = Path(str(tmp_path)) / "p.toml"
    profile.write_text('[profiles.dev]\nendpoint = "http://127.0.0.1:9/models"\ntelemetry = true\n')
    assert Deployment.from_profile("dev", path=profile).telemetry is True
    assert InferenceClient(Deployment.from_profile("dev", path=profile))._telemetry is not None
    assert json.dumps(Deployment.from_profile("dev", path=profile).telemetry) == "true"


@pytest.mark.parametrize("sync", [True, False])
async def test_waits_for_the_quota_budget_are_span_events(otel: Otel, make: Factory, sync: bool) -> None:
    from azure_inference.budget import Budget, Limits, LocalStore

    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    async def async_sleep(seconds: float) -> None:
        now[0] += seconds

    budget = Budget("k", Limits(600), LocalStore(clock=lambda: now[0]), sleep=sleep, async_sleep=async_sleep)
    spent = httpx.Response(200, headers={"x-ratelimit-remaining-tokens": "0"}, json=chat_body())
    client = make(sync, Server(spent), model="gpt-4o", telemetry=True, budget=budget)
    prompt = [{"role": "user", "content": "x" * 40}]  # 10 tokens
    await resolve(client.chat(prompt))  # the service says nothing is left
    await resolve(client.chat(prompt))  # so this one waits 10 tokens at 10 tokens/s
    first, second = otel.genai()
    assert [e.name for e in first.events] == []
    [event] = [e for e in second.events if e.name == "azure_inference.budget.wait"]
    attrs = dict(event.attributes or {})
    assert attrs["azure_inference.budget.tokens"] == 10
    assert attrs["azure_inference.budget.wait_s"] == pytest.approx(1.0, abs=0.01)
