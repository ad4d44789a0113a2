"""``responses`` / ``stream_responses`` against the emulator subprocess over loopback (issue 13), sync and async.

Both clients, each route shape (openai-v1, the Azure OpenAI deployment route), the stream, a tool call answered
with ``function_call_output`` after ``previous_response_id``, reasoning summaries, ``incomplete`` and the
model-inference refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from azure_inference import AsyncInferenceClient, InferenceClient, NotFoundError, RouteNotSupportedError
from azure_inference.emulator import EmulatorHandle

from .helpers import collect, final, resolve

pytestmark = pytest.mark.e2e
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
def clients(emu: EmulatorHandle) -> Iterator[Any]:
    made: list[Any] = []

    def build(sync: bool, **fields: Any) -> InferenceClient | AsyncInferenceClient:
        fields.setdefault("endpoint", emu.openai_v1)
        fields.setdefault("model", "gpt-4o-mini")
        client = (InferenceClient if sync else AsyncInferenceClient)(allow_no_credential=True, **fields)
        made.append(client)
        return client

    yield build
    for client in made:
        if isinstance(client, InferenceClient):
            client.close()


async def _close(client: Any) -> None:
    if isinstance(client, AsyncInferenceClient):
        await client.close()


@pytest.mark.parametrize("route", ["v1", "deployment"])
@pytest.mark.parametrize("sync", [True, False])
async def test_plain_and_streamed_answers_agree(emu: EmulatorHandle, clients: Any, sync: bool, route: str) -> None:
    fields = {"endpoint": emu.deployment("gpt-4o-mini"), "model": None} if route == "deployment" else {}
    client = clients(sync, **fields)
    whole = await resolve(client.responses("Otters hold hands. Why?"))
    assert whole.status == "completed"
    assert "Otters hold hands" in whole.output_text
    stream = await resolve(client.stream_responses("Otters hold hands. Why?"))
    deltas = await collect(stream)
    streamed = await final(stream)
    assert "".join(d.text for d in deltas) == streamed.output_text == whole.output_text
    assert streamed.usage is not None
    assert streamed.usage.output_tokens == whole.usage.output_tokens
    path = "/openai/responses" if route == "deployment" else "/openai/v1/responses"
    assert [r["path"] for r in emu.control.requests()][-2:] == [path, path]
    await _close(client)


@pytest.mark.parametrize("sync", [True, False])
async def test_a_tool_call_answered_after_previous_response_id(clients: Any, sync: bool) -> None:
    client = clients(sync)
    first = await resolve(client.responses("Weather in Oslo in C?", tools=[WEATHER], store=True))
    [call] = first.function_calls
    assert call.name == "get_weather"
    assert json.loads(call.arguments)["city"] == "Oslo"
    output = {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 4}'}
    second = await resolve(client.responses([output], tools=[WEATHER], previous_response_id=first.id))
    assert second.output_text == 'According to get_weather: {"temp_c": 4}'
    assert second.previous_response_id == first.id
    with pytest.raises(NotFoundError):
        await resolve(client.responses("hi", previous_response_id="resp_unknown"))
    await _close(client)


@pytest.mark.parametrize("sync", [True, False])
async def test_a_reasoning_summary_streams_and_sampling_fields_are_left_out(
    emu: EmulatorHandle, clients: Any, sync: bool
) -> None:
    client = clients(sync, model="o4-mini")
    # The emulator refuses temperature on reasoning models, as the service does: the known-model rules drop it.
    stream = await resolve(
        client.stream_responses("What is 2+2?", temperature=0.3, reasoning={"effort": "low", "summary": "auto"})
    )
    summary = "".join(d.reasoning for d in await collect(stream))
    whole = await final(stream)
    assert summary.startswith("The user asks: What is 2+2")
    assert whole.reasoning_summary == summary
    assert whole.usage is not None
    assert whole.usage.output_tokens_details.reasoning_tokens > 0
    assert stream.adaptations == ("left out temperature",)
    sent = emu.control.requests()[-1]["body"]
    assert "temperature" not in sent
    assert sent["reasoning"] == {"effort": "low", "summary": "auto"}
    await _close(client)


@pytest.mark.parametrize("sync", [True, False])
async def test_max_output_tokens_reports_incomplete(clients: Any, sync: bool) -> None:
    client = clients(sync)
    stream = await resolve(client.stream_responses("Tell me a long story about otters and rivers", max_output_tokens=4))
    deltas = await collect(stream)
    assert deltas[-1].incomplete_reason == "max_output_tokens"
    assert (await final(stream)).status == "incomplete"
    await _close(client)


@pytest.mark.parametrize("sync", [True, False])
async def test_model_inference_refuses_before_sending(emu: EmulatorHandle, clients: Any, sync: bool) -> None:
    client = clients(sync, endpoint=emu.endpoint)
    with pytest.raises(RouteNotSupportedError):
        await resolve(client.responses("hi"))
    assert emu.control.requests() == []
    await _close(client)
