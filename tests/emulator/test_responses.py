"""The emulator's Responses API over loopback (docs/wire.md §V1.3): answers, streams, state, strict rules, faults.

Every response and every event is checked against the v1 OpenAPI schema of its type, and every stream is folded
by the transport's own fold (``responses_stream``) and compared with the same request answered whole.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from emu_helpers import Emu

from azure_inference.emulator.v1spec import v1_event_errors, v1_response_errors
from azure_inference.errors import ServerError, StreamError
from azure_inference.responses_stream import ResponsesStreamParser

pytestmark = pytest.mark.e2e
V1 = "/openai/v1/responses"
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


def create(e: Emu, body: dict[str, Any], path: str = V1, api_version: str | None = None) -> dict[str, Any]:
    r = e.post(path, body, api_version=api_version)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    assert [err.message for err in v1_response_errors(data)] == []
    return data


def stream(e: Emu, body: dict[str, Any]) -> tuple[list[dict[str, Any]], bytes]:
    r = e.post(V1, {**body, "stream": True}, api_version=None)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [json.loads(line[6:]) for line in r.text.splitlines() if line.startswith("data: ")]
    for event in events:
        assert [err.message for err in v1_event_errors(event)] == [], event["type"]
    return events, r.content


def folded(raw: bytes) -> dict[str, Any]:
    parser = ResponsesStreamParser()
    parser.feed(raw)
    parser.end()
    return parser.accumulator.result().model_dump(exclude_none=True)


def comparable(response: dict[str, Any]) -> dict[str, Any]:
    """The parts of a response that do not depend on when or under which id it was made."""
    return {"status": response["status"], "output": response["output"], "usage": response.get("usage")}


def test_text_answer_is_grounded_as_on_chat(e: Emu) -> None:
    data = create(e, {"model": "gpt-4o-mini", "input": "Otters hold hands while sleeping. Why do otters hold hands?"})
    [message] = data["output"]
    assert message["type"] == "message"
    assert message["content"][0]["text"] == "Otters hold hands while sleeping."
    usage = data["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert data["status"] == "completed"


def test_reasoning_summary_only_when_asked_and_reasoning_tokens_counted(e: Emu) -> None:
    asked = create(e, {"model": "o4-mini", "input": "What is 2+2?", "reasoning": {"effort": "low", "summary": "auto"}})
    reasoning, message = asked["output"]
    assert reasoning["type"] == "reasoning"
    assert reasoning["summary"][0]["text"].startswith("The user asks: What is 2+2")
    assert message["type"] == "message"
    assert asked["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    quiet = create(e, {"model": "o4-mini", "input": "What is 2+2?"})
    assert quiet["output"][0]["summary"] == []
    assert quiet["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert create(e, {"model": "gpt-4o-mini", "input": "hi"})["output"][0]["type"] == "message"


def test_function_call_valid_for_its_schema_then_answered_after_previous_response_id(e: Emu) -> None:
    first = create(e, {"model": "gpt-4o-mini", "input": "Weather in Oslo in C?", "tools": [WEATHER]})
    [call] = first["output"]
    assert (call["type"], call["name"]) == ("function_call", "get_weather")
    args = json.loads(call["arguments"])
    jsonschema.validate(args, WEATHER["parameters"])
    assert args["city"] == "Oslo"
    output = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"temp_c": 4}'}
    second = create(
        e, {"model": "gpt-4o-mini", "previous_response_id": first["id"], "tools": [WEATHER], "input": [output]}
    )
    assert second["output"][0]["content"][0]["text"] == 'According to get_weather: {"temp_c": 4}'
    assert second["previous_response_id"] == first["id"]
    # Without a stored response the whole conversation is sent again (docs/wire.md §V1.3.3 step 3).
    resent = [{"role": "user", "content": "Weather in Oslo in C?"}, {**call, "type": "function_call"}, output]
    stateless = create(e, {"model": "gpt-4o-mini", "store": False, "tools": [WEATHER], "input": resent})
    assert stateless["output"][0]["content"][0]["text"] == 'According to get_weather: {"temp_c": 4}'


def test_tool_choice_none_and_named(e: Emu) -> None:
    other = {**WEATHER, "name": "get_time", "description": "Current time"}
    none = create(e, {"model": "gpt-4o-mini", "input": "Weather in Oslo?", "tools": [WEATHER], "tool_choice": "none"})
    assert none["output"][0]["type"] == "message"
    named = create(
        e,
        {
            "model": "gpt-4o-mini",
            "input": "Weather in Oslo?",
            "tools": [WEATHER, other],
            "tool_choice": {"type": "function", "name": "get_time"},
        },
    )
    assert [item["name"] for item in named["output"]] == ["get_time"]


def test_unknown_or_unstored_previous_response_is_404(e: Emu) -> None:
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi", "previous_response_id": "resp_unknown"}, api_version=None)
    assert r.status_code == 404
    assert r.json()["error"]["param"] == "previous_response_id"
    unstored = create(e, {"model": "gpt-4o-mini", "input": "hi", "store": False})
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi", "previous_response_id": unstored["id"]}, api_version=None)
    assert r.status_code == 404


def test_max_output_tokens_gives_incomplete_with_its_reason(e: Emu) -> None:
    body = {"model": "gpt-4o-mini", "input": "Tell me a long story about otters and rivers", "max_output_tokens": 4}
    data = create(e, body)
    assert data["status"] == "incomplete"
    assert data["incomplete_details"] == {"reason": "max_output_tokens"}
    assert data["usage"]["output_tokens"] <= 4
    events, raw = stream(e, body)
    assert events[-1]["type"] == "response.incomplete"
    assert folded(raw)["incomplete_details"] == {"reason": "max_output_tokens"}


@pytest.mark.parametrize(
    "body",
    [
        {"model": "o4-mini", "input": "What is 2+2?", "reasoning": {"effort": "low", "summary": "auto"}},
        {"model": "gpt-4o-mini", "input": "Weather in Oslo in C?", "tools": [WEATHER]},
        {"model": "gpt-4o-mini", "input": "Tell me about otters. " * 20, "instructions": "Be brief."},
    ],
)
def test_stream_is_the_full_sequence_and_folds_to_the_unstreamed_answer(e: Emu, body: dict[str, Any]) -> None:
    events, raw = stream(e, body)
    assert [ev["sequence_number"] for ev in events] == list(range(len(events)))
    assert [ev["type"] for ev in events[:2]] == ["response.created", "response.in_progress"]
    assert events[-1]["type"] == "response.completed"
    added = [ev["output_index"] for ev in events if ev["type"] == "response.output_item.added"]
    done = [ev["output_index"] for ev in events if ev["type"] == "response.output_item.done"]
    assert added == done == list(range(len(events[-1]["response"]["output"])))
    assert all("obfuscation" in ev for ev in events if ev["type"].endswith(".delta"))
    whole = create(e, body)
    # Ids and timestamps differ per request; the answer does not.
    strip = {"id", "call_id"}
    fold = comparable(folded(raw))
    for items in (fold["output"], whole["output"]):
        for item in items:
            for key in strip:
                item.pop(key, None)
            item.pop("encrypted_content", None)
    assert fold == comparable(whole)


def test_deployment_route_answers_with_the_model_in_the_body(e: Emu) -> None:
    data = create(e, {"model": "gpt-4o-mini", "input": "hello"}, "/openai/responses", "2025-04-01-preview")
    assert data["output"][0]["content"][0]["text"].endswith("You said: hello")
    r = e.post("/openai/responses", {"model": "gpt-4o-mini", "input": "hello"}, api_version=None)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "MissingApiVersionParameter"


def test_reasoning_models_refuse_sampling_and_bad_efforts(e: Emu) -> None:
    r = e.post(V1, {"model": "o4-mini", "input": "hi", "temperature": 0.2}, api_version=None)
    assert r.status_code == 400
    assert (r.json()["error"]["param"], r.json()["error"]["code"]) == ("temperature", "unsupported_parameter")
    assert create(e, {"model": "o4-mini", "input": "hi", "temperature": 1})["status"] == "completed"
    r = e.post(V1, {"model": "o4-mini", "input": "hi", "reasoning": {"effort": "minimal"}}, api_version=None)
    assert (r.status_code, r.json()["error"]["param"]) == (400, "reasoning.effort")
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi", "reasoning": {"effort": "low"}}, api_version=None)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "unsupported_parameter")


def test_invalid_bodies_and_strict_schemas_are_refused(e: Emu) -> None:
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi", "max_output_tokens": "many"}, api_version=None)
    assert (r.status_code, r.json()["error"]["param"]) == (400, "max_output_tokens")
    loose = {**WEATHER, "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi", "tools": [loose]}, api_version=None)
    assert (r.status_code, r.json()["error"]["param"]) == (400, "tools[0].parameters")


def test_json_schema_text_format_fills_the_schema(e: Emu) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    text = {"format": {"type": "json_schema", "name": "place", "schema": schema}}
    data = create(e, {"model": "gpt-4o-mini", "input": "I live in Oslo.", "text": text})
    jsonschema.validate(json.loads(data["output"][0]["content"][0]["text"]), schema)


def test_stream_faults_break_the_stream_as_the_fold_reports(e: Emu) -> None:
    body = {"model": "gpt-4o-mini", "input": "Tell me about otters. " * 10}
    e.control.queue_fault("stream_error", after_chunks=4)
    events, raw = stream(e, body)
    assert events[-1]["type"] == "error"
    with pytest.raises(ServerError, match="server_error"):
        folded(raw)
    e.control.queue_fault("stream_cut", after_chunks=5)
    r = e.post(V1, {**body, "stream": True}, api_version=None)
    with pytest.raises(StreamError, match="ended early"):
        folded(r.content)


def test_status_faults_and_the_routes_fault_filter_apply(e: Emu) -> None:
    e.control.set_faults([{"kind": "status", "status": 503, "route": "responses", "times": 1}])
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    assert e.post("/openai/v1/chat/completions", chat, api_version=None).status_code == 200  # not its route
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "hi"}, api_version=None)
    assert r.status_code == 503
    assert e.post(V1, {"model": "gpt-4o-mini", "input": "hi"}, api_version=None).status_code == 200


def test_input_items_without_an_emulated_meaning_are_skipped(e: Emu) -> None:
    items = [
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"role": "user", "content": [{"type": "input_text", "text": "hello there"}]},
    ]
    data = create(e, {"model": "gpt-4o-mini", "input": items})
    assert data["output"][0]["content"][0]["text"].endswith("You said: hello there")


def test_content_filters_block_the_prompt_and_cut_the_output(e: Emu) -> None:
    e.control.set_blocklists(prompt=["forbidden"], output=["otters"])
    r = e.post(V1, {"model": "gpt-4o-mini", "input": "a forbidden word"}, api_version=None)
    assert r.status_code == 400
    data = create(e, {"model": "gpt-4o-mini", "input": "Tell me about otters"})
    assert data["status"] == "incomplete"
    assert data["incomplete_details"] == {"reason": "content_filter"}
    assert "otters" not in data["output"][0]["content"][0]["text"]
