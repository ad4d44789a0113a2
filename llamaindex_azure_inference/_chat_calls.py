"""``AzureInference`` on chat completions: the four chat calls (sync/async, whole/streamed) and text streams.

The twin of ``_responses_calls``: the LLM's decorated methods pick one of the two modules per call, and each
module sends with the LLM's pooled clients and shapes the reply. Here a whole reply is converted by
``_convert``; a stream is folded once by the transport and shown by ``_stream.StreamFolder``, which also keeps
only the first tool call when ``parallel_tool_calls=False`` (whether or not the surface was sent the flag,
``ChatFields._sends_parallel_tool_calls``); ``one_call`` does that for whole replies.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse, ToolCallBlock

from azure_inference.errors import completion_filtered
from azure_inference.models.chat import ChatCompletions
from azure_inference.models.completions import Completions

from ._convert import from_wire_chat_response, to_wire_messages
from ._stream import THINK_TAGS, StreamFolder

if TYPE_CHECKING:
    from .llm import AzureInference

__all__ = [
    "achat",
    "astream_chat",
    "astream_text",
    "chat",
    "one_call",
    "stream_chat",
    "stream_text",
]

_FILTER_FIX = "rephrase the prompt, or set raise_on_content_filter=False to get the partial text"


def one_call(response: ChatResponse) -> ChatResponse:
    """Keep only the first tool call of a response (parallel calls not allowed)."""
    calls = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if len(calls) > 1:
        first = calls[0]
        response.message.blocks = [b for b in response.message.blocks if not isinstance(b, ToolCallBlock) or b is first]
    return response


def _filtered(llm: AzureInference, categories: dict[str, Any] | None, partial: str) -> None:
    """Raise ``ContentFilterError`` for a filtered completion, unless ``raise_on_content_filter`` is off."""
    if llm.raise_on_content_filter:
        raise completion_filtered(categories, partial, _FILTER_FIX)


def _finish(llm: AzureInference, result: ChatCompletions) -> ChatResponse:
    if result.model and not llm._seen_model:
        llm._seen_model = result.model
    choice = result.choices[0] if result.choices else None
    if choice is not None and choice.finish_reason == "content_filter":
        _filtered(llm, choice.content_filter_results, choice.message.content or "")
    response = from_wire_chat_response(result, split_think=llm.split_think_tags)
    if result.adaptations:
        response.raw["adaptations"] = list(result.adaptations)  # type: ignore[index]
    return response


def chat(llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> ChatResponse:
    """One whole chat completion as a ``ChatResponse``."""
    return _finish(llm, llm.client.chat(to_wire_messages(messages), **llm._params(kwargs)))


async def achat(llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> ChatResponse:
    """One whole chat completion as a ``ChatResponse`` (async)."""
    wire = to_wire_messages(messages)
    return _finish(llm, await llm.async_client.chat(wire, **llm._params(kwargs)))


def _check(llm: AzureInference, folder: StreamFolder, response: ChatResponse) -> None:
    """What a chat stream checks on each response it shows: a filtered finish, and the model name once."""
    if folder.finish_reason == "content_filter":
        _filtered(llm, folder.accumulator.content_filter_results, response.message.content or "")
    if not folder.model_seen and folder.accumulator.model:
        folder.model_seen = True  # once per stream: reading a private attribute of a pydantic model is slow
        if not llm._seen_model:
            llm._seen_model = folder.accumulator.model


def stream_chat(
    llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
) -> Generator[ChatResponse, None, None]:
    """A streamed chat completion: one ``ChatResponse`` per chunk that added something (request built now)."""
    wire, params = to_wire_messages(messages), llm._params(kwargs)
    most = 1 if kwargs.get("parallel_tool_calls") is False else None

    def gen() -> Generator[ChatResponse, None, None]:
        tags = THINK_TAGS if llm.split_think_tags else None
        stream = llm.client.stream_chat(wire, **params)
        with stream:
            folder = StreamFolder(stream.accumulator, max_tool_calls=most, adaptations=stream.adaptations)
            for delta in stream.deltas(tags):  # folded once, by the transport
                response = folder.show(delta)
                if response is not None:
                    _check(llm, folder, response)
                    yield response

    return gen()


def astream_chat(
    llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
) -> AsyncGenerator[ChatResponse, None]:
    """A streamed chat completion (async)."""
    wire, params = to_wire_messages(messages), llm._params(kwargs)
    most = 1 if kwargs.get("parallel_tool_calls") is False else None

    async def gen() -> AsyncGenerator[ChatResponse, None]:
        tags = THINK_TAGS if llm.split_think_tags else None
        stream = await llm.async_client.stream_chat(wire, **params)
        async with stream:
            folder = StreamFolder(stream.accumulator, max_tool_calls=most, adaptations=stream.adaptations)
            async for delta in stream.deltas(tags):  # folded once, by the transport
                response = folder.show(delta)
                if response is not None:
                    _check(llm, folder, response)
                    yield response

    return gen()


def _text_response(chunk: Completions, text: str) -> tuple[str, CompletionResponse]:
    delta = "".join(c.text for c in chunk.choices if c.index == 0)
    text += delta
    return text, CompletionResponse(text=text, delta=delta, raw=chunk.model_dump(exclude_none=True))


def stream_text(llm: AzureInference, prompt: str, params: dict[str, Any]) -> Generator[CompletionResponse, None, None]:
    """A streamed ``/completions`` call (text-generation models): the text so far and ``delta`` per chunk."""

    def gen() -> Generator[CompletionResponse, None, None]:
        text = ""
        with llm.client.stream_complete(prompt, **params) as stream:
            for chunk in stream:
                text, response = _text_response(chunk, text)
                yield response

    return gen()


def astream_text(llm: AzureInference, prompt: str, params: dict[str, Any]) -> AsyncGenerator[CompletionResponse, None]:
    """A streamed ``/completions`` call (async)."""

    async def gen() -> AsyncGenerator[CompletionResponse, None]:
        text = ""
        async with await llm.async_client.stream_complete(prompt, **params) as stream:
            async for chunk in stream:
                text, response = _text_response(chunk, text)
                yield response

    return gen()
