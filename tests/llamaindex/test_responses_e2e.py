"""End-to-end: ``AzureInference`` on chat completions and on the Responses API, against the emulator subprocess.

The same code runs on both APIs; only ``use_responses_api`` (or the deployment's ``api``) changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel

from azure_inference import ContentFilterError, Deployment
from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference

pytestmark = pytest.mark.e2e

APIS = ["chat", "responses"]
SYNC = pytest.mark.parametrize("sync", [True, False])
MakeLLM = Callable[..., AzureInference]


@pytest.fixture
async def make_v1(emu: EmulatorHandle) -> AsyncIterator[MakeLLM]:
    """``AzureInference`` on the emulator's openai-v1 surface, one API or the other; closed at the end."""
    made: list[AzureInference] = []

    def make(api: str, model: str = "gpt-4o-mini", **kwargs: Any) -> AzureInference:
        llm = AzureInference(
            endpoint=emu.openai_v1, api_key="k", model=model, use_responses_api=api == "responses", **kwargs
        )
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.aclose()


def route(api: str) -> str:
    return "/responses" if api == "responses" else "/chat/completions"


def kind(api: str) -> str:
    """The emulator's route name, for scripted replies (a reply with no route answers chat only)."""
    return "responses" if api == "responses" else "chat"


async def chat(llm: AzureInference, sync: bool, messages: list[ChatMessage], **kw: Any) -> ChatResponse:
    response: ChatResponse = llm.chat(messages, **kw) if sync else await llm.achat(messages, **kw)
    return response


async def stream(llm: AzureInference, sync: bool, messages: list[ChatMessage]) -> list[ChatResponse]:
    if sync:
        return list(llm.stream_chat(messages))
    return [r async for r in await llm.astream_chat(messages)]


@pytest.mark.parametrize("api", APIS)
@SYNC
async def test_chat_stream_and_complete_on_both_apis(
    emu: EmulatorHandle, make_v1: MakeLLM, api: str, sync: bool
) -> None:
    llm = make_v1(api)
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Say hello")]
    whole = await chat(llm, sync, messages)
    pieces = await stream(llm, sync, messages)
    done = llm.complete("Say hello") if sync else await llm.acomplete("Say hello")
    assert whole.message.content
    assert "".join(p.delta or "" for p in pieces) == whole.message.content
    assert pieces[-1].message.content == whole.message.content
    assert whole.additional_kwargs["total_tokens"] > 0
    assert pieces[-1].additional_kwargs["total_tokens"] > 0
    assert done.text
    bodies = [r["body"] for r in emu.control.requests(route(api))]
    assert len(bodies) == 3
    if api == "responses":
        assert bodies[0]["instructions"] == "Be brief."


@SYNC
async def test_reasoning_summaries_are_thinking_blocks(emu: EmulatorHandle, make_v1: MakeLLM, sync: bool) -> None:
    llm = make_v1("responses", "o4-mini", reasoning={"effort": "low", "summary": "auto"})
    messages = [ChatMessage(role="user", content="Why is the sky blue?")]
    whole = await chat(llm, sync, messages)
    pieces = await stream(llm, sync, messages)
    thinking = [b for b in whole.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking
    assert thinking[0].content
    assert whole.additional_kwargs["reasoning_tokens"] > 0
    streamed = "".join(p.additional_kwargs.get("thinking_delta", "") for p in pieces)
    assert streamed == "".join(b.content or "" for b in thinking)
    assert emu.control.requests("/responses")[0]["body"]["reasoning"] == {"effort": "low", "summary": "auto"}


class Invoice(BaseModel):
    customer: str
    total: float
    paid: bool


@pytest.mark.parametrize("api", APIS)
@SYNC
async def test_structured_predict_on_both_apis(emu: EmulatorHandle, make_v1: MakeLLM, api: str, sync: bool) -> None:
    llm = make_v1(api)
    prompt = PromptTemplate("Extract the invoice: {text}")
    if sync:
        invoice = llm.structured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid")
    else:
        invoice = await llm.astructured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid")
    assert isinstance(invoice, Invoice)
    body = emu.control.requests(route(api))[-1]["body"]
    if api == "responses":
        assert body["text"]["format"]["type"] == "json_schema"
        assert body["text"]["format"]["schema"]["required"] == ["customer", "total", "paid"]


@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
@pytest.mark.parametrize("api", APIS)
@SYNC
async def test_function_agent_runs_two_tools_on_both_apis(
    emu: EmulatorHandle, make_v1: MakeLLM, api: str, sync: bool
) -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    calls: list[str] = []

    def lookup_population(city: str) -> str:
        """Population of a city."""
        calls.append(f"population:{city}")
        return "2.1 million"

    def lookup_area(city: str) -> str:
        """Area of a city in square kilometres."""
        calls.append(f"area:{city}")
        return "105 km2"

    r = kind(api)
    emu.control.queue_chat(
        tool_calls=[{"name": "lookup_population", "arguments": {"city": "Paris"}, "id": "c1"}], route=r
    )
    emu.control.queue_chat(tool_calls=[{"name": "lookup_area", "arguments": {"city": "Paris"}, "id": "c2"}], route=r)
    emu.control.queue_chat("Paris has 2.1 million people on 105 km2.", route=r)
    agent = FunctionAgent(
        tools=[lookup_population, lookup_area], llm=make_v1(api), streaming=not sync, system_prompt="Use tools."
    )
    result = await agent.run(user_msg="How dense is Paris?")
    assert str(result) == "Paris has 2.1 million people on 105 km2."
    assert calls == ["population:Paris", "area:Paris"]
    bodies = [r["body"] for r in emu.control.requests(route(api))]
    assert len(bodies) == 3
    if api == "responses":
        last = bodies[-1]["input"]
        outputs = [(i["call_id"], i["output"]) for i in last if i.get("type") == "function_call_output"]
        call_ids = [i["call_id"] for i in last if i.get("type") == "function_call"]
        assert [o for _, o in outputs] == ["2.1 million", "105 km2"]
        assert [c for c, _ in outputs] == call_ids


def test_profile_field_selects_the_api(emu: EmulatorHandle) -> None:
    deployment = Deployment(endpoint=emu.openai_v1, credential="k", model="gpt-4o-mini", api="responses")
    with AzureInference(deployment=deployment) as llm:
        assert llm.chat([ChatMessage(role="user", content="hi")]).message.content
    assert len(emu.control.requests("/responses")) == 1
    assert emu.control.requests("/chat/completions") == []


@SYNC
async def test_incomplete_and_filtered(emu: EmulatorHandle, make_v1: MakeLLM, sync: bool) -> None:
    cut = await chat(
        make_v1("responses", max_tokens=16), sync, [ChatMessage(role="user", content="Write a long story")]
    )
    assert cut.additional_kwargs["finish_reason"] == "max_output_tokens"
    emu.control.queue_chat("partial", finish_reason="content_filter", route="responses", times=2)
    with pytest.raises(ContentFilterError):
        await chat(make_v1("responses"), sync, [ChatMessage(role="user", content="hello")])
    with pytest.raises(ContentFilterError):
        await stream(make_v1("responses"), sync, [ChatMessage(role="user", content="hello")])


def test_responses_fields_on_the_chat_api_are_refused(emu: EmulatorHandle, make_v1: MakeLLM) -> None:
    with pytest.raises(ValueError, match="use_responses_api=True"):
        make_v1("chat", store=True).chat([ChatMessage(role="user", content="hi")])
    assert emu.control.requests("/chat/completions") == []
