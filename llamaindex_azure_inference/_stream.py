"""Fold a chat stream into LlamaIndex ``ChatResponse``s, one per meaningful chunk. Pure, no I/O.

Each response carries the whole message so far (text, reasoning, tool calls) and the new text in ``delta``.
Tool-call deltas are folded by the transport's ``ChatAccumulator`` (by index, or by id where the service sends
no index, WIRE.md §4 Δ8), so no call and no argument fragment is lost; while a call streams its arguments are
kept as text, and they become a dict on the chunk that finishes the message.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, TextBlock, ThinkingBlock

from azure_inference import ChatAccumulator, ThinkSplitter
from azure_inference.models.chat import ChatCompletionsChunk

from ._convert import from_wire_tool_calls, usage_kwargs

__all__ = ["StreamFolder"]


class StreamFolder:
    """Turns ``ChatCompletionsChunk``s into ``ChatResponse``s; ``add`` per chunk, ``finish`` at the end.

    Args:
        split_think: move ``<think>…</think>`` text out of the content into a ``ThinkingBlock``.
    """

    def __init__(self, *, split_think: bool = True) -> None:
        self.accumulator = ChatAccumulator()
        self._splitter = ThinkSplitter() if split_think else None
        # Running text, not lists joined per chunk: each response carries the whole text so far, and re-joining
        # every part on every chunk made a stream quadratic in its number of chunks.
        self._content = ""
        self._thinking = ""
        self._tool_calls: list[Any] = []
        self.finish_reason: str | None = None
        self.model_seen = False
        """Set by the caller once it has noted the stream's model name (so it looks only once per stream)."""

    def add(self, chunk: ChatCompletionsChunk) -> ChatResponse | None:
        """Fold one chunk; return the response to yield, or None when the chunk changed nothing visible."""
        touched = self.accumulator.add(chunk)
        text, thinking = "", ""
        finished_now = False
        for choice in chunk.choices:
            if choice.index != 0:
                continue  # LlamaIndex responses carry one message: the first choice
            delta = choice.delta
            if delta.reasoning_content:
                thinking += delta.reasoning_content
            if delta.content:
                if self._splitter is not None:
                    shown, hidden = self._splitter.feed(delta.content)
                    text += shown
                    thinking += hidden
                else:
                    text += delta.content
            if choice.finish_reason:
                self.finish_reason = choice.finish_reason
                finished_now = True
        if finished_now and self._splitter is not None:
            shown, hidden = self._splitter.flush()
            text += shown
            thinking += hidden
        if touched or finished_now:
            self._tool_calls = self.accumulator.tool_calls(0)
        if not (text or thinking or touched or finished_now or chunk.usage is not None):
            return None
        return self._response(text, thinking, chunk)

    def finish(self) -> ChatResponse | None:
        """After the last chunk: release text held back by the ``<think>`` splitter, if any."""
        if self._splitter is None:
            return None
        text, thinking = self._splitter.flush()
        if not (text or thinking):
            return None
        return self._response(text, thinking, None)

    def _response(self, text: str, thinking: str, chunk: ChatCompletionsChunk | None) -> ChatResponse:
        if not self._content and (self._thinking or thinking):
            text = text.lstrip()  # the blank line after </think> is layout, not content
        if text:
            self._content += text
        if thinking:
            self._thinking += thinking
        blocks: list[Any] = []
        if self._thinking:
            blocks.append(ThinkingBlock(content=self._thinking))
        content = self._content
        if content or not self._tool_calls:
            blocks.append(TextBlock(text=content))
        if self._tool_calls:
            blocks.extend(from_wire_tool_calls(self._tool_calls, complete=self.finish_reason is not None))
        usage = self.accumulator.usage
        extra: dict[str, Any] = usage_kwargs(usage) if usage is not None else {}
        if thinking:
            extra["thinking_delta"] = thinking  # FunctionAgent forwards this as AgentStream.thinking_delta
        if self.finish_reason:
            extra["finish_reason"] = self.finish_reason
        # A plain dict, as a whole response's raw is (TokenCountingHandler reads raw["usage"]); the dump of one
        # small chunk costs ~2 µs. Usage seen on an earlier chunk is repeated so the last response has it.
        raw: dict[str, Any] = chunk.model_dump(exclude_none=True) if chunk is not None else {}
        if usage is not None:
            raw["usage"] = usage.model_dump(exclude_none=True)
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks),
            delta=text,
            raw=raw,
            additional_kwargs=extra,
        )
