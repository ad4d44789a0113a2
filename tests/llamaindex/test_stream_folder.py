"""``StreamFolder``: every response carries the whole message so far, the new text as ``delta``, usage at the end."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ToolCallBlock

from azure_inference.models import ChatCompletionsChunk
from llamaindex_azure_inference._stream import StreamFolder


def chunk(
    delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None
) -> ChatCompletionsChunk:
    data: dict[str, Any] = {"id": "c", "model": "m", "created": 1, "choices": [{"index": 0, "delta": delta}]}
    if finish:
        data["choices"][0]["finish_reason"] = finish
    if usage:
        data["usage"] = usage
    return ChatCompletionsChunk.model_validate(data)


def test_each_response_holds_the_text_so_far_and_its_delta() -> None:
    pieces = [f"w{i} " for i in range(300)]
    folder = StreamFolder()
    responses = [folder.add(chunk({"content": p})) for p in pieces]
    usage = {"prompt_tokens": 3, "completion_tokens": 300, "total_tokens": 303}
    last = folder.add(chunk({}, "stop", usage))
    assert folder.finish() is None
    for i, response in enumerate(responses):
        assert response is not None
        assert response.delta == pieces[i]
        assert response.message.content == "".join(pieces[: i + 1])
        assert response.raw["choices"][0]["delta"]["content"] == pieces[i]
    assert last is not None
    assert last.message.content == "".join(pieces)
    assert last.raw["usage"]["total_tokens"] == 303
    assert last.additional_kwargs["finish_reason"] == "stop"


def test_tool_call_arguments_accumulate_and_become_a_dict_at_the_end() -> None:
    folder = StreamFolder()
    first = folder.add(
        chunk({"tool_calls": [{"index": 0, "id": "call_1", "function": {"name": "f", "arguments": ""}}]})
    )
    parts = ['{"city"', ': "Par', 'is", "n": 2', "}"]
    mids = [folder.add(chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]})) for p in parts]
    last = folder.add(chunk({}, "tool_calls"))
    assert first is not None
    assert last is not None
    for i, response in enumerate(mids):
        assert response is not None
        (block,) = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
        assert block.tool_kwargs == "".join(parts[: i + 1])  # still text while it streams
    (block,) = [b for b in last.message.blocks if isinstance(b, ToolCallBlock)]
    assert (block.tool_call_id, block.tool_name, block.tool_kwargs) == ("call_1", "f", {"city": "Paris", "n": 2})
