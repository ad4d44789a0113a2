"""End-to-end: ``ChatAzureInference`` on chat completions and on the Responses API, against the emulator subprocess.

The same code runs on both APIs; only ``use_responses_api`` (or the deployment's ``api``) changes.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from azure_inference import ContentFilterError, Deployment
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import ChatAzureInference

pytestmark = pytest.mark.e2e

APIS = ["chat", "responses"]


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny and 21C in {city}"


@tool
def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"It is 14:05 in {city}"


class City(BaseModel):
    """A city and its country."""

    name: str
    country: str


def model(emu: EmulatorHandle, api: str, name: str = "gpt-4o-mini", **fields: Any) -> ChatAzureInference:
    return ChatAzureInference(
        endpoint=emu.openai_v1, api_key="k", model=name, use_responses_api=api == "responses", **fields
    )


def kind(api: str) -> str:
    """The emulator's route name, for scripted replies (a reply with no route answers chat only)."""
    return "responses" if api == "responses" else "chat"


def route(api: str) -> str:
    return "/responses" if api == "responses" else "/chat/completions"


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("sync", [True, False])
async def test_invoke_stream_and_batch_on_both_apis(emu: EmulatorHandle, api: str, sync: bool) -> None:
    llm = model(emu, api)
    try:
        if sync:
            whole = llm.invoke("Say hello")
            chunks = list(llm.stream("Say hello"))
            batch = llm.batch(["one", "two"])
        else:
            whole = await llm.ainvoke("Say hello")
            chunks = [c async for c in llm.astream("Say hello")]
            batch = await llm.abatch(["one", "two"])
    finally:
        await llm.aclose()
    assert whole.text
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert total.text == whole.text  # the emulator answers the same prompt the same way
    assert total.usage_metadata is not None
    assert total.usage_metadata["total_tokens"] > 0
    assert whole.usage_metadata is not None
    assert [bool(m.text) for m in batch] == [True, True]
    assert len(emu.control.requests(route(api))) == 4


@pytest.mark.parametrize("sync", [True, False])
async def test_reasoning_summary_comes_back_as_a_reasoning_block(emu: EmulatorHandle, sync: bool) -> None:
    llm = model(emu, "responses", "o4-mini", reasoning={"effort": "low", "summary": "auto"})
    try:
        if sync:
            whole = llm.invoke("Why is the sky blue?")
            chunks = list(llm.stream("Why is the sky blue?"))
        else:
            whole = await llm.ainvoke("Why is the sky blue?")
            chunks = [c async for c in llm.astream("Why is the sky blue?")]
    finally:
        await llm.aclose()
    blocks = [b for b in whole.content if isinstance(b, dict) and b["type"] == "reasoning"]
    assert blocks
    assert blocks[0]["reasoning"]
    assert whole.usage_metadata is not None
    assert whole.usage_metadata["output_token_details"]["reasoning"] > 0
    streamed = "".join(
        b["reasoning"] for c in chunks for b in c.content if isinstance(b, dict) and b["type"] == "reasoning"
    )
    assert streamed == blocks[0]["reasoning"]
    body = emu.control.requests("/responses")[0]["body"]
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}


@pytest.mark.parametrize("api", APIS)
def test_tool_loop_sends_results_back_on_both_apis(emu: EmulatorHandle, api: str) -> None:
    emu.control.queue_chat(
        tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "call_9"}], route=kind(api)
    )
    llm = model(emu, api).bind_tools([get_weather, get_time], tool_choice="auto", parallel_tool_calls=False)
    messages: list[BaseMessage] = [SystemMessage("Use the tools."), HumanMessage("What is the weather in Oslo?")]
    ai = llm.invoke(messages)
    assert isinstance(ai, AIMessage)
    assert [(c["name"], c["args"]) for c in ai.tool_calls] == [("get_weather", {"city": "Oslo"})]
    call_id = ai.tool_calls[0]["id"]
    assert call_id
    messages += [ai, ToolMessage(get_weather.invoke(ai.tool_calls[0]["args"]), tool_call_id=call_id)]
    final = llm.invoke(messages)
    assert final.text
    body = emu.control.requests(route(api))[-1]["body"]
    assert body["parallel_tool_calls"] is False
    if api == "responses":
        assert body["instructions"] == "Use the tools."
        assert body["input"][-1] == {
            "type": "function_call_output",
            "call_id": call_id,
            "output": "Sunny and 21C in Oslo",
        }
        assert {t["name"] for t in body["tools"]} == {"get_weather", "get_time"}
    else:
        assert body["messages"][-1]["tool_call_id"] == call_id


@pytest.mark.parametrize("api", APIS)
def test_structured_output_on_both_apis(emu: EmulatorHandle, api: str) -> None:
    llm = model(emu, api).with_structured_output(City, method="json_schema", strict=True)
    city = llm.invoke("Name a city")
    assert isinstance(city, City)
    body = emu.control.requests(route(api))[-1]["body"]
    if api == "responses":
        assert body["text"]["format"]["type"] == "json_schema"
        assert body["text"]["format"]["strict"] is True


def test_profile_field_selects_the_api_and_previous_response_id_sends_only_new_turns(emu: EmulatorHandle) -> None:
    deployment = Deployment(endpoint=emu.openai_v1, credential="k", model="gpt-4o-mini", api="responses")
    llm = ChatAzureInference(deployment=deployment, store=True, use_previous_response_id=True)
    first = llm.invoke([HumanMessage("My name is Ada.")])
    assert first.response_metadata["api"] == "responses"
    llm.invoke([HumanMessage("My name is Ada."), first, HumanMessage("What is my name?")])
    sent = emu.control.requests("/responses")
    assert sent[0]["body"]["store"] is True
    assert sent[1]["body"]["previous_response_id"] == first.response_metadata["id"]
    assert sent[1]["body"]["input"] == [{"role": "user", "content": "What is my name?"}]


def test_incomplete_and_filtered_responses(emu: EmulatorHandle) -> None:
    llm = model(emu, "responses", max_tokens=16)
    cut = llm.invoke("Write a long story about the sea")
    assert cut.response_metadata["status"] == "incomplete"
    assert cut.response_metadata["incomplete_reason"] == "max_output_tokens"
    emu.control.queue_chat("partial", finish_reason="content_filter", route="responses")
    with pytest.raises(ContentFilterError):
        model(emu, "responses").invoke("hello")


def test_bad_input_is_refused_before_sending(emu: EmulatorHandle) -> None:
    with pytest.raises(ValueError, match="no stop sequences"):
        model(emu, "responses").invoke("hi", stop=["x"])
    with pytest.raises(ValueError, match="'seed' is a chat-completions parameter"):
        model(emu, "responses", seed=3).invoke("hi")
    assert emu.control.requests("/responses") == []


@pytest.mark.parametrize("api", APIS)
def test_create_agent_runs_two_tools_unchanged_on_both_apis(emu: EmulatorHandle, api: str) -> None:
    agents = pytest.importorskip("langchain.agents", reason="create_agent needs the langchain package (dev extra)")
    r = kind(api)
    emu.control.queue_chat(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "c1"}], route=r)
    emu.control.queue_chat(tool_calls=[{"name": "get_time", "arguments": {"city": "Oslo"}, "id": "c2"}], route=r)
    emu.control.queue_chat("Sunny and 21C; it is 14:05 in Oslo.", route=r)
    agent = agents.create_agent(model(emu, api), tools=[get_weather, get_time], system_prompt="Use the tools.")
    result = agent.invoke({"messages": [HumanMessage("Weather and time in Oslo?")]})
    messages = result["messages"]
    assert messages[-1].text == "Sunny and 21C; it is 14:05 in Oslo."
    tool_results = [m.content for m in messages if isinstance(m, ToolMessage)]
    assert tool_results == ["Sunny and 21C in Oslo", "It is 14:05 in Oslo"]
    bodies = [r["body"] for r in emu.control.requests(route(api))]
    assert len(bodies) == 3
    if api == "responses":
        outputs = [i["output"] for i in bodies[-1]["input"] if i.get("type") == "function_call_output"]
        assert outputs == tool_results


def test_responses_fields_on_the_chat_api_are_refused(emu: EmulatorHandle) -> None:
    with pytest.raises(ValueError, match="use_responses_api=True"):
        model(emu, "chat", reasoning={"summary": "auto"}).invoke("hi")
    assert emu.control.requests("/chat/completions") == []
