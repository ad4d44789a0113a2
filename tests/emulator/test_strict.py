"""The emulator is strict where the service is (docs/wire.md §V1.2.2, §V1.2.5, §V1.6): raw httpx against the subprocess.

Every refusal body is compared whole with the one the service sends; every success on an Azure v1 route is
validated against the v1 OpenAPI file (``spec/openai-v1``).
"""

from __future__ import annotations

import filecmp
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pydantic
import pytest
from emu_helpers import Emu, fold_content, sse_events

from azure_inference.emulator import EmulatorHandle, run_emulator
from azure_inference.emulator.v1spec import V1_SPEC_FILE, v1_errors
from azure_inference.strict_schema import to_strict_schema

pytestmark = pytest.mark.e2e
MSG = [{"role": "user", "content": "What is the capital of France? Answer briefly."}]
V1 = "/openai/v1/chat/completions"


def v1(e: Emu, model: str, **body: Any) -> httpx.Response:
    return e.post(V1, {"model": model, "messages": MSG, **body}, api_version=None)


def deployment(e: Emu, model: str, **body: Any) -> httpx.Response:
    return e.post(
        f"/openai/deployments/{model}/chat/completions", {"messages": MSG, **body}, api_version="2025-04-01-preview"
    )


def refusal(message: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}


def assert_v1_valid(body: Any) -> None:
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in v1_errors("AzureCreateChatCompletionResponse", body)
    ]
    assert not errors, errors


def assert_v1_chunks_valid(events: list[dict[str, Any]]) -> None:
    for event in events:
        errors = [e.message for e in v1_errors("AzureCreateChatCompletionStreamResponse", event)]
        assert not errors, (errors, event)


def test_packaged_v1_spec_is_the_official_copy() -> None:
    shared = Path(__file__).resolve().parents[3] / "shared" / "spec" / "azure-openai-v1" / V1_SPEC_FILE.name
    if not shared.exists():
        pytest.skip("../shared/spec not present")
    assert filecmp.cmp(shared, V1_SPEC_FILE, shallow=False)


MAX_TOKENS_REFUSED = refusal(
    "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    "max_tokens",
    "unsupported_parameter",
)


# -- reasoning models refuse max_tokens and sampling fields --------------------------------------------------------


@pytest.mark.parametrize("model", ["o3-mini", "o4-mini", "gpt-5-mini"])
@pytest.mark.parametrize("route", ["v1", "deployment", "openai-compatible"])
def test_reasoning_models_refuse_max_tokens_with_the_service_body(e: Emu, model: str, route: str) -> None:
    if route == "v1":
        r = v1(e, model, max_tokens=50)
    elif route == "deployment":
        r = deployment(e, model, max_tokens=50)
    else:
        r = e.post("/v1/chat/completions", {"model": model, "messages": MSG, "max_tokens": 50}, api_version=None)
    assert r.status_code == 400
    assert r.json() == MAX_TOKENS_REFUSED
    assert r.headers["x-ms-error-code"] == "unsupported_parameter"


@pytest.mark.parametrize("route", [v1, deployment])
def test_max_completion_tokens_is_the_limit_reasoning_models_take(e: Emu, route: Any) -> None:
    r = route(e, "o3-mini", max_completion_tokens=12)
    assert r.status_code == 200, r.text
    body = r.json()
    usage = body["usage"]
    # The limit covers reasoning and visible text (docs/wire.md §V1.2.1); the reasoning itself is not shown (§2.3).
    assert usage["completion_tokens"] <= 12
    assert usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert usage["prompt_tokens_details"]["cached_tokens"] == 0
    assert "reasoning_content" not in body["choices"][0]["message"]
    assert body["choices"][0]["finish_reason"] == "length"
    assert_v1_valid(body)


@pytest.mark.parametrize(
    ("model", "field", "value", "expected"),
    [
        # o1 / o3-mini: the sampling fields are refused outright.
        (
            "o3-mini",
            "temperature",
            0.2,
            refusal(
                "Unsupported parameter: 'temperature' is not supported with this model.",
                "temperature",
                "unsupported_parameter",
            ),
        ),
        (
            "o3-mini",
            "top_p",
            1,
            refusal(
                "Unsupported parameter: 'top_p' is not supported with this model.", "top_p", "unsupported_parameter"
            ),
        ),
        (
            "o3-mini",
            "logprobs",
            True,
            refusal(
                "Unsupported parameter: 'logprobs' is not supported with this model.",
                "logprobs",
                "unsupported_parameter",
            ),
        ),
        # o4-mini / gpt-5: only the default value (https://github.com/microsoft/vscode/issues/253673).
        (
            "o4-mini",
            "temperature",
            0.1,
            refusal(
                "Unsupported value: 'temperature' does not support 0.1 with this model. "
                "Only the default (1) value is supported.",
                "temperature",
                "unsupported_value",
            ),
        ),
        (
            "gpt-5-mini",
            "temperature",
            0,
            refusal(
                "Unsupported value: 'temperature' does not support 0 with this model. "
                "Only the default (1) value is supported.",
                "temperature",
                "unsupported_value",
            ),
        ),
        (
            "o4-mini",
            "stop",
            ["\n"],
            refusal("Unsupported parameter: 'stop' is not supported with this model.", "stop", "unsupported_parameter"),
        ),
        (
            "o3-mini",
            "reasoning_effort",
            "minimal",
            refusal(
                "Unsupported value: 'reasoning_effort' does not support 'minimal' with this model. "
                "Supported values are: 'low', 'medium', and 'high'.",
                "reasoning_effort",
                "unsupported_value",
            ),
        ),
        (
            "o3-mini",
            "verbosity",
            "low",
            refusal(
                "Unsupported parameter: 'verbosity' is not supported with this model.",
                "verbosity",
                "unsupported_parameter",
            ),
        ),
    ],
)
def test_refused_fields(e: Emu, model: str, field: str, value: Any, expected: dict[str, Any]) -> None:
    r = v1(e, model, **{field: value})
    assert r.status_code == 400
    assert r.json() == expected


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        ("o4-mini", {"temperature": 1, "top_p": 1, "reasoning_effort": "high"}),  # defaults pass
        ("gpt-5-mini", {"reasoning_effort": "minimal", "verbosity": "low", "max_completion_tokens": 400}),
        ("gpt-4o-mini", {"max_tokens": 50, "temperature": 0.2, "top_p": 0.5}),  # not a reasoning model
        ("DeepSeek-R1", {"max_tokens": 400, "temperature": 0.6}),  # [DS]: DeepSeek-R1 takes max_tokens
    ],
)
def test_what_the_service_accepts_is_accepted(e: Emu, model: str, fields: dict[str, Any]) -> None:
    for route in (v1, deployment):
        r = route(e, model, **fields)
        assert r.status_code == 200, r.text
        assert_v1_valid(r.json())


def test_the_retired_model_inference_surface_keeps_max_tokens(e: Emu) -> None:
    # Its spec has only max_tokens (docs/wire.md §3): the Model Inference API translated it for reasoning models.
    r = e.chat(MSG, model="o3-mini", max_tokens=20)
    assert r.status_code == 200, r.text


# -- strict structured output ----------------------------------------------------------------------------------


def _json_schema(schema: dict[str, Any], *, strict: bool = True, name: str = "Joke") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": strict}}


LOOSE = {"type": "object", "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}}}


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}
    for _ in range(levels - 1):
        node = {"type": "object", "properties": {"c": node}, "required": ["c"]}
    closed: dict[str, Any] = json.loads(
        json.dumps(node).replace('"type": "object"', '"type": "object", "additionalProperties": false')
    )
    return closed


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (LOOSE, "In context=(), 'additionalProperties' is required to be supplied and to be false."),
        (
            {**LOOSE, "additionalProperties": False, "required": ["setup"]},
            "In context=(), 'required' is required to be supplied and to be an array including every key in "
            "properties. Missing 'punchline'.",
        ),
        (
            {
                "type": "object",
                "properties": {"setup": {"type": "string", "minLength": 3}},
                "required": ["setup"],
                "additionalProperties": False,
            },
            "In context=('properties', 'setup'), 'minLength' is not permitted.",
        ),
        (_nested(6), "In context=(), 6 levels of nesting exceeds limit of 5."),
        (
            {"anyOf": [LOOSE]},
            "In context=(), schema must be a JSON Schema of 'type: \"object\"', got 'type: \"None\"'.",
        ),
    ],
)
def test_strict_json_schema_is_checked_by_the_service_rules(e: Emu, schema: dict[str, Any], message: str) -> None:
    for model in ("gpt-4o-mini", "o3-mini"):
        r = v1(e, model, response_format=_json_schema(schema))
        assert r.status_code == 400
        assert r.json() == refusal(f"Invalid schema for response_format 'Joke': {message}", "response_format", None)


def test_five_levels_are_allowed_and_non_strict_schemas_are_not_checked(e: Emu) -> None:
    assert v1(e, "gpt-4o-mini", response_format=_json_schema(_nested(5))).status_code == 200
    assert v1(e, "gpt-4o-mini", response_format=_json_schema(LOOSE, strict=False)).status_code == 200


def test_strict_function_tools_are_checked_too(e: Emu) -> None:
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": LOOSE, "strict": True}}
    r = v1(e, "gpt-4o-mini", tools=[{"type": "function", "function": {"name": "ok"}}, tool])
    assert r.status_code == 400
    assert r.json() == refusal(
        "Invalid schema for function 'get_weather': In context=(), 'additionalProperties' is required to be "
        "supplied and to be false.",
        "tools[1].function.parameters",
        "invalid_function_parameters",
    )


class Address(pydantic.BaseModel):
    city: str
    zip_code: str | None = None


class Person(pydantic.BaseModel):
    name: str
    age: int | None = None
    tags: list[str] = []
    address: Address
    previous: list[Address] = []


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o4-mini"])
def test_transport_strict_schemas_round_trip_through_the_strict_emulator(e: Emu, model: str) -> None:
    # Without the transport's rewrite the service (and the emulator) refuse pydantic's schema...
    raw = v1(e, model, response_format=_json_schema(Person.model_json_schema(), name="Person"))
    assert raw.status_code == 400
    # ...with it, the answer parses as the model.
    strict = to_strict_schema(Person.model_json_schema())
    r = v1(e, model, response_format=_json_schema(strict, name="Person"), max_completion_tokens=4000)
    assert r.status_code == 200, r.text
    person = Person.model_validate_json(r.json()["choices"][0]["message"]["content"])
    assert isinstance(person.address, Address)
    assert_v1_valid(r.json())


# -- model router, retired models ----------------------------------------------------------------------------------


def test_model_router_passes_reasoning_effort_on_every_route(e: Emu) -> None:
    for route in (v1, deployment):
        r = route(e, "model-router", reasoning_effort="low", max_completion_tokens=200)
        assert r.status_code == 200, r.text


def test_model_router_answers_with_the_model_it_picked(e: Emu) -> None:
    r = v1(e, "model-router", temperature=0.3, max_tokens=30, top_p=0.5)  # never refused (docs/wire.md §V1.6)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] in ("gpt-5-mini-2025-08-07", "gpt-4.1-mini-2025-04-14", "o4-mini-2025-04-16")
    assert v1(e, "model-router").json()["model"] == body["model"]  # stable for the same conversation
    picked = {
        v1(e, "model-router", messages=[{"role": "user", "content": f"question {i}"}]).json()["model"]
        for i in range(12)
    }
    assert len(picked) > 1  # it does route
    events, done = sse_events(v1(e, "model-router", stream=True))
    assert done
    assert {ev["model"] for ev in events} == {body["model"]}
    assert_v1_valid(body)


@pytest.mark.parametrize("route", [v1, deployment])
def test_a_deployment_of_a_retired_model_fails(e: Emu, route: Any) -> None:
    r = route(e, "gpt-35-turbo-0301")
    assert r.status_code == 404
    assert r.json() == {"error": {"code": "404", "message": "Resource not found"}}


# -- what v1 responses carry ---------------------------------------------------------------------------------------


def test_v1_responses_carry_filter_annotations(e: Emu) -> None:
    body = v1(e, "gpt-4o-mini").json()
    assert body["prompt_filter_results"][0]["prompt_index"] == 0
    prompt = body["prompt_filter_results"][0]["content_filter_results"]
    assert prompt["jailbreak"] == {"filtered": False, "detected": False}
    assert prompt["hate"] == {"filtered": False, "severity": "safe"}
    choice = body["choices"][0]
    assert choice["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert choice["message"]["refusal"] is None
    assert choice["logprobs"] is None
    assert_v1_valid(body)
    # The OpenAI-compatible route and the Model Inference API do not add Azure's v1 annotations.
    assert "prompt_filter_results" not in e.post("/v1/chat/completions", {"messages": MSG}, api_version=None).json()
    assert "prompt_filter_results" not in e.chat(MSG).json()


def test_a_filtered_output_names_its_category(e: Emu) -> None:
    e.control.set_blocklists(output=["Paris:violence"])
    e.control.queue_chat("The capital is Paris.")
    body = v1(e, "gpt-4o-mini").json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}
    assert_v1_valid(body)


@pytest.mark.parametrize("model", ["gpt-4o-mini", "o3-mini", "gpt-5-mini", "DeepSeek-R1"])
def test_v1_streams_validate_and_carry_annotations(e: Emu, model: str) -> None:
    events, done = sse_events(v1(e, model, stream=True, stream_options={"include_usage": True}))
    assert done
    assert_v1_chunks_valid(events)
    assert events[0]["choices"] == []
    assert events[0]["prompt_filter_results"][0]["content_filter_results"]["jailbreak"]["detected"] is False
    content = [c for ev in events for c in ev["choices"] if c["delta"].get("content")]
    assert content
    assert all("content_filter_results" in c for c in content)
    reasoning = fold_content(events, "reasoning_content")
    assert (reasoning != "") is (model == "DeepSeek-R1")  # OpenAI reasoning models stream no reasoning text
    usage = events[-1]["usage"]
    assert (usage["completion_tokens_details"]["reasoning_tokens"] > 0) is (model != "gpt-4o-mini")


def test_v1_error_bodies_validate_up_to_the_known_deviations(e: Emu) -> None:
    # Δ2 (docs/wire.md §V1.8): live bodies say type "invalid_request_error" (the spec's enum has only "error") and
    # code null for schema errors (the spec types it as a string).
    allowed = {("error/type", "enum"), ("error/code", "type")}
    for r in (v1(e, "o3-mini", max_tokens=1), v1(e, "gpt-4o-mini", response_format=_json_schema(LOOSE))):
        errs = {("/".join(map(str, x.absolute_path)), x.validator) for x in v1_errors("AzureErrorResponse", r.json())}
        assert errs <= allowed, errs
        assert errs  # the deviation is real, not assumed


# -- --lenient -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lenient() -> Iterator[EmulatorHandle]:
    with run_emulator("--lenient") as handle:
        yield handle


def test_lenient_accepts_what_the_service_refuses(lenient: EmulatorHandle, http: httpx.Client) -> None:
    for body in (
        {"model": "o3-mini", "max_tokens": 20, "temperature": 0.1, "top_p": 0.3},
        {"model": "o4-mini", "temperature": 0.1, "stop": ["x"]},
        {"model": "gpt-4o-mini", "response_format": _json_schema(LOOSE)},
    ):
        r = http.post(lenient.openai_v1 + "/chat/completions", json={"messages": MSG, **body})
        assert r.status_code == 200, (body, r.text)
    # Retired is not a matter of strictness.
    r = http.post(lenient.openai_v1 + "/chat/completions", json={"messages": MSG, "model": "gpt-35-turbo-0301"})
    assert r.status_code == 404


def test_lenient_from_the_catalog_file(tmp_path: Any, http: httpx.Client) -> None:
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("[emulator]\nlenient = true\n")
    with run_emulator(catalog=catalog) as handle:
        r = http.post(
            handle.openai_v1 + "/chat/completions", json={"messages": MSG, "model": "o3-mini", "max_tokens": 5}
        )
        assert r.status_code == 200, r.text


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        ("gpt-4o-mini", {"tools": [WEATHER], "tool_choice": "required"}),
        ("o4-mini", {"tools": [WEATHER], "messages": [{"role": "user", "content": "Weather in Oslo?"}]}),
        ("gpt-5-mini", {"response_format": {"type": "json_object"}}),
        ("DeepSeek-R1-think", {"max_tokens": 300}),
        ("Phi-4-multimodal-instruct", {"modalities": ["text", "audio"]}),
    ],
)
def test_v1_json_and_stream_validate(e: Emu, model: str, extra: dict[str, Any]) -> None:
    body = {"model": model, "messages": MSG, **extra}
    r = e.post(V1, body, api_version=None)
    assert r.status_code == 200, r.text
    assert_v1_valid(r.json())
    body = {k: v for k, v in body.items() if k != "modalities"}
    events, done = sse_events(e.post(V1, {**body, "stream": True}, api_version=None))
    assert done
    assert_v1_chunks_valid(events)


def test_the_retired_model_inference_api_can_be_tried(http: httpx.Client) -> None:
    with run_emulator("--retire-model-inference") as handle:
        gone = {"error": {"code": "404", "message": "Resource not found"}}
        for path in ("/models/chat/completions", "/chat/completions", "/models/embeddings"):
            r = http.post(
                handle.url + path, params={"api-version": "2025-05-01"}, json={"messages": MSG, "input": ["x"]}
            )
            assert (r.status_code, r.json()) == (404, gone), path
        r = http.get(handle.endpoint + "/info", params={"api-version": "2025-05-01"})
        assert (r.status_code, r.json()) == (404, gone)
        # The surfaces users move to keep working.
        assert http.post(handle.openai_v1 + "/chat/completions", json={"messages": MSG}).status_code == 200
        r = http.post(
            handle.deployment("gpt-4o-mini") + "/chat/completions",
            params={"api-version": "2025-04-01-preview"},
            json={"messages": MSG},
        )
        assert r.status_code == 200, r.text
