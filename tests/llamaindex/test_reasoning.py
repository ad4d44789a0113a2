"""AzureInference and issue 11: reasoning parameters, self-adapting requests, strict structured output with
fallbacks, what v1 responses carry, and the content filter — over the mock transport and the emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from azure_inference import ContentFilterError, StrictSchemaError
from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference

from ..transport.reasoner import REASONER, chat_posts, reasoner_emulator

V1 = "https://r.openai.azure.com/openai/v1"
SYNC = pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
MSGS = [ChatMessage(role="user", content="hi")]
PROMPT = PromptTemplate("Who is {who}?")


class Person(BaseModel):
    """A person."""

    name: str
    nickname: str | None = None


PERSON_JSON = '{"name":"Ada","nickname":null}'
FILTERS = {"hate": {"filtered": False, "severity": "safe"}, "violence": {"filtered": True, "severity": "high"}}
PROMPT_FILTERS = [{"prompt_index": 0, "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}]


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


def sse(*events: dict[str, Any]) -> httpx.Response:
    data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, content=data.encode(), headers={"content-type": "text/event-stream"})


def chunk(content: str | None, finish: str | None = None, **choice: Any) -> dict[str, Any]:
    delta = {"content": content} if content is not None else {}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "o4-mini-2025-04-16",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, **choice}],
    }


def make(rec: Recorder, **fields: Any) -> AzureInference:
    transport = httpx.MockTransport(rec)
    fields.setdefault("model", "my-model")
    return AzureInference(
        endpoint=fields.pop("endpoint", V1),
        credential="secret-key-123",
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
        **fields,
    )


async def chat(llm: AzureInference, sync: bool, **kw: Any) -> Any:
    return llm.chat(MSGS, **kw) if sync else await llm.achat(MSGS, **kw)


async def stream(llm: AzureInference, sync: bool) -> list[Any]:
    if sync:
        return list(llm.stream_chat(MSGS))
    return [r async for r in await llm.astream_chat(MSGS)]


async def predict(llm: AzureInference, sync: bool) -> Person:
    if sync:
        return llm.structured_predict(Person, PROMPT, who="Ada")
    return await llm.astructured_predict(Person, PROMPT, who="Ada")


def refusal(param: str) -> httpx.Response:
    error = {
        "message": f"Unsupported parameter: '{param}' is not supported with this model.",
        "type": "invalid_request_error",
        "param": param,
        "code": "unsupported_parameter",
    }
    return httpx.Response(400, json={"error": error})


# -- parameters ------------------------------------------------------------------------------------------------


@SYNC
async def test_max_tokens_goes_as_max_completion_tokens_and_reasoning_fields_reach_the_wire(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion()))
    llm = make(rec, model="o3-mini", max_tokens=50, reasoning_effort="high", temperature=0.4)
    await chat(llm, sync)
    sent = rec.bodies[-1]
    assert sent["max_completion_tokens"] == 50
    assert sent["reasoning_effort"] == "high"
    assert "max_tokens" not in sent
    assert "temperature" not in sent
    await chat(llm, sync, max_completion_tokens=7, reasoning_effort="low")
    assert rec.bodies[-1]["max_completion_tokens"] == 7
    assert rec.bodies[-1]["reasoning_effort"] == "low"


@SYNC
async def test_model_family_shapes_requests_and_sets_metadata(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion()))
    llm = make(rec, model="prod-chat", model_family="gpt-5-mini", verbosity="low", max_tokens=20)
    await chat(llm, sync)
    assert rec.bodies[-1]["verbosity"] == "low"
    assert rec.bodies[-1]["max_completion_tokens"] == 20
    assert llm.metadata.context_window == 400_000


# -- self-adapting requests ------------------------------------------------------------------------------------


def _reasoner(body: dict[str, Any]) -> httpx.Response:
    for field in ("max_tokens", "temperature"):
        if field in body:
            return refusal(field)
    if body.get("stream"):
        return sse(chunk("o"), chunk("k", "stop"))
    return httpx.Response(200, json=completion())


@SYNC
async def test_an_unknown_reasoning_deployment_adapts_and_says_so_in_raw(sync: bool) -> None:
    rec = Recorder(_reasoner)
    llm = make(rec, model="my-reasoner", max_tokens=40, temperature=0.2)
    first = await chat(llm, sync)
    expected = ["sent max_tokens as max_completion_tokens", "left out temperature"]
    assert first.message.content == "ok"
    assert first.raw["adaptations"] == expected
    assert len(rec.bodies) == 3
    responses = await stream(llm, sync)
    assert len(rec.bodies) == 4  # remembered: the stream is shaped before sending
    assert responses[-1].message.content == "ok"
    assert responses[-1].raw["adaptations"] == expected


@SYNC
async def test_adapt_off_raises(sync: bool) -> None:
    rec = Recorder(_reasoner)
    llm = make(rec, model="my-reasoner", max_tokens=40, adapt="off")
    with pytest.raises(Exception, match="max_tokens"):
        await chat(llm, sync)
    assert len(rec.bodies) == 1


# -- structured output -----------------------------------------------------------------------------------------


@SYNC
async def test_strict_structured_predict_round_trips(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion(PERSON_JSON)))
    llm = make(rec, model="gpt-4o")
    assert await predict(llm, sync) == Person(name="Ada")
    spec = rec.bodies[-1]["response_format"]["json_schema"]
    assert spec["strict"] is True
    assert spec["schema"]["additionalProperties"] is False
    assert sorted(spec["schema"]["required"]) == ["name", "nickname"]


def test_a_model_strict_mode_cannot_express_is_refused_before_sending() -> None:
    class Coded(BaseModel):
        code: str

        model_config = {"json_schema_extra": {"properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}}}}

    rec = Recorder(lambda _: httpx.Response(200, json=completion('{"code":"A"}')))
    llm = make(rec, model="gpt-4o")
    with pytest.raises(StrictSchemaError, match="pattern"):
        llm.structured_predict(Coded, PROMPT, who="x")
    assert rec.bodies == []


@SYNC
async def test_as_structured_llm_goes_through_the_native_path(sync: bool) -> None:
    rec = Recorder(lambda _: httpx.Response(200, json=completion(PERSON_JSON)))
    sllm = make(rec, model="gpt-4o").as_structured_llm(Person)
    response = sllm.chat(MSGS) if sync else await sllm.achat(MSGS)
    assert response.raw == Person(name="Ada")
    assert rec.bodies[-1]["response_format"]["type"] == "json_schema"


def _refuses_json_schema(status: int, error: dict[str, Any]) -> Any:
    def answer(body: dict[str, Any]) -> httpx.Response:
        if (body.get("response_format") or {}).get("type") == "json_schema":
            return httpx.Response(status, json=error)
        call = {"id": "c1", "type": "function", "function": {"name": "Person", "arguments": PERSON_JSON}}
        return httpx.Response(200, json=completion(None, "tool_calls", tool_calls=[call]))

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


@pytest.mark.parametrize("shape", list(SHAPES))
@SYNC
async def test_structured_predict_falls_back_on_each_refusal_shape(sync: bool, shape: str) -> None:
    endpoint, status, error = SHAPES[shape]
    rec = Recorder(_refuses_json_schema(status, error))
    llm = make(rec, endpoint=endpoint, supports_json_schema=True)
    assert await predict(llm, sync) == Person(name="Ada")
    assert rec.bodies[-1]["tool_choice"]["function"]["name"] == "Person"
    assert len(rec.bodies) == 2


# -- response content ------------------------------------------------------------------------------------------


@SYNC
async def test_finish_reason_content_filter_raises_with_the_cut_text(sync: bool) -> None:
    body = completion("The first half", "content_filter", content_filter_results=FILTERS)
    llm = make(Recorder(lambda _: httpx.Response(200, json=body)))
    with pytest.raises(ContentFilterError) as info:
        await chat(llm, sync)
    assert info.value.partial_text == "The first half"
    assert info.value.filtered_categories == ["violence"]


@SYNC
async def test_a_streamed_content_filter_raises_with_the_cut_text(sync: bool) -> None:
    events = (chunk("cut "), chunk("here", "content_filter", content_filter_results=FILTERS))
    llm = make(Recorder(lambda _: sse(*events)))
    with pytest.raises(ContentFilterError) as info:
        await stream(llm, sync)
    assert info.value.partial_text == "cut here"


USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 30,
    "total_tokens": 40,
    "prompt_tokens_details": {"cached_tokens": 4},
    "completion_tokens_details": {"reasoning_tokens": 20},
}


@SYNC
async def test_raw_carries_filters_usage_details_and_the_answering_model(sync: bool) -> None:
    body = {
        **completion("hi", content_filter_results=FILTERS),
        "model": "gpt-5-mini-2025-08-07",
        "usage": USAGE,
        "prompt_filter_results": PROMPT_FILTERS,
    }
    response = await chat(make(Recorder(lambda _: httpx.Response(200, json=body)), model="model-router"), sync)
    assert response.raw["model"] == "gpt-5-mini-2025-08-07"
    assert response.raw["prompt_filter_results"] == PROMPT_FILTERS
    assert response.raw["choices"][0]["content_filter_results"] == FILTERS
    assert response.raw["usage"]["prompt_tokens_details"] == {"cached_tokens": 4}
    assert response.raw["usage"]["completion_tokens_details"]["reasoning_tokens"] == 20


@SYNC
async def test_streamed_raw_carries_the_prompt_annotations_and_usage_details(sync: bool) -> None:
    first = {"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": PROMPT_FILTERS}
    done = {**chunk(None), "choices": [], "usage": USAGE}
    events = (first, chunk("hi"), chunk(None, "stop", content_filter_results=FILTERS), done)
    responses = await stream(make(Recorder(lambda _: sse(*events)), model="model-router"), sync)
    last = responses[-1]
    assert last.message.content == "hi"
    assert last.raw["prompt_filter_results"] == PROMPT_FILTERS
    assert last.raw["usage"]["completion_tokens_details"]["reasoning_tokens"] == 20
    assert any(r.raw.get("choices", [{}])[0].get("content_filter_results") == FILTERS for r in responses)


# -- end to end (emulator subprocess) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reasoner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    with reasoner_emulator(tmp_path_factory.mktemp("reasoner")) as handle:
        yield handle


@pytest.mark.e2e
@SYNC
async def test_e2e_unknown_reasoner_adapts_then_is_shaped_and_structured_output_round_trips(
    reasoner: EmulatorHandle, sync: bool
) -> None:
    reasoner.control.reset()
    llm = AzureInference(endpoint=reasoner.openai_v1, model=REASONER, max_tokens=60, temperature=0.2, max_retries=0)
    try:
        first = await chat(llm, sync)
        assert first.message.content
        assert "sent max_tokens as max_completion_tokens" in first.raw["adaptations"]
        sent = len(chat_posts(reasoner))
        responses = await stream(llm, sync)
        assert responses[-1].message.content
        assert len(chat_posts(reasoner)) == sent + 1  # shaped before sending
        assert first.raw["usage"]["completion_tokens_details"]["reasoning_tokens"] > 0
        assert first.raw["prompt_filter_results"]
        strict = AzureInference(endpoint=reasoner.openai_v1, model=REASONER, model_family="o4-mini")
        try:
            assert isinstance(await predict(strict, sync), Person)
            assert chat_posts(reasoner)[-1]["response_format"]["json_schema"]["strict"] is True
        finally:
            strict.close()
            await strict.aclose()
    finally:
        llm.close()
        await llm.aclose()


@pytest.mark.e2e
@SYNC
async def test_e2e_structured_predict_steps_down_twice_on_the_model_inference_api(
    emu: EmulatorHandle, sync: bool
) -> None:
    # The emulator's json_object answer does not read the schema from the prompt: script the model's JSON.
    emu.control.queue_chat(PERSON_JSON, model="Phi-3.5-mini-instruct")
    llm = AzureInference(
        endpoint=emu.endpoint, model="Phi-3.5-mini-instruct", api_version="2025-05-01", supports_json_schema=True
    )
    try:
        assert await predict(llm, sync) == Person(name="Ada")
        kinds = [(r["body"].get("response_format") or {}).get("type") for r in emu.control.requests("/chat")]
        assert kinds == ["json_schema", None, "json_object"]
    finally:
        llm.close()
        await llm.aclose()


@pytest.mark.e2e
@SYNC
async def test_e2e_content_filter_raises_in_llamaindex(emu: EmulatorHandle, sync: bool) -> None:
    emu.control.queue_chat("partial answer", content_filter="violence", times=2)
    llm = AzureInference(endpoint=emu.openai_v1, model="gpt-4o-mini", max_retries=0)
    try:
        with pytest.raises(ContentFilterError) as info:
            await chat(llm, sync)
        assert info.value.filtered_categories == ["violence"]
        with pytest.raises(ContentFilterError):
            await stream(llm, sync)
    finally:
        llm.close()
        await llm.aclose()
