"""ChatAzureInference and issue 11: reasoning parameters, self-adapting requests, strict structured output with
fallbacks, what v1 responses carry, and the content filter — over the mock transport and the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk
from pydantic import BaseModel

from azure_inference import ContentFilterError, StrictSchemaError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import ChatAzureInference

from ..transport.reasoner import REASONER, chat_posts, reasoner_emulator

V1 = "https://r.openai.azure.com/openai/v1"


class Person(BaseModel):
    """A person."""

    name: str
    nickname: str | None = None


PERSON = '{"name":"Ada","nickname":null}'


class Recorder:
    """A MockTransport handler: records bodies, answers with ``answer(body)``."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        result: httpx.Response = self.answer(body)
        return result


def completion(content: str | None = "ok", finish: str = "stop", **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if "tool_calls" in extra:
        message["tool_calls"] = extra.pop("tool_calls")
    choice = {"index": 0, "finish_reason": finish, "message": message}
    if "content_filter_results" in extra:
        choice["content_filter_results"] = extra.pop("content_filter_results")
    return {"id": "r1", "object": "chat.completion", "created": 1, "model": "my-model", "choices": [choice], **extra}


def make(rec: Recorder, sync: bool, **fields: Any) -> ChatAzureInference:
    transport = httpx.MockTransport(rec)
    fields.setdefault("model", "my-model")
    return ChatAzureInference(
        endpoint=fields.pop("endpoint", V1),
        api_key="secret-key-123",
        http_client=httpx.Client(transport=transport) if sync else None,
        http_async_client=None if sync else httpx.AsyncClient(transport=transport),
        max_retries=0,
        **fields,
    )


async def invoke(llm: Any, sync: bool, *args: Any) -> Any:
    return llm.invoke(*args) if sync else await llm.ainvoke(*args)


async def stream(llm: Any, sync: bool, *args: Any) -> list[Any]:
    if sync:
        return list(llm.stream(*args))
    return [c async for c in llm.astream(*args)]


def refusal(param: str) -> httpx.Response:
    error = {
        "message": f"Unsupported parameter: '{param}' is not supported with this model.",
        "type": "invalid_request_error",
        "param": param,
        "code": "unsupported_parameter",
    }
    return httpx.Response(400, json={"error": error})


# -- parameters ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_reasoning_fields_and_call_kwargs_reach_the_wire_shaped_for_the_known_model(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion()))
    llm = make(rec, sync, model="o4-mini", max_completion_tokens=50, reasoning_effort="low", temperature=0.3)
    await invoke(llm, sync, "hi")
    assert rec.bodies[-1]["max_completion_tokens"] == 50
    assert rec.bodies[-1]["reasoning_effort"] == "low"
    assert "temperature" not in rec.bodies[-1]
    assert "max_tokens" not in rec.bodies[-1]
    await invoke(llm.bind(reasoning_effort="high", max_completion_tokens=9), sync, "hi")
    assert rec.bodies[-1]["reasoning_effort"] == "high"
    assert rec.bodies[-1]["max_completion_tokens"] == 9


@pytest.mark.parametrize("sync", [True, False])
async def test_model_family_shapes_requests_and_sets_the_profile(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion()))
    llm = make(rec, sync, model="prod-chat", model_family="gpt-5-mini", verbosity="low", max_tokens=20)
    await invoke(llm, sync, "hi")
    assert rec.bodies[-1]["verbosity"] == "low"
    assert rec.bodies[-1]["max_completion_tokens"] == 20
    assert llm.profile is not None
    assert llm.profile["reasoning_output"] is True


# -- self-adapting requests ------------------------------------------------------------------------------------


def _reasoner(body: dict[str, Any]) -> httpx.Response:
    for field in ("max_tokens", "temperature"):
        if field in body:
            return refusal(field)
    if body.get("stream"):
        return _sse(_chunk("o"), _chunk("k", "stop"))
    return httpx.Response(200, json=completion())


@pytest.mark.parametrize("sync", [True, False])
async def test_an_unknown_reasoning_deployment_adapts_and_says_so_in_the_metadata(sync: bool) -> None:
    rec = Recorder(_reasoner)
    llm = make(rec, sync, model="my-reasoner", max_tokens=40, temperature=0.2)
    first = await invoke(llm, sync, "hi")
    assert first.content == "ok"
    expected = ["sent max_tokens as max_completion_tokens", "left out temperature"]
    assert first.response_metadata["adaptations"] == expected
    assert len(rec.bodies) == 3
    chunks = await stream(llm, sync, "hi")
    assert len(rec.bodies) == 4  # remembered: the stream is shaped before sending
    last = chunks[-1]
    assert last.response_metadata["adaptations"] == expected


@pytest.mark.parametrize("sync", [True, False])
async def test_adapt_off_raises(sync: bool) -> None:
    rec = Recorder(_reasoner)
    llm = make(rec, sync, model="my-reasoner", max_tokens=40, adapt="off")
    with pytest.raises(Exception, match="max_tokens"):
        await invoke(llm, sync, "hi")
    assert len(rec.bodies) == 1


# -- structured output -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_strict_json_schema_follows_the_services_rules(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion(PERSON)))
    llm = make(rec, sync, model="gpt-4o")
    out = await invoke(llm.with_structured_output(Person, method="json_schema", strict=True), sync, "who?")
    assert out == Person(name="Ada")
    schema = rec.bodies[-1]["response_format"]["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["name", "nickname"]
    assert rec.bodies[-1]["response_format"]["json_schema"]["strict"] is True


def test_a_schema_strict_mode_cannot_express_is_refused_before_sending() -> None:
    class Bounded(BaseModel):
        code: str

        model_config = {"json_schema_extra": {"properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}}}}

    rec = Recorder(lambda _: httpx.Response(200, json=completion(PERSON)))
    llm = make(rec, True)
    with pytest.raises(StrictSchemaError, match="pattern"):
        llm.with_structured_output(Bounded, method="json_schema", strict=True)
    assert rec.bodies == []


def test_the_default_method_is_json_schema_where_the_known_model_takes_it() -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion()))
    assert make(rec, True, model="gpt-4o")._default_structured_method() == "json_schema"
    assert make(rec, True, model="Mistral-small")._default_structured_method() == "function_calling"
    assert make(rec, True, model="prod", model_family="o4-mini")._default_structured_method() == "json_schema"


def _refuses_json_schema(status: int, error: dict[str, Any]) -> Any:
    def answer(body: dict[str, Any]) -> httpx.Response:
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return httpx.Response(status, json=error)
        if body.get("tools"):
            call = {"id": "c1", "type": "function", "function": {"name": "Person", "arguments": PERSON}}
            return httpx.Response(200, json=completion(None, "tool_calls", tool_calls=[call]))
        return httpx.Response(200, json=completion(PERSON))

    return answer


SHAPES = {
    "422": (
        "https://res.services.ai.azure.com/models",
        422,
        {"detail": [{"loc": ["body", "response_format"], "msg": "not supported", "type": "value_error"}]},
    ),
    "400": (
        V1,
        400,
        {
            "error": {
                "message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with "
                "this model.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    ),
    "5xx": ("http://127.0.0.1:9/v1", 500, {"error": {"message": "response_format json_schema is not supported"}}),
}


@pytest.mark.parametrize("include_raw", [False, True])
@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("sync", [True, False])
async def test_json_schema_falls_back_to_function_calling_on_each_refusal_shape(
    sync: bool, shape: str, include_raw: bool
) -> None:
    endpoint, status, error = SHAPES[shape]
    rec = Recorder(_refuses_json_schema(status, error))
    llm = make(rec, sync, endpoint=endpoint)
    runnable = llm.with_structured_output(Person, method="json_schema", strict=True, include_raw=include_raw)
    out = await invoke(runnable, sync, "who?")
    parsed = out["parsed"] if include_raw else out
    assert parsed == Person(name="Ada")
    assert rec.bodies[-1]["tool_choice"]["function"]["name"] == "Person"
    if include_raw:
        assert out["parsing_error"] is None
        assert out["raw"].response_metadata["adaptations"] == [
            "sent response_format json_schema as a forced function call"
        ]


@pytest.mark.parametrize("sync", [True, False])
async def test_function_calling_falls_back_to_json_object(sync: bool) -> None:
    def answer(body: dict[str, Any]) -> httpx.Response:
        if body.get("tools"):
            return refusal("tools")
        assert body["response_format"] == {"type": "json_object"}
        return httpx.Response(200, json=completion(PERSON))

    rec = Recorder(answer)
    llm = make(rec, sync)
    out = await invoke(llm.with_structured_output(Person, method="function_calling"), sync, "who?")
    assert out == Person(name="Ada")
    assert len(rec.bodies) == 2


# -- response content ------------------------------------------------------------------------------------------

FILTERS = {"hate": {"filtered": False, "severity": "safe"}, "violence": {"filtered": True, "severity": "high"}}
PROMPT_FILTERS = [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}]


@pytest.mark.parametrize("sync", [True, False])
async def test_finish_reason_content_filter_raises_with_the_cut_text(sync: bool) -> None:
    body = completion("The first half", "content_filter", content_filter_results=FILTERS)
    rec = Recorder(lambda _: httpx.Response(200, json=body))
    llm = make(rec, sync)
    with pytest.raises(ContentFilterError) as info:
        await invoke(llm, sync, "hi")
    assert info.value.partial_text == "The first half"
    assert info.value.filtered_categories == ["violence"]
    quiet = make(rec, sync, raise_on_content_filter=False)
    assert (await invoke(quiet, sync, "hi")).content == "The first half"


def _sse(*events: dict[str, Any]) -> httpx.Response:
    data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, content=data.encode(), headers={"content-type": "text/event-stream"})


def _chunk(content: str | None, finish: str | None = None, **choice: Any) -> dict[str, Any]:
    delta = {"content": content} if content is not None else {}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "o4-mini-2025-04-16",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, **choice}],
    }


@pytest.mark.parametrize("sync", [True, False])
async def test_a_streamed_content_filter_raises_with_the_cut_text(sync: bool) -> None:
    events = (_chunk("cut "), _chunk("here", "content_filter", content_filter_results=FILTERS))
    rec = Recorder(lambda _: _sse(*events))
    llm = make(rec, sync)
    with pytest.raises(ContentFilterError) as info:
        await stream(llm, sync, "hi")
    assert info.value.partial_text == "cut here"
    assert info.value.categories == FILTERS


@pytest.mark.parametrize("sync", [True, False])
async def test_streamed_annotations_usage_details_and_the_answering_model(sync: bool) -> None:
    first = {"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": PROMPT_FILTERS}
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 30,
        "total_tokens": 40,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    done = {**_chunk(None), "choices": [], "usage": usage}
    events = (first, _chunk("hi"), _chunk(None, "stop", content_filter_results=FILTERS), done)
    rec = Recorder(lambda _: _sse(*events))
    llm = make(rec, sync, model="model-router")
    chunks = await stream(llm, sync, "hi")
    whole: AIMessageChunk = sum(chunks[1:], chunks[0])
    assert whole.content == "hi"
    assert whole.response_metadata["prompt_filter_results"] == PROMPT_FILTERS
    assert whole.response_metadata["content_filter_results"] == FILTERS
    assert whole.response_metadata["model_name"] == "o4-mini-2025-04-16"
    assert whole.usage_metadata is not None
    assert whole.usage_metadata["input_token_details"] == {"cache_read": 4}
    assert whole.usage_metadata["output_token_details"] == {"reasoning": 20}


@pytest.mark.parametrize("sync", [True, False])
async def test_whole_responses_carry_filters_usage_details_and_the_answering_model(sync: bool) -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 30,
        "total_tokens": 40,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 20},
    }
    body = {
        **completion("hi", content_filter_results=FILTERS),
        "model": "gpt-5-mini-2025-08-07",
        "usage": usage,
        "prompt_filter_results": PROMPT_FILTERS,
    }
    rec = Recorder(lambda _: httpx.Response(200, json=body))
    msg = await invoke(make(rec, sync, model="model-router"), sync, "hi")
    assert msg.response_metadata["model_name"] == "gpt-5-mini-2025-08-07"
    assert msg.response_metadata["prompt_filter_results"] == PROMPT_FILTERS
    assert msg.response_metadata["content_filter_results"] == FILTERS
    assert msg.usage_metadata["input_token_details"] == {"cache_read": 4}
    assert msg.usage_metadata["output_token_details"] == {"reasoning": 20}


# -- end to end (emulator subprocess) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reasoner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    with reasoner_emulator(tmp_path_factory.mktemp("reasoner")) as handle:
        yield handle


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_e2e_unknown_reasoner_adapts_then_is_shaped_and_structured_output_round_trips(
    reasoner: EmulatorHandle, sync: bool
) -> None:
    reasoner.control.reset()
    llm = ChatAzureInference(
        endpoint=reasoner.openai_v1, model=REASONER, max_completion_tokens=60, temperature=0.2, max_retries=0
    )
    try:
        first = await invoke(llm, sync, "Tell me a joke")
        assert first.content
        assert "sent max_tokens as max_completion_tokens" in first.response_metadata["adaptations"]
        sent = len(chat_posts(reasoner))
        chunks = await stream(llm, sync, "Tell me a joke")
        assert "".join(str(c.content) for c in chunks)
        assert len(chat_posts(reasoner)) == sent + 1  # shaped before sending
        assert first.usage_metadata["output_token_details"]["reasoning"] > 0
        assert first.response_metadata["prompt_filter_results"]
        structured = llm.with_structured_output(Person, method="json_schema", strict=True)
        person = await invoke(structured, sync, "Who?")
        assert isinstance(person, Person)
        assert chat_posts(reasoner)[-1]["response_format"]["json_schema"]["schema"]["additionalProperties"] is False
    finally:
        llm.close()
        await llm.aclose()


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_e2e_structured_output_steps_down_twice_on_the_model_inference_api(
    emu: EmulatorHandle, sync: bool
) -> None:
    # The emulator's json_object answer does not read the schema from the prompt: script the model's JSON.
    emu.control.queue_chat(PERSON, model="Phi-3.5-mini-instruct")
    llm = ChatAzureInference(endpoint=emu.endpoint, model="Phi-3.5-mini-instruct", api_version="2025-05-01")
    try:
        raw = await invoke(llm.with_structured_output(Person, method="json_schema", include_raw=True), sync, "Who?")
        assert raw["parsing_error"] is None
        assert raw["parsed"] == Person(name="Ada")
        assert len(raw["raw"].response_metadata["adaptations"]) == 2
        assert emu.control.requests("/chat/completions")[-1]["body"]["response_format"] == {"type": "json_object"}
    finally:
        llm.close()
        await llm.aclose()


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_e2e_content_filter_raises_in_langchain(emu: EmulatorHandle, sync: bool) -> None:
    emu.control.queue_chat("partial answer", content_filter="violence", times=2)
    llm = ChatAzureInference(endpoint=emu.openai_v1, model="gpt-4o-mini", max_retries=0)
    try:
        with pytest.raises(ContentFilterError) as info:
            await invoke(llm, sync, "hi")
        assert info.value.filtered_categories == ["violence"]
        with pytest.raises(ContentFilterError):
            await stream(llm, sync, "hi")
    finally:
        llm.close()
        await llm.aclose()
