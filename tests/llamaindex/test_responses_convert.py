"""LlamaIndex ↔ Responses API converters (``_responses``): input items, tools, ChatResponses, stream folding.

Wire data comes from the docs/wire.md §V1.3.4 transcripts, folded by the real parser; nothing is mocked.
"""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.tools import FunctionTool

from azure_inference.errors import ContentFilterError
from azure_inference.models.responses import Response
from azure_inference.responses_stream import ResponsesStreamParser
from llamaindex_azure_inference._convert import to_wire_tool_choice, to_wire_tools, tool_selections
from llamaindex_azure_inference._responses import (
    ResponsesStreamFolder,
    chat_response_from_response,
    raise_if_filtered,
    to_responses_input,
    to_responses_tool_choice,
    to_responses_tools,
)

from ..transport.responses_transcripts import TRANSCRIPT_I, TRANSCRIPT_II, USAGE_II, expand


def fold(transcript: str, response_id: str) -> tuple[Response, list[ChatResponse]]:
    parser = ResponsesStreamParser()
    deltas = list(parser.feed(expand(transcript, response_id)))
    parser.end()
    folder = ResponsesStreamFolder()
    shown = [r for r in (folder.show(d) for d in deltas) if r is not None]
    return parser.accumulator.result(), shown


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def test_messages_become_instructions_and_input_items() -> None:
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="Be brief."),
        ChatMessage(
            role=MessageRole.USER, blocks=[TextBlock(text="Weather?"), ImageBlock(url="https://x/y.png", detail="low")]
        ),
        ChatMessage(
            role=MessageRole.ASSISTANT,
            blocks=[ToolCallBlock(tool_call_id="call_1", tool_name="get_weather", tool_kwargs={"city": "Oslo"})],
        ),
        ChatMessage(role=MessageRole.TOOL, content="12 C", additional_kwargs={"tool_call_id": "call_1"}),
        ChatMessage(role=MessageRole.ASSISTANT, content="It is 12 C."),
        ChatMessage(role=MessageRole.DEVELOPER, content="Now in French."),
    ]
    instructions, items = to_responses_input(messages)
    assert instructions == "Be brief."
    assert items == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Weather?"},
                {"type": "input_image", "image_url": "https://x/y.png", "detail": "low"},
            ],
        },
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "12 C"},
        {"role": "assistant", "content": "It is 12 C."},
        {"role": "developer", "content": "Now in French."},
    ]


def test_audio_input_is_refused_with_the_fix() -> None:
    message = ChatMessage(role=MessageRole.USER, blocks=[TextBlock(text="hi"), AudioBlock(audio=b"RIFF", format="wav")])
    with pytest.raises(ValueError, match="use_responses_api=False"):
        to_responses_input([message])


def test_tools_are_flat_and_tool_choice_names_them() -> None:
    chat_tools = to_wire_tools([FunctionTool.from_defaults(get_weather)])
    tools = to_responses_tools(chat_tools)
    assert tools[0]["type"] == "function"
    assert tools[0]["name"] == "get_weather"
    assert tools[0]["parameters"] == chat_tools[0]["function"]["parameters"]
    assert "function" not in tools[0]
    named = to_wire_tool_choice({"type": "function", "function": {"name": "get_weather"}}, False)
    assert to_responses_tool_choice(named) == {"type": "function", "name": "get_weather"}
    assert to_responses_tool_choice(to_wire_tool_choice(None, True)) == "required"


def test_reasoning_summary_becomes_a_thinking_block() -> None:
    response, _ = fold(TRANSCRIPT_I, "resp_01")
    result = chat_response_from_response(response)
    blocks = result.message.blocks
    assert [type(b) for b in blocks] == [ThinkingBlock, TextBlock]
    assert isinstance(blocks[0], ThinkingBlock)
    assert blocks[0].content == "**Simple sum**\n\nAdding two and two."
    assert result.message.content == "2 + 2 = 4."
    assert result.additional_kwargs["reasoning_tokens"] == 64
    assert result.additional_kwargs["total_tokens"] == 96
    assert result.additional_kwargs["finish_reason"] == "stop"
    assert result.raw is not None
    assert result.raw["id"] == "resp_01"


def test_function_call_becomes_tool_selection_and_round_trips() -> None:
    response, _ = fold(TRANSCRIPT_II, "resp_02")
    result = chat_response_from_response(response)
    selections = tool_selections(result)
    assert [(s.tool_id, s.tool_name, s.tool_kwargs) for s in selections] == [
        ("call_Q7x", "get_weather", {"city": "Oslo"})
    ]
    assert result.additional_kwargs["prompt_tokens"] == USAGE_II["input_tokens"]
    tool_reply = ChatMessage(role=MessageRole.TOOL, content="3 C", additional_kwargs={"tool_call_id": "call_Q7x"})
    _, items = to_responses_input([result.message, tool_reply])
    assert items == [
        {"type": "function_call", "call_id": "call_Q7x", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
        {"type": "function_call_output", "call_id": "call_Q7x", "output": "3 C"},
    ]


def test_stream_shows_deltas_and_ends_as_the_whole_response() -> None:
    response, shown = fold(TRANSCRIPT_I, "resp_01")
    assert "".join(r.delta or "" for r in shown) == "2 + 2 = 4."
    assert [r.additional_kwargs["thinking_delta"] for r in shown if "thinking_delta" in r.additional_kwargs] == [
        "**Simple sum**\n\nAdding two and two."
    ]
    last, whole = shown[-1], chat_response_from_response(response)
    assert last.message.blocks == whole.message.blocks
    assert last.additional_kwargs["total_tokens"] == whole.additional_kwargs["total_tokens"]


def test_streamed_call_arguments_grow_then_parse() -> None:
    _, shown = fold(TRANSCRIPT_II, "resp_02")
    partial = [b for r in shown for b in r.message.blocks if isinstance(b, ToolCallBlock)]
    assert partial[1].tool_kwargs == '{"city":'  # still text while the arguments stream
    final = shown[-1]
    assert final.additional_kwargs["finish_reason"] == "tool_calls"
    assert [(s.tool_name, s.tool_kwargs) for s in tool_selections(final)] == [("get_weather", {"city": "Oslo"})]


def test_incomplete_for_content_filter_raises_and_max_tokens_is_reported() -> None:
    base = {
        "id": "resp_3",
        "status": "incomplete",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "par"}]}],
    }
    with pytest.raises(ContentFilterError, match="content filter"):
        raise_if_filtered(Response.model_validate({**base, "incomplete_details": {"reason": "content_filter"}}), "par")
    cut = Response.model_validate({**base, "incomplete_details": {"reason": "max_output_tokens"}})
    raise_if_filtered(cut)
    assert chat_response_from_response(cut).additional_kwargs["finish_reason"] == "max_output_tokens"
