"""Fold a chat stream's chunks into one response, and say per chunk what it added. Pure, no I/O.

``ChatAccumulator.add`` is the one fold of a ``/chat/completions`` stream (docs/wire.md §4): the sync and async
streams call it, and both framework adapters read the ``ChunkDelta`` it returns instead of folding the chunks a
second time. A delta is what one chunk added to the first choice (the one message an adapter shows): its text
and reasoning after the ``<think>`` split, the tool-call slots it touched, its finish reason and its usage.
``result()`` gives the whole response as if it had not been streamed (content as the service sent it, tags
included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models.chat import (
    ChatChoice,
    ChatCompletions,
    ChatCompletionsChunk,
    ChatResponseMessage,
    FunctionCall,
    StreamChoice,
    ToolCall,
    ToolCallDelta,
)
from .models.usage import CompletionsUsage
from .think import StreamingThinkSplitter

__all__ = ["ChatAccumulator", "ChunkDelta", "ToolCallPiece", "tool_call_slot"]


@dataclass(slots=True)
class ToolCallPiece:
    """One tool-call fragment of a chunk, placed in its slot.

    ``id`` and ``name`` are set only on the fragment that first brought them: some servers repeat them on every
    fragment (docs/wire.md §4), and a consumer that concatenates fragments (LangChain) must see each once. The whole
    calls so far are ``ChatAccumulator.tool_calls()``.
    """

    index: int
    """The call's slot (docs/wire.md §4 Δ8: from ``index``, else from the ``id``; see ``tool_call_slot``)."""
    id: str | None
    """The call's id, on the fragment that first carried it; ``None`` after."""
    name: str | None
    """The function name, on the fragment that first carried it; ``None`` after."""
    arguments: str | None
    """The argument text this fragment added (``None`` when it carried none)."""


_NO_PIECES: tuple[ToolCallPiece, ...] = ()


@dataclass(slots=True)
class ChunkDelta:
    """What one chunk added to the first choice; from ``ChatAccumulator.add`` or ``ChatStream.deltas()``."""

    chunk: ChatCompletionsChunk | None
    """The chunk itself; ``None`` on the delta ``flush()`` gives at the end (text the think split held back)."""
    text: str = ""
    """Content added, after the ``<think>`` split when one is configured."""
    reasoning: str = ""
    """Reasoning added: ``reasoning_content``, then the text the ``<think>`` split moved out of the content."""
    tool_calls: tuple[ToolCallPiece, ...] = _NO_PIECES
    """The tool-call fragments of this chunk, in order."""
    finish_reason: str | None = None
    """The first choice's finish reason, on the chunk that brought it."""
    usage: CompletionsUsage | None = None
    """Usage, on the chunk that carried it (the last one, or a usage-only chunk after the finish)."""

    @property
    def finished(self) -> bool:
        """Whether this chunk finished the first choice."""
        return self.finish_reason is not None


@dataclass
class _ToolCallState:
    id: str = ""
    type: str = "function"
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass
class _ChoiceState:
    role: str = "assistant"
    content: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    tool_calls: dict[int, _ToolCallState] = field(default_factory=dict)
    finish_reason: str | None = None
    content_filter_results: dict[str, Any] | None = None
    has_content: bool = False


def tool_call_slot(delta: ToolCallDelta, known: dict[int, _ToolCallState] | dict[int, Any], last: int | None) -> int:
    """Which tool call a delta belongs to (pure).

    docs/wire.md §4 Δ8: the spec's deltas carry no ``index``. With ``index`` we trust it. Without it, a delta whose
    ``id`` is new starts the next call, a delta with a known ``id`` continues that call, and a delta with no
    ``id`` continues the most recent call (the SDK sample's behaviour).
    """
    if delta.index is not None:
        return delta.index
    if delta.id:
        for slot, state in known.items():
            if getattr(state, "id", None) == delta.id:
                return slot
        return (max(known) + 1) if known else 0
    if last is not None:
        return last
    return (max(known) + 1) if known else 0


class ChatAccumulator:
    """Folds ``ChatCompletionsChunk``s into a ``ChatCompletions``; ``add`` per chunk, ``result`` at the end.

    Args:
        think_tags: split ``open…close`` reasoning out of the first choice's content in the deltas, trimmed as
            the non-streamed split trims it (``StreamingThinkSplitter``); ``None`` leaves the content as sent.
    """

    def __init__(self, think_tags: tuple[str, str] | None = None) -> None:
        self.id = ""
        self.model = ""
        self.created = 0
        self.usage: CompletionsUsage | None = None
        self.chunks = 0
        self._choices: dict[int, _ChoiceState] = {}
        self._last_slot: dict[int, int | None] = {}
        self._think = StreamingThinkSplitter(*think_tags) if think_tags else None
        self._pieces = _NO_PIECES  # the first choice's tool-call pieces of the chunk folded last

    def split_think(self, think_tags: tuple[str, str] | None) -> None:
        """Set the ``<think>`` split of the deltas (``None``: none); only before the first chunk."""
        if self.chunks:
            raise RuntimeError(
                f"the think split must be chosen before the stream starts ({self.chunks} chunks already folded); "
                "call deltas() before iterating the stream"
            )
        self._think = StreamingThinkSplitter(*think_tags) if think_tags else None

    def add(self, chunk: ChatCompletionsChunk) -> ChunkDelta:
        """Fold one chunk in; return what it added to the first choice."""
        first = self.fold(chunk)
        if first is None:  # e.g. the usage-only chunk after the finish
            return ChunkDelta(chunk, usage=chunk.usage)
        delta = first.delta
        text, reasoning, finish = delta.content or "", delta.reasoning_content or "", first.finish_reason or None
        think = self._think
        if think is not None:
            if text:
                text, thought = think.feed(text)
                reasoning += thought
            if finish:  # the first choice is over: release what the split still holds
                tail_text, tail_thought = think.flush()
                text += tail_text
                reasoning += tail_thought
        return ChunkDelta(chunk, text, reasoning, self._pieces, finish, chunk.usage)

    def fold(self, chunk: ChatCompletionsChunk) -> StreamChoice | None:
        """Fold one chunk in, building nothing for the caller (a stream iterated chunk by chunk uses this).

        Returns:
            The chunk's first choice (``index`` 0), if it has one.
        """
        # Runs once per streamed token: attribute reads and list appends only; nothing is joined here.
        self.chunks += 1
        self.id = self.id or chunk.id
        self.model = self.model or chunk.model
        self.created = self.created or chunk.created
        if chunk.usage is not None:
            self.usage = chunk.usage
        first = None
        for choice in chunk.choices:
            index = choice.index
            state = self._choices.get(index)
            if state is None:
                state = self._choices[index] = _ChoiceState()
            delta = choice.delta
            if delta.role:
                state.role = delta.role
            content = delta.content
            if content:
                state.content.append(content)
                state.has_content = True
            elif content == "":
                state.has_content = True
            if delta.reasoning_content:
                state.reasoning.append(delta.reasoning_content)
            calls = self._fold_tool_calls(state, index, delta.tool_calls) if delta.tool_calls else _NO_PIECES
            if choice.finish_reason:
                state.finish_reason = choice.finish_reason
            if choice.content_filter_results:
                state.content_filter_results = choice.content_filter_results
            if index == 0:
                first, self._pieces = choice, calls
        return first

    def _fold_tool_calls(
        self, state: _ChoiceState, index: int, deltas: list[ToolCallDelta]
    ) -> tuple[ToolCallPiece, ...]:
        pieces = []
        for tc in deltas:
            slot = tool_call_slot(tc, state.tool_calls, self._last_slot.get(index))
            self._last_slot[index] = slot
            call = state.tool_calls.get(slot)
            if call is None:
                call = state.tool_calls[slot] = _ToolCallState()
            new_id = tc.id if tc.id and not call.id else None
            if tc.id:
                call.id = tc.id
            if tc.type:
                call.type = tc.type
            fn = tc.function
            new_name = arguments = None
            if fn is not None:
                if fn.name:
                    new_name = fn.name if not call.name else None
                    call.name = fn.name
                arguments = fn.arguments
                if arguments:
                    call.arguments.append(arguments)
            pieces.append(ToolCallPiece(slot, new_id, new_name, arguments))
        return tuple(pieces)

    def flush(self) -> ChunkDelta | None:
        """At the end of the stream: the text the think split still holds, if any (``chunk`` is ``None``).

        The split releases it on the chunk that finishes the first choice; this is for streams that end
        without one (``[DONE]`` only). Safe to call more than once.
        """
        if self._think is None:
            return None
        text, reasoning = self._think.flush()
        if not (text or reasoning):
            return None
        return ChunkDelta(None, text, reasoning)

    @property
    def finished(self) -> bool:
        """True when every choice seen so far has a finish_reason."""
        return bool(self._choices) and all(s.finish_reason for s in self._choices.values())

    @property
    def finish_reason(self) -> str | None:
        """The first choice's finish reason (``None`` until it finishes)."""
        state = self._choices.get(0)
        return state.finish_reason if state else None

    @property
    def content_filter_results(self) -> dict[str, Any] | None:
        """The first choice's latest content-filter results, if the service sent any."""
        state = self._choices.get(0)
        return state.content_filter_results if state else None

    @property
    def text(self) -> str:
        """The first choice's content so far."""
        state = self._choices.get(0)
        return "".join(state.content) if state else ""

    def tool_calls(self, index: int = 0) -> list[ToolCall]:
        """One choice's tool calls so far (cheaper than ``result()`` per chunk: no content is joined)."""
        state = self._choices.get(index)
        if state is None:
            return []
        return [
            ToolCall(id=c.id, type=c.type, function=FunctionCall(name=c.name, arguments="".join(c.arguments)))
            for _, c in sorted(state.tool_calls.items())
        ]

    @property
    def has_choices(self) -> bool:
        """Whether any chunk carried a choice (a stream without one is no answer)."""
        return bool(self._choices)

    def result(self) -> ChatCompletions:
        """The whole response as if it had not been streamed."""
        choices = []
        for index in sorted(self._choices):
            state = self._choices[index]
            calls = self.tool_calls(index)
            message = ChatResponseMessage(
                role=state.role,
                content="".join(state.content) if state.has_content or not calls else None,
                reasoning_content="".join(state.reasoning) or None,
                tool_calls=calls or None,
            )
            choices.append(
                ChatChoice(
                    index=index,
                    finish_reason=state.finish_reason,
                    message=message,
                    content_filter_results=state.content_filter_results,
                )
            )
        return ChatCompletions(id=self.id, created=self.created, model=self.model, choices=choices, usage=self.usage)
