"""LangChain ↔ Responses API converters (``_responses``): input items, tools, results, stream chunks.

Wire data comes from the docs/wire.md §V1.3.4 transcripts, folded by the real parser; nothing is mocked.
"""

from __future__ import annotations

import json
from functools import reduce
from operator import add

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, FunctionMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from azure_inference.errors import ContentFilterError
from azure_inference.models.responses import Response
from azure_inference.responses_stream import ResponsesStreamParser
from langchain_azure_inference._responses import (
    ai_message_from_response,
    chat_params_to_responses,
    chunk_from_delta,
    messages_to_input,
    new_turns,
    raise_if_filtered,
    tool_choice_to_responses,
    tools_to_responses,
)
from langchain_azure_inference._tools import json_schema_format, tool_choice_to_wire, tools_to_wire

from ..transport.responses_transcripts import TRANSCRIPT_I, TRANSCRIPT_II, USAGE_II, expand


def fold(transcript: str, response_id: str) -> tuple[Response, list[AIMessageChunk]]:
    parser = ResponsesStreamParser()
    deltas = list(parser.feed(expand(transcript, response_id)))
    parser.end()
    chunks = [c for c in (chunk_from_delta(d) for d in deltas) if c is not None]
    return parser.accumulator.result(), chunks


def test_messages_become_instructions_and_input_items() -> None:
    messages = [
        SystemMessage("Be brief."),
        HumanMessage(content=[{"type": "text", "text": "Weather?"}, {"type": "image", "url": "https://x/y.png"}]),
        AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "Oslo"}, "id": "call_1"}]),
        ToolMessage("12 C", tool_call_id="call_1"),
        AIMessage("It is 12 C."),
        SystemMessage("Now answer in French."),
        HumanMessage("Et demain ?"),
    ]
    instructions, items = messages_to_input(messages)
    assert instructions == "Be brief."
    assert items == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Weather?"},
                {"type": "input_image", "image_url": "https://x/y.png"},
            ],
        },
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "12 C"},
        {"role": "assistant", "content": "It is 12 C."},
        {"role": "developer", "content": "Now answer in French."},
        {"role": "user", "content": "Et demain ?"},
    ]
    assert messages_to_input(messages[:1], instructions=False) == (
        None,
        [{"role": "developer", "content": "Be brief."}],
    )


def test_bad_input_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="no id"):
        messages_to_input([AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": None}])])
    with pytest.raises(ValueError, match="FunctionMessage has no Responses API form"):
        messages_to_input([FunctionMessage(content="x", name="f")])
    audio = {"type": "audio", "base64": "AAAA", "mime_type": "audio/wav"}
    with pytest.raises(ValueError, match="use_responses_api=False"):
        messages_to_input([HumanMessage(content=[{"type": "text", "text": "hi"}, audio])])


class Weather(BaseModel):
    """Weather for a city."""

    city: str


def test_tools_are_flat_function_tools_and_tool_choice_names_them() -> None:
    chat_tools = tools_to_wire([Weather], strict=True)
    tools = tools_to_responses(chat_tools)
    assert tools == [
        {
            "type": "function",
            "name": "Weather",
            "description": "Weather for a city.",
            "parameters": chat_tools[0]["function"]["parameters"],
            "strict": True,
        }
    ]
    assert tools_to_responses([{"type": "web_search"}]) == [{"type": "web_search"}]
    assert tool_choice_to_responses(tool_choice_to_wire("Weather", chat_tools)) == {
        "type": "function",
        "name": "Weather",
    }
    assert tool_choice_to_responses(tool_choice_to_wire("any", chat_tools)) == "required"


def test_response_with_reasoning_becomes_standard_blocks_usage_and_metadata() -> None:
    response, _ = fold(TRANSCRIPT_I, "resp_01")
    message = ai_message_from_response(response)
    assert message.content == [
        {"type": "reasoning", "reasoning": "**Simple sum**\n\nAdding two and two.", "id": "rs_01"},
        {"type": "text", "text": "2 + 2 = 4.", "id": "msg_01"},
    ]
    assert message.text == "2 + 2 = 4."
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"] == {"reasoning": 64}
    assert message.usage_metadata["input_token_details"] == {"cache_read": 0}
    assert message.usage_metadata["total_tokens"] == 96
    assert message.response_metadata["id"] == "resp_01"
    assert message.response_metadata["status"] == "completed"
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.id == "resp_01"


def test_function_call_response_and_its_round_trip_to_input() -> None:
    response, _ = fold(TRANSCRIPT_II, "resp_02")
    message = ai_message_from_response(response)
    assert message.tool_calls == [
        {"name": "get_weather", "args": {"city": "Oslo"}, "id": "call_Q7x", "type": "tool_call"}
    ]
    assert message.response_metadata["finish_reason"] == "tool_calls"
    assert message.usage_metadata is not None
    assert message.usage_metadata["total_tokens"] == USAGE_II["total_tokens"]
    _, items = messages_to_input([message, ToolMessage("3 C", tool_call_id="call_Q7x")])
    assert items == [
        {"type": "function_call", "call_id": "call_Q7x", "name": "get_weather", "arguments": '{"city": "Oslo"}'},
        {"type": "function_call_output", "call_id": "call_Q7x", "output": "3 C"},
    ]


def test_unparseable_arguments_become_invalid_tool_calls_and_unknown_items_are_kept() -> None:
    response = Response.model_validate(
        {
            "id": "resp_9",
            "status": "completed",
            "output": [
                {"type": "function_call", "id": "fc", "call_id": "c1", "name": "f", "arguments": "{oops"},
                {"type": "web_search_call", "id": "ws_1", "status": "completed"},
            ],
        }
    )
    message = ai_message_from_response(response)
    assert message.tool_calls == []
    assert [c["name"] for c in message.invalid_tool_calls] == ["f"]
    assert message.additional_kwargs["output_items"] == [
        {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    ]


def test_streamed_chunks_add_up_to_the_non_streamed_message() -> None:
    response, chunks = fold(TRANSCRIPT_I, "resp_01")
    whole = reduce(add, chunks)
    assert isinstance(whole, AIMessageChunk)
    texts = [b for b in whole.content if isinstance(b, dict) and b["type"] == "text"]
    reasoning = [b for b in whole.content if isinstance(b, dict) and b["type"] == "reasoning"]
    assert [b["text"] for b in texts] == ["2 + 2 = 4."]
    assert [b["reasoning"] for b in reasoning] == [response.reasoning_summary]
    assert whole.usage_metadata == ai_message_from_response(response).usage_metadata
    assert whole.response_metadata["status"] == "completed"
    assert new_turns([whole, HumanMessage("and 3 + 3?")]) == ("resp_01", [HumanMessage("and 3 + 3?")])


def test_streamed_function_call_joins_by_output_index() -> None:
    _, chunks = fold(TRANSCRIPT_II, "resp_02")
    whole = reduce(add, chunks)
    assert isinstance(whole, AIMessageChunk)
    assert whole.tool_calls == [
        {"name": "get_weather", "args": {"city": "Oslo"}, "id": "call_Q7x", "type": "tool_call"}
    ]
    assert [c["index"] for c in whole.tool_call_chunks] == [1]


def test_previous_response_id_keeps_only_the_new_turns() -> None:
    response, _ = fold(TRANSCRIPT_II, "resp_02")
    history = [
        HumanMessage("Weather in Oslo?"),
        ai_message_from_response(response),
        ToolMessage("3 C", tool_call_id="call_Q7x"),
    ]
    previous, turns = new_turns(history)
    assert previous == "resp_02"
    assert turns == history[2:]
    # A chat-completions answer has no response id to continue from: everything is sent.
    assert new_turns([HumanMessage("hi"), AIMessage("hello", response_metadata={"id": "chatcmpl-1"})]) == (
        None,
        [HumanMessage("hi"), AIMessage("hello", response_metadata={"id": "chatcmpl-1"})],
    )


def test_incomplete_for_content_filter_raises_and_max_tokens_is_reported() -> None:
    base = {
        "id": "resp_3",
        "status": "incomplete",
        "output": [{"type": "message", "content": [{"type": "output_text", "text": "par"}]}],
    }
    filtered = Response.model_validate({**base, "incomplete_details": {"reason": "content_filter"}})
    with pytest.raises(ContentFilterError, match="raise_on_content_filter=False"):
        raise_if_filtered(filtered, "par")
    cut = Response.model_validate({**base, "incomplete_details": {"reason": "max_output_tokens"}})
    raise_if_filtered(cut)
    meta = ai_message_from_response(cut).response_metadata
    assert (meta["status"], meta["incomplete_reason"], meta["finish_reason"]) == (
        "incomplete",
        "max_output_tokens",
        "max_output_tokens",
    )
    assert json.loads(json.dumps(meta))  # plain JSON, as LangSmith stores it


def test_chat_params_are_reshaped_for_responses() -> None:
    chat_tools = tools_to_wire([Weather], strict=True)
    params = chat_params_to_responses(
        {
            "model": "o4-mini",
            "max_completion_tokens": 200,
            "reasoning_effort": "low",
            "reasoning": {"summary": "auto"},
            "response_format": json_schema_format(Weather, strict=True),
            "tools": chat_tools,
            "tool_choice": tool_choice_to_wire("Weather", chat_tools),
            "parallel_tool_calls": False,
            "store": True,
            "temperature": None,
        }
    )
    assert params["max_output_tokens"] == 200
    assert params["reasoning"] == {"effort": "low", "summary": "auto"}
    fmt = params["text"]["format"]
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Weather", True)
    assert fmt["schema"]["additionalProperties"] is False
    assert params["tools"][0]["name"] == "Weather"
    assert params["tool_choice"] == {"type": "function", "name": "Weather"}
    assert (params["parallel_tool_calls"], params["store"], params["model"]) == (False, True, "o4-mini")
    assert "temperature" not in params


@pytest.mark.parametrize("name", ["stop", "n", "seed", "frequency_penalty", "logprobs"])
def test_chat_only_parameters_are_refused_by_name(name: str) -> None:
    with pytest.raises(ValueError, match=f"'{name}' is a chat-completions parameter"):
        chat_params_to_responses({name: 1})
