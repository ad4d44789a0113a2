"""The official ``openai`` SDK's Responses API works against the emulator unchanged (``base_url`` at /openai/v1)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import openai
import pytest

from azure_inference.emulator import EmulatorHandle

pytestmark = pytest.mark.e2e
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
    "strict": True,
}


@pytest.fixture
def client(emu: EmulatorHandle) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=emu.openai_v1, api_key="any-key", max_retries=0) as c:
        yield c


def test_create_text(client: openai.OpenAI, emu: EmulatorHandle) -> None:
    response = client.responses.create(model="gpt-4o-mini", input="Tell me about otters", instructions="Be brief.")
    assert response.status == "completed"
    assert "otters" in response.output_text
    assert response.usage is not None
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    sent = emu.control.requests()[-1]
    assert sent["path"] == "/openai/v1/responses"


def test_create_tools_then_the_function_call_output(client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-4o-mini", input="Weather in Oslo?", tools=[WEATHER])  # type: ignore[list-item]
    [call] = [item for item in first.output if item.type == "function_call"]
    jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])
    second = client.responses.create(
        model="gpt-4o-mini",
        previous_response_id=first.id,
        tools=[WEATHER],  # type: ignore[list-item]
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 4}'}],
    )
    assert second.output_text == 'According to get_weather: {"temp_c": 4}'


def test_create_reasoning_summary(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="o4-mini", input="What is 2+2?", reasoning={"effort": "low", "summary": "auto"}
    )
    reasoning = [item for item in response.output if item.type == "reasoning"]
    assert reasoning[0].summary[0].text.startswith("The user asks")
    assert response.usage is not None
    assert response.usage.output_tokens_details.reasoning_tokens > 0


def test_stream_helper_gives_the_same_response_as_create(client: openai.OpenAI) -> None:
    kwargs = {"model": "o4-mini", "input": "What is 2+2?", "reasoning": {"effort": "low", "summary": "auto"}}
    with client.responses.stream(**kwargs) as stream:  # type: ignore[call-overload]
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    whole = client.responses.create(**kwargs)  # type: ignore[call-overload]
    assert kinds[0] == "response.created"
    assert kinds[-1] == "response.completed"
    assert "response.reasoning_summary_text.delta" in kinds
    assert final.output_text == whole.output_text
    assert [i.type for i in final.output] == [i.type for i in whole.output]


def test_create_stream_true_events_and_a_stream_error(client: openai.OpenAI, emu: EmulatorHandle) -> None:
    events = list(client.responses.create(model="gpt-4o-mini", input="Weather in Oslo?", tools=[WEATHER], stream=True))  # type: ignore[list-item]
    args = "".join(ev.delta for ev in events if ev.type == "response.function_call_arguments.delta")
    assert json.loads(args) == {"city": "Oslo"}
    emu.control.queue_fault("stream_error", after_chunks=3)
    events = list(client.responses.create(model="gpt-4o-mini", input="hello", stream=True))
    assert events[-1].type == "error"
    assert events[-1].code == "server_error"


def test_unknown_previous_response_is_not_found(client: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4o-mini", input="hi", previous_response_id="resp_missing")
