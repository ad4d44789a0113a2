"""Turn what each chunk of a chat stream added into LlamaIndex ``ChatResponse``s. Pure, no I/O.

The transport folds the stream once (``ChatAccumulator``, read through ``ChatStream.deltas()``): text and
reasoning after the ``<think>`` split, tool-call fragments by slot (by index, or by id where the service sends
no index, docs/wire.md §4 Δ8), the finish reason. Each response here carries the whole message so far (text,
reasoning, tool calls) and the new text in ``delta``; while a call streams its arguments are kept as text, and
they become a dict on the chunk that finishes the message.

The calls are also put in ``message.additional_kwargs["tool_calls"]`` (wire-shaped ``ToolCall`` objects with
``.function.name`` / ``.function.arguments``): llama-index-core's streaming structured output
(``program.utils.process_streaming_objects``) and its token counter read them there, not from the blocks.
With ``max_tool_calls=1`` (``allow_parallel_tool_calls=False``) only the first call is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, TextBlock, ThinkingBlock

from azure_inference.fold import ChatAccumulator, ChunkDelta
from azure_inference.models.chat import ChatCompletionsChunk

from ._convert import from_wire_tool_calls, usage_kwargs

__all__ = ["StreamFolder"]

THINK_TAGS = ("<think>", "</think>")


class StreamFolder:
    """Turns what each chunk added into ``ChatResponse``s: ``show`` per delta (or ``add`` per chunk), then ``finish``.

    Args:
        split_think: move ``<think>…</think>`` text out of the content into a ``ThinkingBlock`` (when this folder
            builds its own accumulator, for ``add``).
        accumulator: the stream's accumulator (``stream.accumulator``), when the deltas come from the stream.
        max_tool_calls: show at most this many tool calls (``1`` when parallel calls were not allowed: a service
            that ignores ``parallel_tool_calls=false``, or a surface it is not sent to, may still send several).
    """

    def __init__(
        self,
        accumulator: ChatAccumulator | None = None,
        *,
        split_think: bool = True,
        max_tool_calls: int | None = None,
        adaptations: Sequence[str] = (),
    ) -> None:
        self.accumulator = (
            accumulator if accumulator is not None else ChatAccumulator(THINK_TAGS if split_think else None)
        )
        # Running text, not lists joined per chunk: each response carries the whole text so far, and re-joining
        # every part on every chunk made a stream quadratic in its number of chunks.
        self._content = ""
        self._thinking = ""
        self._tool_calls: list[Any] = []
        self._max_tool_calls = max_tool_calls
        self.finish_reason: str | None = None
        self._adaptations = list(adaptations)
        self.prompt_filter_results: list[Any] | None = None
        """The prompt's filter annotations, from the choice-less chunk Azure sends first (docs/wire.md §V1.7.4)."""
        self.model_seen = False
        """Set by the caller once it has noted the stream's model name (so it looks only once per stream)."""

    def add(self, chunk: ChatCompletionsChunk) -> ChatResponse | None:
        """Fold one chunk into the accumulator and convert what it added (``show``)."""
        return self.show(self.accumulator.add(chunk))

    def show(self, delta: ChunkDelta) -> ChatResponse | None:
        """The response for what one chunk added, or None when it changed nothing visible."""
        text, thinking, touched = delta.text, delta.reasoning, delta.tool_calls
        finished_now = delta.finish_reason is not None
        if finished_now:
            self.finish_reason = delta.finish_reason
        if touched or finished_now:
            self._tool_calls = self.accumulator.tool_calls(0)[: self._max_tool_calls]
        if not (text or thinking or touched or finished_now or delta.usage is not None):
            extra = delta.chunk.model_extra if delta.chunk is not None else None
            if extra and extra.get("prompt_filter_results"):
                self.prompt_filter_results = extra["prompt_filter_results"]
            return None
        return self._response(text, thinking, delta.chunk)

    def finish(self) -> ChatResponse | None:
        """After the last chunk: release text held back by the ``<think>`` split, if any."""
        tail = self.accumulator.flush()
        if tail is None:
            return None
        return self._response(tail.text, tail.reasoning, None)

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
        # The same calls, wire-shaped, where llama-index-core's streaming programs look for them (module docstring).
        message_extra: dict[str, Any] = {"tool_calls": list(self._tool_calls)} if self._tool_calls else {}
        if self.prompt_filter_results:
            raw["prompt_filter_results"] = self.prompt_filter_results
        if self._adaptations:
            raw["adaptations"] = self._adaptations
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs=message_extra),
            delta=text,
            raw=raw,
            additional_kwargs=extra,
        )
