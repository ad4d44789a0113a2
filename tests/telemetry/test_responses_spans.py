"""The Responses API's spans and token metrics (issue 13): operation ``responses``, its own usage names."""

from __future__ import annotations

import httpx
import pytest

from tests.transport.helpers import Factory
from tests.transport.responses_transcripts import TRANSCRIPT_II, expand
from tests.transport.test_responses_client import response_body

from ..transport.helpers import Server, collect, resolve
from .conftest import Otel

V1 = "https://r.openai.azure.com/openai/v1"


@pytest.mark.parametrize("sync", [True, False])
async def test_a_responses_span_reads_the_responses_usage_names(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(
        sync, Server(httpx.Response(200, json=response_body())), endpoint=V1, model="gpt-4o-mini", telemetry=True
    )
    await resolve(client.responses("Hi", max_output_tokens=30, temperature=0.5))
    [span] = otel.genai()
    attrs = dict(span.attributes or {})
    assert span.name == "responses gpt-4o-mini"
    assert attrs["gen_ai.operation.name"] == "responses"
    assert attrs["gen_ai.request.max_tokens"] == 30
    assert attrs["gen_ai.response.id"] == "resp_1"
    assert attrs["gen_ai.response.finish_reasons"] == ("completed",)
    assert (attrs["gen_ai.usage.input_tokens"], attrs["gen_ai.usage.output_tokens"]) == (5, 3)
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 2
    kinds = {p.attributes["gen_ai.token.type"]: p.sum for p in otel.points("gen_ai.client.token.usage")}
    assert kinds == {"input": 5, "output": 3}


@pytest.mark.parametrize("sync", [True, False])
async def test_a_streamed_responses_span_ends_with_the_folded_usage(otel: Otel, make: Factory, sync: bool) -> None:
    raw = expand(TRANSCRIPT_II, "resp_II")
    reply = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
    client = make(sync, Server(reply), endpoint=V1, model="o4-mini", telemetry=True)
    stream = await resolve(client.stream_responses("Weather in Oslo?"))
    await collect(stream)
    [span] = otel.genai()
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.request.stream"] is True
    assert attrs["azure_inference.stream.outcome"] == "completed"
    assert (attrs["gen_ai.usage.input_tokens"], attrs["gen_ai.usage.output_tokens"]) == (61, 25)
    assert attrs["gen_ai.usage.reasoning.output_tokens"] == 16
