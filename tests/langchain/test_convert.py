"""Round trips and edge cases of the pure converters in ``langchain_azure_inference._convert``."""

from __future__ import annotations

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from azure_inference.models import ChatCompletions, ChatCompletionsChunk
from langchain_azure_inference._convert import (
    StreamConverter,
    chat_result_from_wire,
    message_from_wire,
    message_to_wire,
    messages_to_wire,
)

ROUND_TRIP: list[BaseMessage] = [
    SystemMessage("Be brief."),
    SystemMessage("Reason first.", additional_kwargs={"__openai_role__": "developer"}),
    HumanMessage("Hi", name="ann"),
    HumanMessage(
        content=[
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "https://x.test/cat.png", "detail": "low"}},
        ]
    ),
    AIMessage("", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1", "type": "tool_call"}]),
    ToolMessage("3", tool_call_id="call_1"),
    AIMessage("It is 3.", name="bot"),
]


@pytest.mark.parametrize("message", ROUND_TRIP, ids=lambda m: type(m).__name__)
def test_round_trip(message: BaseMessage) -> None:
    back = message_from_wire(message_to_wire(message))
    assert type(back) is type(message)
    assert back.content == message.content
    assert back.name == message.name
    assert back.additional_kwargs == message.additional_kwargs
    if isinstance(message, AIMessage):
        assert isinstance(back, AIMessage)
        assert back.tool_calls == message.tool_calls
    if isinstance(message, ToolMessage):
        assert isinstance(back, ToolMessage)
        assert back.tool_call_id == message.tool_call_id


def test_roles_and_tool_calls_on_the_wire() -> None:
    wire = messages_to_wire(ROUND_TRIP)
    assert [m["role"] for m in wire] == ["system", "developer", "user", "user", "assistant", "tool", "assistant"]
    assert wire[4] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}
        ],
    }
    assert message_to_wire(ChatMessage(content="x", role="developer")) == {"role": "developer", "content": "x"}


def test_standard_content_blocks() -> None:
    msg = HumanMessage(
        content=[
            {"type": "text", "text": "look"},
            {"type": "image", "base64": "AAAA", "mime_type": "image/jpeg"},
            {"type": "image", "url": "https://x.test/a.png"},
            {"type": "image", "source_type": "base64", "data": "BBBB", "mime_type": "image/png"},
            {"type": "audio", "base64": "CCCC", "mime_type": "audio/wav"},
            {"type": "audio", "source_type": "base64", "data": "DDDD", "mime_type": "audio/mpeg"},
        ]
    )
    parts = message_to_wire(msg)["content"]
    assert parts == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}},
        {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,BBBB"}},
        {"type": "input_audio", "input_audio": {"data": "CCCC", "format": "wav"}},
        {"type": "input_audio", "input_audio": {"data": "DDDD", "format": "mp3"}},
    ]


def test_unsupported_blocks_fail_clearly() -> None:
    with pytest.raises(ValueError, match="audio mime_type"):
        message_to_wire(HumanMessage(content=[{"type": "audio", "base64": "x", "mime_type": "audio/ogg"}]))
    with pytest.raises(ValueError, match="'video'"):
        message_to_wire(HumanMessage(content=[{"type": "video", "url": "https://x.test/v.mp4"}]))


def test_response_with_bad_arguments_and_think_tags() -> None:
    resp = ChatCompletions.model_validate(
        {
            "id": "r1",
            "model": "DeepSeek-R1",
            "system_fingerprint": "fp",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}},
                    "message": {
                        "role": "assistant",
                        "content": "<think>plan</think>\n\nanswer",
                        "tool_calls": [
                            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"x": 1}'}},
                            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "{oops"}},
                        ],
                    },
                }
            ],
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": 7,
                "total_tokens": 12,
                "prompt_tokens_details": {"cached_tokens": 2},
                "completion_tokens_details": {"reasoning_tokens": 4},
            },
        }
    )
    msg = chat_result_from_wire(resp).generations[0].message
    assert isinstance(msg, AIMessage)
    assert msg.content == "answer"
    assert msg.additional_kwargs["reasoning_content"] == "plan"
    assert msg.tool_calls[0]["args"] == {"x": 1}
    assert msg.invalid_tool_calls[0]["name"] == "g"
    assert msg.invalid_tool_calls[0]["args"] == "{oops"
    assert msg.usage_metadata == {
        "input_tokens": 5,
        "output_tokens": 7,
        "total_tokens": 12,
        "input_token_details": {"cache_read": 2},
        "output_token_details": {"reasoning": 4},
    }
    meta = msg.response_metadata
    assert meta["model_provider"] == "azure_inference"
    assert meta["system_fingerprint"] == "fp"
    assert meta["content_filter_results"]["hate"]["severity"] == "safe"
    # Without the splitter, content is left as the model sent it.
    raw = chat_result_from_wire(resp, think_tags=None).generations[0].message
    assert raw.content.startswith("<think>")


def _chunk(delta: dict, **extra: object) -> ChatCompletionsChunk:
    return ChatCompletionsChunk.model_validate(
        {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": delta}], **extra}
    )


def test_stream_without_index_think_split_and_single_usage() -> None:
    conv = StreamConverter()
    wire = [
        _chunk({"content": "<thi"}),
        _chunk({"content": "nk>why</th"}),
        _chunk({"content": "ink>ok"}),
        # docs/wire.md Δ8: no index; a new id starts a call, no id continues the last one.
        _chunk({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": '{"x"'}}]}),
        _chunk({"tool_calls": [{"function": {"arguments": ": 1}"}}]}),
        _chunk({"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": "{}"}}]}),
        ChatCompletionsChunk.model_validate(
            {"id": "s1", "model": "m", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
        ),
        ChatCompletionsChunk.model_validate(
            {
                "id": "s1",
                "model": "m",
                "choices": [],
                "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
            }
        ),
    ]
    out = [c for c in (conv.feed(w) for w in wire) if c is not None] + [conv.finish()]
    assert sum(1 for c in out if c.message.usage_metadata) == 1  # type: ignore[attr-defined]
    assert out[-1].message.chunk_position == "last"  # type: ignore[attr-defined]
    total = out[0].message
    for c in out[1:]:
        total = total + c.message  # type: ignore[assignment]
    assert isinstance(total, AIMessageChunk)
    assert total.content == "ok"
    assert total.additional_kwargs["reasoning_content"] == "why"
    assert [(t["name"], t["args"], t["id"]) for t in total.tool_calls] == [("f", {"x": 1}, "a"), ("g", {}, "b")]
    assert total.response_metadata["finish_reason"] == "tool_calls"
    assert total.response_metadata["model_name"] == "m"
    assert total.usage_metadata is not None
    assert total.usage_metadata["total_tokens"] == 3
