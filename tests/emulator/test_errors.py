"""Azure error semantics: extra-parameters, unsupported parameters, content safety, validation (never 500)."""

from __future__ import annotations

from typing import Any

import pytest
from emu_helpers import Emu, sse_events

pytestmark = pytest.mark.e2e
MSGS = [{"role": "user", "content": "Hello"}]


def test_extra_parameters_error_is_default(e: Emu) -> None:
    r = e.post("/models/chat/completions", {"messages": MSGS, "foo": 1, "bar": {"x": 2}})
    assert r.status_code == 422
    body = r.json()
    assert r.headers["x-ms-error-code"] == body["error"]["code"] == "extra_parameters_not_allowed"
    assert body["status"] == 422
    assert [(d["loc"], d["input"]) for d in body["detail"]] == [(["body", "foo"], 1), (["body", "bar"], {"x": 2})]
    assert {d["target"] for d in body["error"]["details"]} == {"foo", "bar"}
    r = e.post("/models/chat/completions", {"messages": MSGS, "foo": 1}, headers={"extra-parameters": "error"})
    assert r.status_code == 422


@pytest.mark.parametrize("mode", ["drop", "pass-through", "ignore"])
def test_extra_parameters_drop_and_pass_through(e: Emu, mode: str) -> None:
    r = e.post("/models/chat/completions", {"messages": MSGS, "foo": 1}, headers={"extra-parameters": mode})
    assert r.status_code == 200
    assert e.control.requests()[-1]["body"]["foo"] == 1  # logged as received


def test_extra_parameters_bad_value(e: Emu) -> None:
    r = e.post("/models/chat/completions", {"messages": MSGS}, headers={"extra-parameters": "explode"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidHeaderValue"


def test_stream_options_is_always_known(e: Emu) -> None:
    r = e.post(
        "/models/chat/completions", {"messages": MSGS, "stream": True, "stream_options": {"include_usage": True}}
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("model", "extra", "loc", "value"),
    [
        (
            "Mistral-small",
            {"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}},
            ["body", "response_format"],
            "json_schema",
        ),
        ("DeepSeek-R1", {"tools": [{"type": "function", "function": {"name": "f"}}]}, ["body", "tools"], None),
        ("DeepSeek-R1", {"response_format": {"type": "json_object"}}, ["body", "response_format"], "json_object"),
        (
            "Mistral-small",
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "hi"},
                            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                        ],
                    }
                ]
            },
            ["body", "messages", 0, "content", 1],
            "image_url",
        ),
        ("gpt-4o-mini", {"modalities": ["text", "audio"]}, ["body", "modalities"], ["text", "audio"]),
    ],
)
def test_unsupported_parameter_is_422(e: Emu, model: str, extra: dict[str, Any], loc: list[Any], value: Any) -> None:
    r = e.post("/models/chat/completions", {"messages": MSGS, "model": model, **extra})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"]["code"] == "parameter_not_supported"
    assert body["status"] == 422
    assert body["detail"][0]["loc"] == loc
    if value is not None:
        assert body["detail"][0]["input"] == value


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ({}, "messages"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "user"}]}, "messages[0].content"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
        ({"messages": MSGS, "temperature": "hot"}, "temperature"),
        ({"messages": MSGS, "max_tokens": -1}, "max_tokens"),
        ({"messages": MSGS, "response_format": {"type": "json_schema"}}, "response_format.json_schema"),
        ({"messages": MSGS, "tools": [{"type": "function", "function": {}}]}, "tools[0].function.name"),
        ({"messages": MSGS, "model": 3}, "model"),
    ],
)
def test_invalid_bodies_are_400_naming_the_field(e: Emu, body: dict[str, Any], target: str) -> None:
    r = e.post("/models/chat/completions", body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["target"] == target
    assert r.headers["x-ms-error-code"] == "invalid_payload"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_non_json_bodies_are_400(e: Emu, raw: bytes) -> None:
    r = e.http.post(e.handle.endpoint + "/chat/completions", params={"api-version": "2025-05-01"}, content=raw)
    assert r.status_code == 400
    assert r.json()["error"]["code"] in ("invalid_json", "invalid_payload")


def test_named_tool_choice_must_exist(e: Emu) -> None:
    r = e.post(
        "/models/chat/completions",
        {
            "messages": MSGS,
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": {"type": "function", "function": {"name": "g"}},
        },
    )
    assert r.status_code == 400
    assert r.json()["error"]["target"] == "tool_choice"


def test_context_window(e: Emu) -> None:
    r = e.post(
        "/models/chat/completions",
        {"messages": [{"role": "user", "content": "word " * 33_000}], "model": "Mistral-small"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "context_length_exceeded"


def test_prompt_content_filter_is_400(e: Emu) -> None:
    e.control.set_blocklists(prompt=["forbidden:hate"], output=[])
    r = e.post("/models/chat/completions", {"messages": [{"role": "user", "content": "Say the FORBIDDEN word"}]})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "content_filter"
    assert err["param"] == "prompt"
    assert err["status"] == 400
    results = err["innererror"]["content_filter_result"]
    assert err["innererror"]["code"] == "ResponsibleAIPolicyViolation"
    assert results["hate"] == {"filtered": True, "severity": "high"}
    assert results["violence"] == {"filtered": False, "severity": "safe"}
    assert e.post("/models/completions", {"prompt": "forbidden"}).status_code == 400
    assert (
        e.post("/models/chat/completions", {"messages": [{"role": "user", "content": "unforbiddenly"}]}).status_code
        == 200
    )  # whole words only


def test_output_content_filter_finishes_with_content_filter(e: Emu) -> None:
    e.control.set_blocklists(output=["otters:violence"])
    r = e.post("/models/chat/completions", {"messages": [{"role": "user", "content": "Tell me about otters"}]})
    choice = r.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert "otters" not in choice["message"]["content"]
    assert choice["content_filter_results"]["violence"]["filtered"] is True
    r = e.post(
        "/models/chat/completions", {"messages": [{"role": "user", "content": "Tell me about otters"}], "stream": True}
    )
    events, done = sse_events(r)
    assert done
    assert events[-1]["choices"][0]["finish_reason"] == "content_filter"
    e.control.queue_chat("scripted but filtered", content_filter="sexual")
    choice = e.post("/models/chat/completions", {"messages": MSGS}).json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["content_filter_results"]["sexual"]["filtered"]
