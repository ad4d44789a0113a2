"""Self-adapting rewrites (``azure_inference.adapt``): real refusal bodies → the closed list of rewrites."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from azure_inference.adapt import (
    DeploymentMemory,
    Rewrite,
    apply_rewrites,
    refused_fields,
    rewrites_for,
    structured_method,
)

MSG = [{"role": "user", "content": "Tell me a joke"}]
SCHEMA = {"type": "object", "properties": {"setup": {"type": "string"}}, "required": ["setup"]}
JSON_SCHEMA_BODY = {
    "messages": MSG,
    "response_format": {"type": "json_schema", "json_schema": {"name": "Joke", "schema": SCHEMA, "strict": True}},
}


def _openai(message: str, param: str | None, code: str | None, type_: str | None = "invalid_request_error") -> Any:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


# Bodies as the services sent them (quoted in public issue threads; docs/wire.md §V1.2.2 for the Azure ones).
MAX_TOKENS_400 = _openai(  # https://github.com/griptape-ai/ComfyUI-Griptape/issues/312 (gpt-5)
    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    "max_tokens",
    "unsupported_parameter",
)
MAX_TOKENS_GATEWAY_400 = {  # https://github.com/caozhiyuan/copilot-api/issues/164: no param, another code
    "error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead.",
        "code": "invalid_request_body",
    }
}
TEMPERATURE_PARAM_400 = _openai(  # o1 / o3-mini, https://github.com/langchain4j/langchain4j/issues/2699
    "Unsupported parameter: 'temperature' is not supported with this model.", "temperature", "unsupported_parameter"
)
TEMPERATURE_VALUE_400 = _openai(  # gpt-5 / o4-mini, https://github.com/gabrii/Cursor-Azure-GPT-5/issues/33
    "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
    "temperature",
    "unsupported_value",
)
JSON_SCHEMA_PARAM_NONE_400 = _openai(  # https://github.com/langchain-ai/langchain/issues/31490 (Azure OpenAI)
    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model. Learn more "
    "about supported models at the Structured Outputs guide: https://platform.openai.com/docs/guides/structured-outputs",
    None,
    None,
)
JSON_SCHEMA_ONE_OF_400 = _openai(  # https://github.com/BerriAI/litellm/issues/5295 (Azure, old api-version)
    "Invalid parameter: 'response_format' must be one of 'json_object', 'text'.", "response_format", None
)
JSON_SCHEMA_API_VERSION_400 = {  # https://github.com/langgenius/dify/issues/8994 (Azure, api-version too old)
    "error": {
        "message": "response_format value as json_schema is enabled only for api versions 2024-08-01-preview and "
        "later (request id: 2024100312073850903022739187310)",
        "type": "",
        "param": "",
        "code": "BadRequest",
    }
}
JSON_SCHEMA_500 = {  # https://github.com/ikawrakow/ik_llama.cpp/issues/778 (OpenAI-compatible server)
    "error": {
        "code": 500,
        "message": 'response_format type must be one of "text" or "json_object", but got: json_schema',
        "type": "server_error",
    }
}
JSON_SCHEMA_422 = {  # Model Inference API (docs/wire.md §9): a model without json_schema
    "error": {
        "code": "parameter_not_supported",
        "message": "One of the parameters contain invalid values.",
        "details": [{"code": "parameter_not_supported", "message": "...", "target": "response_format"}],
    },
    "status": 422,
    "code": "parameter_not_supported",
    "detail": [{"loc": ["body", "response_format"], "input": "json_schema", "msg": "not supported"}],
}
JSON_SCHEMA_422_OBJECT = {  # docs/wire.md §9, the REST example's shape: `detail` is an object, no `error` wrapper
    "status": 422,
    "code": "parameter_not_supported",
    "detail": {"loc": ["body", "response_format"], "input": "json_schema"},
    "message": "One of the parameters contain invalid values.",
}
INVALID_SCHEMA_400 = _openai(  # docs/wire.md §V1.2.5: the schema is wrong, the method is fine
    "Invalid schema for response_format 'Joke': In context=(), 'additionalProperties' is required to be supplied "
    "and to be false.",
    "response_format",
    None,
)
MIN_ITEMS_400 = {  # https://github.com/presenton/presenton/issues/165: a keyword of the schema, not the method
    "error": {
        "message": "code=400, message=invalid schema for response format: response_format/json_schema/slides: "
        "minItems is not supported, type=invalid_request_error",
        "type": "invalid_request_error",
    }
}
JSON_OBJECT_400 = _openai(  # https://github.com/mrwadams/stride-gpt/issues/19
    "Invalid parameter: 'response_format' of type 'json_object' is not supported with this model.",
    "response_format",
    None,
)
CONTENT_FILTER_400 = {  # docs/wire.md §V1.2.4
    "error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
    }
}
CONTEXT_400 = _openai(
    "This model's maximum context length is 128000 tokens. However, your messages resulted in 200000 tokens.",
    "messages",
    "context_length_exceeded",
)


@pytest.mark.parametrize(
    ("status", "body", "request_body", "expected"),
    [
        (400, MAX_TOKENS_400, {"messages": MSG, "max_tokens": 5}, (Rewrite("max_completion_tokens", "max_tokens"),)),
        (
            400,
            MAX_TOKENS_GATEWAY_400,
            {"messages": MSG, "max_tokens": 5},
            (Rewrite("max_completion_tokens", "max_tokens"),),
        ),
        (400, TEMPERATURE_PARAM_400, {"messages": MSG, "temperature": 0.2}, (Rewrite("drop", "temperature"),)),
        (400, TEMPERATURE_VALUE_400, {"messages": MSG, "temperature": 0}, (Rewrite("drop", "temperature"),)),
        (400, JSON_SCHEMA_PARAM_NONE_400, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (400, JSON_SCHEMA_ONE_OF_400, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (400, JSON_SCHEMA_API_VERSION_400, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (500, JSON_SCHEMA_500, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (500, json.dumps(JSON_SCHEMA_500), JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (422, JSON_SCHEMA_422, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
        (422, JSON_SCHEMA_422_OBJECT, JSON_SCHEMA_BODY, (Rewrite("function_calling", "response_format"),)),
    ],
)
def test_recognised_refusals_map_to_one_rewrite(
    status: int, body: Any, request_body: dict[str, Any], expected: tuple[Rewrite, ...]
) -> None:
    assert rewrites_for(status, body, request_body) == expected


@pytest.mark.parametrize(
    ("status", "body", "request_body"),
    [
        (400, INVALID_SCHEMA_400, JSON_SCHEMA_BODY),  # a schema error is not a refusal of json_schema
        (400, MIN_ITEMS_400, JSON_SCHEMA_BODY),
        (400, JSON_OBJECT_400, {"messages": MSG, "response_format": {"type": "json_object"}}),  # nothing below it
        (400, CONTENT_FILTER_400, {"messages": MSG}),
        (400, CONTEXT_400, {"messages": MSG}),
        (400, MAX_TOKENS_400, {"messages": MSG, "max_completion_tokens": 5}),  # the refused field was not sent
        (500, {"error": {"code": "InternalServerError", "message": "boom"}}, JSON_SCHEMA_BODY),
        (429, _openai("Rate limit is exceeded.", None, "429"), {"messages": MSG, "temperature": 1}),
        (404, {"error": {"code": "404", "message": "Resource not found"}}, {"messages": MSG}),
    ],
)
def test_anything_else_is_not_adapted(status: int, body: Any, request_body: dict[str, Any]) -> None:
    assert rewrites_for(status, body, request_body) == ()


def test_a_422_naming_several_fields_rewrites_them_all_or_none() -> None:
    body: dict[str, Any] = {
        "error": {"code": "parameter_not_supported", "message": "x"},
        "detail": [
            {"loc": ["body", "temperature"], "input": 0.1, "msg": "no"},
            {"loc": ["body", "top_p"], "input": 0.9, "msg": "no"},
        ],
    }
    request = {"messages": MSG, "temperature": 0.1, "top_p": 0.9}
    assert rewrites_for(422, body, request) == (Rewrite("drop", "temperature"), Rewrite("drop", "top_p"))
    body["detail"].append({"loc": ["body", "messages", 0, "content"], "input": "x", "msg": "no"})
    assert rewrites_for(422, body, request) == ()  # `messages` has no safe rewrite: the error stands


def test_refused_fields_reads_loc_targets_and_tool_paths() -> None:
    body = {"error": {"details": [{"target": "tools[0].function.parameters"}]}, "detail": []}
    assert refused_fields(422, body) == ("tools",)
    assert refused_fields(400, "not json") == ()


# -- applying rewrites: the json_schema → function calling → json_object ladder --------------------------------


def test_json_schema_steps_down_to_a_forced_function_call_then_json_object() -> None:
    body, done = apply_rewrites(JSON_SCHEMA_BODY, [Rewrite("function_calling", "response_format")])
    assert done == (Rewrite("function_calling", "response_format"),)
    assert structured_method(body) == "function_calling"
    assert body["tools"] == [{"type": "function", "function": {"name": "Joke", "parameters": SCHEMA, "strict": True}}]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert "response_format" not in body

    refusal = {"detail": [{"loc": ["body", "tools"], "input": [], "msg": "Model does not support tools."}]}
    step = rewrites_for(422, refusal, body)
    assert step == (Rewrite("json_object", "tools"),)
    body, _ = apply_rewrites(body, step)
    assert structured_method(body) == "json_object"
    assert "tools" not in body
    assert "tool_choice" not in body
    hint = body["messages"][0]
    assert hint["role"] == "system"
    assert "JSON" in hint["content"]
    assert json.dumps(SCHEMA, separators=(",", ":")) in hint["content"]
    assert body["messages"][1:] == MSG


def test_an_ordinary_tool_call_is_never_turned_into_json_object() -> None:
    tools = [{"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "b"}}]
    request = {"messages": MSG, "tools": tools, "tool_choice": "auto"}
    assert structured_method(request) is None
    assert rewrites_for(400, _openai("Unsupported parameter: 'tools'", "tools", "unsupported_parameter"), request) == ()


def test_rename_and_drop() -> None:
    body, done = apply_rewrites(
        {"messages": MSG, "max_tokens": 9, "temperature": 0},
        [Rewrite("max_completion_tokens", "max_tokens"), Rewrite("drop", "temperature"), Rewrite("drop", "top_p")],
    )
    assert body == {"messages": MSG, "max_completion_tokens": 9}
    assert [r.describe() for r in done] == ["sent max_tokens as max_completion_tokens", "left out temperature"]


# -- per-deployment memory ---------------------------------------------------------------------------------------


def test_memory_shapes_the_next_request_before_it_is_sent() -> None:
    memory = DeploymentMemory()
    first = {"messages": MSG, "max_tokens": 5, "temperature": 0.3}
    learned = rewrites_for(400, MAX_TOKENS_400, first)
    memory.learn("https://x/openai/v1|o3-prod", learned)
    memory.learn("https://x/openai/v1|o3-prod", rewrites_for(400, TEMPERATURE_PARAM_400, first))
    body, applied = memory.shape("https://x/openai/v1|o3-prod", {"messages": MSG, "max_tokens": 7, "temperature": 1})
    assert body == {"messages": MSG, "max_completion_tokens": 7}
    assert [r.kind for r in applied] == ["max_completion_tokens", "drop"]
    # Another deployment learned nothing.
    assert memory.shape("https://x/openai/v1|gpt-4o", first) == (first, ())
    memory.forget("https://x/openai/v1|o3-prod")
    assert memory.learned("https://x/openai/v1|o3-prod") == ()


def test_memory_is_bounded_and_forgets_the_least_recently_used() -> None:
    memory = DeploymentMemory(max_deployments=2)
    for key in ("a", "b"):
        memory.learn(key, [Rewrite("drop", "seed")])
    memory.shape("a", {})  # a is now the most recently used
    memory.learn("c", [Rewrite("drop", "seed")])
    assert memory.learned("b") == ()
    assert memory.learned("a") == memory.learned("c") == (Rewrite("drop", "seed"),)


def test_memory_is_thread_safe() -> None:
    memory = DeploymentMemory()
    fields = [f"f{i}" for i in range(50)]

    def worker(offset: int) -> None:
        for i in range(200):
            memory.learn("dep", [Rewrite("drop", fields[(i + offset) % len(fields)])])
            memory.shape("dep", {"messages": MSG})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    learned = memory.learned("dep")
    assert sorted(r.field for r in learned) == sorted(fields)  # each learned once, none lost
