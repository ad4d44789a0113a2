"""End-to-end: streamed structured output and single tool calls, against the emulator (issue 18).

llama-index-core's streaming programs read tool calls from ``message.additional_kwargs["tool_calls"]``; before
the fix every streamed object had all fields ``None``. ``allow_parallel_tool_calls=False`` must be sent where
the surface takes ``parallel_tool_calls`` and enforced on streams.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ToolCallBlock
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference

pytestmark = pytest.mark.e2e
SYNC = pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
MakeLLM = Callable[..., AzureInference]


class Invoice(BaseModel):
    """An invoice extracted from text."""

    customer: str
    total: float
    paid: bool


INVOICE_CALL = {"name": "Invoice", "arguments": {"customer": "ACME", "total": 12.5, "paid": False}, "id": "call_i"}


@SYNC
async def test_stream_structured_predict_yields_real_field_values(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    emu.control.queue_chat(tool_calls=[INVOICE_CALL])
    llm = make_llm("Mistral-small")
    prompt = PromptTemplate("Extract the invoice: {text}")
    if sync:
        parts = list(llm.stream_structured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid"))
    else:
        parts = [p async for p in await llm.astream_structured_predict(Invoice, prompt, text="ACME owes 12.5, unpaid")]
    assert parts[-1] == Invoice(customer="ACME", total=12.5, paid=False)
    # The object fills in while the arguments stream: the customer is known before the last part.
    assert any(getattr(p, "customer", None) == "ACME" for p in parts[:-1])
    assert emu.control.requests("/chat/completions")[-1]["body"]["stream"] is True


# llama-index-core's StructuredLLM.stream_chat calls pydantic's deprecated .json(): the framework's warning.
@pytest.mark.filterwarnings("ignore::pydantic.warnings.PydanticDeprecatedSince20")
@SYNC
async def test_structured_llm_stream_chat_yields_real_field_values(
    sync: bool, emu: EmulatorHandle, make_llm: MakeLLM
) -> None:
    emu.control.queue_chat(tool_calls=[INVOICE_CALL])
    structured = make_llm("Mistral-small").as_structured_llm(Invoice)
    messages = [ChatMessage(role="user", content="ACME owes 12.5, unpaid")]
    if sync:
        responses = list(structured.stream_chat(messages))
    else:
        responses = [r async for r in await structured.astream_chat(messages)]
    assert Invoice.model_validate_json(responses[-1].message.content or "") == Invoice(
        customer="ACME", total=12.5, paid=False
    )


@SYNC
async def test_streamed_messages_carry_wire_tool_calls(sync: bool, emu: EmulatorHandle, make_llm: MakeLLM) -> None:
    emu.control.queue_chat(tool_calls=[INVOICE_CALL])
    llm = make_llm()
    messages = [ChatMessage(role="user", content="go")]
    responses = list(llm.stream_chat(messages)) if sync else [r async for r in await llm.astream_chat(messages)]
    calls = responses[-1].message.additional_kwargs["tool_calls"]
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("call_i", "Invoice", '{"customer": "ACME", "total": 12.5, "paid": false}')
    ]


def _weather_tools() -> list[FunctionTool]:
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"

    def get_time(city: str) -> str:
        """Local time in a city."""
        return f"noon in {city}"

    return [FunctionTool.from_defaults(get_weather), FunctionTool.from_defaults(get_time)]


TWO_CALLS: list[dict[str, Any]] = [
    {"name": "get_weather", "arguments": {"city": "Paris"}, "id": "call_a"},
    {"name": "get_time", "arguments": {"city": "Tokyo"}, "id": "call_b"},
]


async def _stream_with_tools(llm: AzureInference, sync: bool, **kw: Any) -> list[ChatResponse]:
    tools = _weather_tools()
    if sync:
        return list(llm.stream_chat_with_tools(tools, user_msg="weather and time", **kw))
    return [r async for r in await llm.astream_chat_with_tools(tools, user_msg="weather and time", **kw)]


@SYNC
@pytest.mark.parametrize("surface", ["openai-v1", "openai-compatible"])
async def test_parallel_calls_not_allowed_is_sent_and_enforced_on_streams(
    sync: bool, surface: str, emu: EmulatorHandle
) -> None:
    endpoint = emu.openai_v1 if surface == "openai-v1" else emu.url + "/v1"
    async with AzureInference(endpoint=endpoint, model="gpt-4o-mini") as llm:
        emu.control.queue_chat(tool_calls=TWO_CALLS)
        responses = await _stream_with_tools(llm, sync)
        assert all(len([b for b in r.message.blocks if isinstance(b, ToolCallBlock)]) <= 1 for r in responses)
        assert all(len(r.message.additional_kwargs.get("tool_calls", [])) <= 1 for r in responses)
        calls = llm.get_tool_calls_from_response(responses[-1])
        assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in calls] == [
            ("call_a", "get_weather", {"city": "Paris"})
        ]
        assert emu.control.requests("/chat/completions")[-1]["body"]["parallel_tool_calls"] is False

        emu.control.queue_chat(tool_calls=TWO_CALLS)
        responses = await _stream_with_tools(llm, sync, allow_parallel_tool_calls=True)
        assert [c.tool_name for c in llm.get_tool_calls_from_response(responses[-1])] == ["get_weather", "get_time"]
        assert "parallel_tool_calls" not in emu.control.requests("/chat/completions")[-1]["body"]


@SYNC
@pytest.mark.parametrize("surface", ["model-inference", "azure-openai"])
async def test_parallel_calls_enforced_where_not_sent(sync: bool, surface: str, emu: EmulatorHandle) -> None:
    # Neither spec has parallel_tool_calls (the emulator refuses it there): enforced on the reply, not sent.
    endpoint = emu.endpoint if surface == "model-inference" else emu.deployment("gpt-4o-mini")
    async with AzureInference(endpoint=endpoint, model="gpt-4o-mini") as llm:
        emu.control.queue_chat(tool_calls=TWO_CALLS)
        responses = await _stream_with_tools(llm, sync)
        assert [c.tool_name for c in llm.get_tool_calls_from_response(responses[-1])] == ["get_weather"]
        request = emu.control.requests("/chat/completions")[-1]
        assert "parallel_tool_calls" not in request["body"]


@SYNC
async def test_parallel_calls_on_model_inference_sent_with_pass_through(sync: bool, emu: EmulatorHandle) -> None:
    async with AzureInference(endpoint=emu.endpoint, model="gpt-4o-mini", extra_parameters="pass-through") as llm:
        emu.control.queue_chat(tool_calls=TWO_CALLS)
        responses = await _stream_with_tools(llm, sync)
        assert [c.tool_name for c in llm.get_tool_calls_from_response(responses[-1])] == ["get_weather"]
        assert emu.control.requests("/chat/completions")[-1]["body"]["parallel_tool_calls"] is False


@SYNC
async def test_parallel_calls_not_allowed_in_whole_replies(sync: bool, emu: EmulatorHandle) -> None:
    async with AzureInference(endpoint=emu.openai_v1, model="gpt-4o-mini") as llm:
        emu.control.queue_chat(tool_calls=TWO_CALLS)
        tools = _weather_tools()
        if sync:
            response = llm.chat_with_tools(tools, user_msg="weather and time")
        else:
            response = await llm.achat_with_tools(tools, user_msg="weather and time")
        assert [c.tool_name for c in llm.get_tool_calls_from_response(response)] == ["get_weather"]
        assert emu.control.requests("/chat/completions")[-1]["body"]["parallel_tool_calls"] is False
