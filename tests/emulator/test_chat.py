"""Deterministic chat behaviour: stable replies, seed, stop, max_tokens, tools, JSON, reasoning, RAG, streams."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from emu_helpers import Emu, fold_content, sse_events

from azure_inference.emulator.tokens import count

pytestmark = pytest.mark.e2e

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Current local time in a timezone",
        "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]},
    },
}


def _msg(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    return r.json()["choices"][0]  # type: ignore[no-any-return]


def test_reply_is_deterministic_and_seed_changes_it(e: Emu) -> None:
    a = _msg(e.chat("Tell me about otters"))["message"]["content"]
    b = _msg(e.chat("Tell me about otters"))["message"]["content"]
    assert a == b
    assert "otters" in a
    s1 = _msg(e.chat("Tell me about otters", seed=1))["message"]["content"]
    s2 = _msg(e.chat("Tell me about otters", seed=2))["message"]["content"]
    assert len({a, s1, s2}) == 3
    assert s1 == _msg(e.chat("Tell me about otters", seed=1))["message"]["content"]


def test_usage_counts_are_consistent(e: Emu) -> None:
    r = e.chat("Hello, world!").json()
    content = r["choices"][0]["message"]["content"]
    usage = r["usage"]
    assert usage["prompt_tokens"] == 1 + count("Hello, world!")  # role + text (docs/emulator.md)
    assert usage["completion_tokens"] == count(content)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_stop_and_max_tokens(e: Emu) -> None:
    full = _msg(e.chat("Tell me about otters"))["message"]["content"]
    choice = _msg(e.chat("Tell me about otters", stop=["otters"]))
    assert choice["message"]["content"] == full[: full.index("otters")]
    assert choice["finish_reason"] == "stop"
    choice = _msg(e.chat("Tell me about otters", stop="You said"))  # bare string accepted (docs/wire.md §11.14)
    assert "You said" not in choice["message"]["content"]
    r = e.chat("Tell me about otters", max_tokens=3).json()
    assert r["choices"][0]["finish_reason"] == "length"
    assert r["usage"]["completion_tokens"] == 3 == count(r["choices"][0]["message"]["content"])


def test_tool_choice_required_generates_schema_valid_arguments(e: Emu) -> None:
    choice = _msg(e.chat("What's the weather in Paris?", tools=[WEATHER, TIME], tool_choice="required"))
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    (call,) = choice["message"]["tool_calls"]
    assert call["type"] == "function"
    assert call["id"].startswith("call_")
    assert call["function"]["name"] == "get_weather"
    args = json.loads(call["function"]["arguments"])
    jsonschema.validate(args, WEATHER["function"]["parameters"])
    assert args["city"] == "Paris"


def test_named_tool_choice(e: Emu) -> None:
    choice = _msg(
        e.chat(
            "What's the weather in Paris?",
            tools=[WEATHER, TIME],
            tool_choice={"type": "function", "function": {"name": "get_time"}},
        )
    )
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "get_time"
    jsonschema.validate(json.loads(call["function"]["arguments"]), TIME["function"]["parameters"])


def test_auto_tool_choice(e: Emu) -> None:
    # A description word ("weather") → call; nothing related → answer; both names → parallel calls.
    assert _msg(e.chat("How is the weather in Oslo?", tools=[WEATHER, TIME]))["finish_reason"] == "tool_calls"
    assert _msg(e.chat("Write a haiku", tools=[WEATHER, TIME]))["finish_reason"] == "stop"
    calls = _msg(e.chat("call get_weather and get_time for Rome", tools=[WEATHER, TIME]))["message"]["tool_calls"]
    assert [c["function"]["name"] for c in calls] == ["get_weather", "get_time"]
    assert _msg(e.chat("How is the weather in Oslo?", tools=[WEATHER], tool_choice="none"))["finish_reason"] == "stop"


def test_after_tool_result_the_model_answers_with_it(e: Emu) -> None:
    first = _msg(e.chat("How is the weather in Oslo?", tools=[WEATHER]))["message"]
    call = first["tool_calls"][0]
    messages = [
        {"role": "user", "content": "How is the weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": first["tool_calls"]},
        {"role": "tool", "tool_call_id": call["id"], "content": "Sunny, 21 C"},
    ]
    choice = _msg(e.chat(messages, tools=[WEATHER]))
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == "According to get_weather: Sunny, 21 C"


def test_json_schema_and_json_object(e: Emu) -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "age": {"type": "integer", "minimum": 18},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
        "required": ["name", "age", "tags"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": schema, "strict": True}}
    content = _msg(e.chat("Describe Alice Smith", response_format=fmt))["message"]["content"]
    jsonschema.validate(json.loads(content), schema)
    content = _msg(e.chat("Hi", model="Mistral-small", response_format={"type": "json_object"}))["message"]["content"]
    assert isinstance(json.loads(content), dict)


def test_reasoning_content_and_think_tags(e: Emu) -> None:
    msg = _msg(e.chat("Why is the sky blue?", model="DeepSeek-R1"))["message"]
    assert msg["reasoning_content"].startswith("The user asks: Why is the sky blue")
    assert "<think>" not in msg["content"]
    msg = _msg(e.chat("Why is the sky blue?", model="DeepSeek-R1-think"))["message"]
    assert "reasoning_content" not in msg
    assert msg["content"].startswith("<think>\nThe user asks")
    assert "</think>\n\n" in msg["content"]
    assert "reasoning_content" not in _msg(e.chat("Hi"))["message"]


def test_rag_answer_cites_best_passage(e: Emu) -> None:
    prompt = (
        "Use the context to answer.\nContext:\n[1] The Eiffel Tower is 330 metres tall and stands in Paris.\n"
        "[2] The Colosseum in Rome held 50,000 spectators.\n[3] Mount Fuji is the highest mountain in Japan.\n"
        "Question: How many spectators did the Colosseum hold?"
    )
    assert _msg(e.chat(prompt))["message"]["content"] == "The Colosseum in Rome held 50,000 spectators."
    messages = [
        {
            "role": "system",
            "content": "Answer from these documents. Mount Fuji is 3,776 metres high. "
            "Lake Biwa is the largest lake in Japan.",
        },
        {"role": "user", "content": "What is the largest lake in Japan?"},
    ]
    assert _msg(e.chat(messages))["message"]["content"] == "Lake Biwa is the largest lake in Japan."


@pytest.mark.parametrize("prefix", ["/models", "/v1"])
def test_stream_matches_json_reply(e: Emu, prefix: str) -> None:
    full = e.chat("Tell me a long story about otters and rivers", prefix=prefix).json()
    r = e.chat("Tell me a long story about otters and rivers", prefix=prefix, stream=True)
    assert r.headers["content-type"].startswith("text/event-stream")
    events, done = sse_events(r)
    assert done
    assert len(events) > 3
    assert all(ev["object"] == "chat.completion.chunk" for ev in events)  # Δ docs/wire.md §11.7
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    assert fold_content(events) == full["choices"][0]["message"]["content"]
    assert [ev["choices"][0]["finish_reason"] for ev in events][-1] == "stop"
    assert all(ev["choices"][0]["finish_reason"] is None for ev in events[:-1])
    assert events[-1]["usage"]["completion_tokens"] == full["usage"]["completion_tokens"]


def test_stream_include_usage_sends_usage_only_chunk(e: Emu) -> None:
    r = e.chat("Hi", stream=True, stream_options={"include_usage": True})
    events, done = sse_events(r)
    assert done
    assert events[-1]["choices"] == []
    assert events[-1]["usage"]["total_tokens"] > 0
    assert "usage" not in events[-2]
    assert events[-2]["choices"][0]["finish_reason"] == "stop"


def test_stream_reasoning_and_tool_call_fragments(e: Emu) -> None:
    events, _ = sse_events(e.chat("Why?", model="DeepSeek-R1", stream=True))
    assert fold_content(events, "reasoning_content").startswith("The user asks")
    for prefix, openai_style in [("/models", False), ("/v1", True)]:
        r = e.chat(
            "weather and time in Rome? call get_weather and get_time", prefix=prefix, stream=True, tools=[WEATHER, TIME]
        )
        events, _done = sse_events(r)
        frags = [tc for ev in events for c in ev["choices"] for tc in c["delta"].get("tool_calls", [])]
        by_index: dict[int, str] = {}
        for i in (0, 1):
            mine = [f for f in frags if f["index"] == i]
            first = mine[0]
            assert first["id"]
            assert first["type"] == "function"
            assert first["function"]["name"]
            for later in mine[1:]:
                assert ("id" not in later) if openai_style else (later["id"] == first["id"])
            by_index[i] = "".join(f["function"]["arguments"] for f in mine)
        assert json.loads(by_index[0])["city"] == "Rome"
        assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_images_and_audio_in_messages(e: Emu) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}}
    content = [{"type": "text", "text": "What is this?"}, image]
    r = e.chat([{"role": "user", "content": content}])
    assert r.status_code == 200
    assert r.json()["usage"]["prompt_tokens"] == 1 + count("What is this?") + 85
    audio = {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}
    r = e.chat([{"role": "user", "content": [audio]}], model="Phi-4-multimodal-instruct", modalities=["text", "audio"])
    assert r.status_code == 200
    assert r.json()["choices"][0]["message"]["audio"]["format"] == "wav"


def test_legacy_completions_json_and_stream(e: Emu) -> None:
    r = e.post("/models/completions", {"prompt": "Say something about otters", "max_tokens": 4})
    body = r.json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 4
    r = e.post(
        "/v1/completions",
        {"prompt": "Say something about otters", "stream": True, "model": "gpt-35-turbo-instruct"},
        api_version=None,
    )
    events, done = sse_events(r)
    assert done
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(ev["choices"][0]["text"] for ev in events)
    full = e.post(
        "/v1/completions", {"prompt": "Say something about otters", "model": "gpt-35-turbo-instruct"}, api_version=None
    ).json()
    assert text == full["choices"][0]["text"]
    assert "otters" in text


@pytest.mark.parametrize(
    ("model", "extra"),
    [("DeepSeek-R1", {}), ("DeepSeek-R1-think", {}), ("gpt-4o-mini", {"tools": [WEATHER], "tool_choice": "required"})],
)
@pytest.mark.parametrize("max_tokens", [0, 3, 30])
def test_max_tokens_bounds_completion_tokens(e: Emu, model: str, extra: dict[str, Any], max_tokens: int) -> None:
    body = e.chat("What's the weather in Paris? Explain in detail.", model=model, max_tokens=max_tokens, **extra).json()
    usage = body["usage"]
    assert usage["completion_tokens"] <= max_tokens
    if max_tokens < 10:  # every one of these replies is longer than 10 tokens
        assert body["choices"][0]["finish_reason"] == "length"
