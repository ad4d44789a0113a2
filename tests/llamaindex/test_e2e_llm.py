"""End-to-end: AzureInference against the emulator subprocess over loopback (sync and async in one body)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock, ToolCallBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, ContentFilterError, UnsupportedParameterError

pytestmark = pytest.mark.e2e
SYNC = pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
MakeLLM = Callable[..., AzureInference]


async def chat(llm: AzureInference, sync: bool, messages: list[ChatMessage], **kw: Any) -> ChatResponse:
    return llm.chat(messages, **kw) if sync else await llm.achat(messages, **kw)


async def stream(llm: AzureInference, sync: bool, messages: list[ChatMessage], **kw: Any) -> list[ChatResponse]:
    if sync:
        return list(llm.stream_chat(messages, **kw))
    return [r async for r in await llm.astream_chat(messages, **kw)]


@SYNC
async def test_chat_round_trip_with_usage(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    counter = TokenCountingHandler()
    llm = make_llm(temperature=0.2, seed=7, max_tokens=50, callback_manager=CallbackManager([counter]))
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Hello there")]
    response = await chat(llm, sync, messages)
    assert response.message.role == "assistant"
    assert response.message.content == "[seed 7] This is gpt-4o-mini (emulated). You said: Hello there"
    usage = response.raw["usage"]
    assert response.additional_kwargs["prompt_tokens"] == usage["prompt_tokens"] > 0
    assert response.additional_kwargs["completion_tokens"] == usage["completion_tokens"] > 0
    assert counter.prompt_llm_token_count == usage["prompt_tokens"]
    assert counter.completion_llm_token_count == usage["completion_tokens"]
    body = emu.control.requests("/chat/completions")[-1]["body"]
    assert body["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]
    assert (body["temperature"], body["seed"], body["max_tokens"], body["model"]) == (0.2, 7, 50, "gpt-4o-mini")


@SYNC
async def test_streaming_deltas_accumulate(sync: bool, make_llm: MakeLLM) -> None:
    counter = TokenCountingHandler()
    llm = make_llm(callback_manager=CallbackManager([counter]))
    whole = (await chat(llm, sync, [ChatMessage(role="user", content="Tell me about streams")])).message.content
    responses = await stream(llm, sync, [ChatMessage(role="user", content="Tell me about streams")])
    assert len(responses) > 2
    assert "".join(r.delta or "" for r in responses) == whole
    for r in responses:  # each chunk carries the message so far
        assert whole is not None
        assert whole.startswith(r.message.content or "")
    assert responses[-1].message.content == whole
    assert responses[-1].additional_kwargs["finish_reason"] == "stop"
    assert counter.completion_llm_token_count > 0


@SYNC
async def test_complete_derived_from_chat_and_on_completions(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    chat_llm, text_llm = make_llm(), make_llm("gpt-35-turbo-instruct")
    for llm, route in ((chat_llm, "/chat/completions"), (text_llm, "/completions")):
        emu.control.clear_requests()
        if sync:
            done = llm.complete("Say hi")
            parts = list(llm.stream_complete("Say hi"))
        else:
            done = await llm.acomplete("Say hi")
            parts = [p async for p in await llm.astream_complete("Say hi")]
        assert "You said: Say hi" in done.text
        assert parts[-1].text == done.text == "".join(p.delta or "" for p in parts)
        assert {r["path"] for r in emu.control.requests()} == {f"/models{route}"}


@SYNC
async def test_reasoning_becomes_thinking_block(sync: bool, make_llm: MakeLLM) -> None:
    question = [ChatMessage(role="user", content="Why is the sky blue?")]
    for model in ("DeepSeek-R1", "DeepSeek-R1-think"):  # reasoning_content field, and <think> tags
        llm = make_llm(model)
        whole = await chat(llm, sync, question)
        thinking = [b for b in whole.message.blocks if isinstance(b, ThinkingBlock)]
        assert len(thinking) == 1
        assert thinking[0].content is not None
        assert "The user asks: Why is the sky blue" in thinking[0].content
        assert "<think>" not in (whole.message.content or "")
        assert whole.message.content == "This is " + model + " (emulated). You said: Why is the sky blue?"
        chunks = await stream(llm, sync, question)
        assert "".join(r.delta or "" for r in chunks) == whole.message.content
        streamed = "".join(r.additional_kwargs.get("thinking_delta", "") for r in chunks)
        assert streamed.strip() == thinking[0].content.strip()


@SYNC
async def test_streamed_reasoning_equals_the_non_streamed_reasoning_exactly(sync: bool, make_llm: MakeLLM) -> None:
    question = [ChatMessage(role="user", content="Why is the sky blue?")]
    for model in ("DeepSeek-R1", "DeepSeek-R1-think"):  # reasoning_content field, and <think> tags
        llm = make_llm(model)
        whole = await chat(llm, sync, question)
        chunks = await stream(llm, sync, question)
        (thinking,) = [b.content for b in whole.message.blocks if isinstance(b, ThinkingBlock)]
        streamed = [b.content for b in chunks[-1].message.blocks if isinstance(b, ThinkingBlock)]
        assert thinking
        assert streamed == [thinking], model  # not merely equal once stripped
        assert "".join(r.additional_kwargs.get("thinking_delta", "") for r in chunks) == thinking
        assert chunks[-1].message.content == whole.message.content


@SYNC
async def test_streamed_tool_calls_are_whole(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    emu.control.queue_chat(
        tool_calls=[
            {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}, "id": "call_a"},
            {"name": "get_time", "arguments": {"city": "Tokyo"}, "id": "call_b"},
        ]
    )
    llm = make_llm()

    def get_weather(city: str, unit: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"

    def get_time(city: str) -> str:
        """Local time in a city."""
        return f"noon in {city}"

    tools = [FunctionTool.from_defaults(get_weather), FunctionTool.from_defaults(get_time)]
    msg = "weather and time please"
    if sync:
        responses = list(llm.stream_chat_with_tools(tools, user_msg=msg, allow_parallel_tool_calls=True))
    else:
        responses = [
            r async for r in await llm.astream_chat_with_tools(tools, user_msg=msg, allow_parallel_tool_calls=True)
        ]
    for r in responses[:-1]:  # intermediate chunks parse without raising
        llm.get_tool_calls_from_response(r, error_on_no_tool_call=False)
    calls = llm.get_tool_calls_from_response(responses[-1])
    assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in calls] == [
        ("call_a", "get_weather", {"city": "Paris", "unit": "celsius"}),
        ("call_b", "get_time", {"city": "Tokyo"}),
    ]
    body = emu.control.requests("/chat/completions")[-1]["body"]
    assert body["tool_choice"] == "auto"
    assert [t["function"]["name"] for t in body["tools"]] == ["get_weather", "get_time"]


@SYNC
async def test_predict_and_call_and_tool_required(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    tool = FunctionTool.from_defaults(multiply)
    emu.control.queue_chat(tool_calls=[{"name": "multiply", "arguments": {"a": 6, "b": 7}}])
    llm = make_llm()
    if sync:
        out = llm.predict_and_call([tool], user_msg="What is 6 times 7?", tool_required=True)
    else:
        out = await llm.apredict_and_call([tool], user_msg="What is 6 times 7?", tool_required=True)
    assert out.response == "42"
    assert emu.control.requests("/chat/completions")[-1]["body"]["tool_choice"] == "required"


@SYNC
async def test_tool_result_round_trip(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    llm = make_llm()
    history = [
        ChatMessage(role="user", content="weather in Oslo?"),
        ChatMessage(
            role="assistant",
            blocks=[ToolCallBlock(tool_call_id="call_9", tool_name="get_weather", tool_kwargs={"city": "Oslo"})],
        ),
        ChatMessage(role="tool", content="rainy, 4C", additional_kwargs={"tool_call_id": "call_9"}),
    ]
    response = await chat(llm, sync, history)
    assert response.message.content == "According to get_weather: rainy, 4C"
    sent = emu.control.requests("/chat/completions")[-1]["body"]["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
        ],
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "call_9", "content": "rainy, 4C"}


class Invoice(BaseModel):
    """An invoice extracted from text."""

    customer: str
    total: float
    paid: bool


@SYNC
async def test_structured_predict_native_and_function_calling(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    prompt = PromptTemplate("Extract the invoice: {text}")
    for model, via in (("gpt-4o-mini", "json_schema"), ("Mistral-small", "tools")):
        llm = make_llm(model)
        emu.control.clear_requests()
        if sync:
            invoice = llm.structured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid")
        else:
            invoice = await llm.astructured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid")
        assert isinstance(invoice, Invoice)
        body = emu.control.requests("/chat/completions")[-1]["body"]
        if via == "json_schema":
            assert body["response_format"]["type"] == "json_schema"
            assert body["response_format"]["json_schema"]["schema"]["required"] == ["customer", "total", "paid"]
            assert "tools" not in body
        else:
            assert "response_format" not in body
            assert body["tools"][0]["function"]["name"] == "Invoice"


# llama-index-workflows inspects every attribute of the agent, touching pydantic's deprecated ``__fields__``:
# a warning from the framework, not from our code.
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
@SYNC
async def test_function_agent_runs_two_tools(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
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

    emu.control.queue_chat(tool_calls=[{"name": "lookup_population", "arguments": {"city": "Paris"}, "id": "c1"}])
    emu.control.queue_chat(tool_calls=[{"name": "lookup_area", "arguments": {"city": "Paris"}, "id": "c2"}])
    emu.control.queue_chat("Paris has 2.1 million people on 105 km2.")
    agent = FunctionAgent(
        tools=[lookup_population, lookup_area], llm=make_llm(), streaming=not sync, system_prompt="Use tools."
    )
    result = await agent.run(user_msg="How dense is Paris?")
    assert str(result) == "Paris has 2.1 million people on 105 km2."
    assert calls == ["population:Paris", "area:Paris"]
    bodies = [r["body"] for r in emu.control.requests("/chat/completions")]
    assert len(bodies) == 3
    last = bodies[-1]["messages"]
    tool_msgs = [m for m in last if m["role"] == "tool"]
    assert [(m["tool_call_id"], m["content"]) for m in tool_msgs] == [("c1", "2.1 million"), ("c2", "105 km2")]
    assert [m["tool_calls"][0]["id"] for m in last if m["role"] == "assistant" and m.get("tool_calls")] == ["c1", "c2"]


@SYNC
async def test_content_filter_surfaces(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    llm = make_llm()
    emu.control.set_blocklists(prompt=["forbiddenword"])
    with pytest.raises(ContentFilterError) as err:
        await chat(llm, sync, [ChatMessage(role="user", content="say forbiddenword")])
    assert err.value.status_code == 400
    assert "content filter" in str(err.value)
    emu.control.queue_chat("partial", content_filter="violence", times=2)
    with pytest.raises(ContentFilterError) as err:
        await chat(llm, sync, [ChatMessage(role="user", content="hello")])
    assert err.value.error_code == "content_filter"
    with pytest.raises(ContentFilterError):
        await stream(llm, sync, [ChatMessage(role="user", content="hello")])
    emu.control.queue_chat("partial", content_filter="violence")
    lenient = make_llm(raise_on_content_filter=False)
    response = await chat(lenient, sync, [ChatMessage(role="user", content="hello")])
    assert response.additional_kwargs["finish_reason"] == "content_filter"


@SYNC
async def test_unsupported_parameter_is_a_clear_422(sync: bool, make_llm: MakeLLM) -> None:
    def noop(x: int) -> int:
        """Return x."""
        return x

    llm = make_llm("Phi-3.5-mini-instruct")
    assert llm.metadata.is_function_calling_model is False  # from the known-model table, no network call
    tool = FunctionTool.from_defaults(noop)

    async def call() -> ChatResponse:
        if sync:
            return llm.chat_with_tools([tool], user_msg="noop 3")
        return await llm.achat_with_tools([tool], user_msg="noop 3")

    with pytest.raises(UnsupportedParameterError) as err:
        await call()
    assert err.value.status_code == 422
    assert "tools" in str(err.value)


@SYNC
async def test_unscripted_tool_arguments_come_from_the_question(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    # Nothing queued: the emulator picks the tool and fills its arguments from the prompt (docs/emulator.md).
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    tool = FunctionTool.from_defaults(multiply)
    llm = make_llm()
    if sync:
        out = llm.predict_and_call([tool], user_msg="What is 6 times 7?", tool_required=True)
    else:
        out = await llm.apredict_and_call([tool], user_msg="What is 6 times 7?", tool_required=True)
    assert out.response == "42"


@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecationWarning")
@SYNC
async def test_unscripted_function_agent_calls_the_matching_tool_with_grounded_arguments(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    from llama_index.core.agent.workflow import FunctionAgent

    calls: list[tuple[str, str]] = []

    def lookup_population(city: str) -> str:
        """Population of a city."""
        calls.append(("population", city))
        return "2.1 million"

    def lookup_area(city: str) -> str:
        """Area of a city in square kilometres."""
        calls.append(("area", city))
        return "105 km2"

    agent = FunctionAgent(
        tools=[lookup_population, lookup_area], llm=make_llm(), streaming=not sync, system_prompt="Use tools."
    )
    result = await agent.run(user_msg="What is the population of Zürich?")
    assert calls == [("population", "Zürich")]
    assert "2.1 million" in str(result)
