"""Fold stream chunks into one whole response, and split ``<think>`` reasoning out of content. Pure, no I/O.

Both the sync and async streams, and both framework adapters, call these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .models.chat import (
    ChatChoice,
    ChatCompletions,
    ChatCompletionsChunk,
    ChatResponseMessage,
    FunctionCall,
    ToolCall,
    ToolCallDelta,
)
from .models.usage import CompletionsUsage

__all__ = ["ChatAccumulator", "ThinkSplitter", "parse_partial_json_object", "tool_call_slot"]


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

    WIRE.md §4 Δ8: the spec's deltas carry no ``index``. With ``index`` we trust it. Without it, a delta whose
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
    """Folds ``ChatCompletionsChunk``s into a ``ChatCompletions``; call ``add`` per chunk, ``result`` at the end."""

    def __init__(self) -> None:
        self.id = ""
        self.model = ""
        self.created = 0
        self.usage: CompletionsUsage | None = None
        self.chunks = 0
        self._choices: dict[int, _ChoiceState] = {}
        self._last_slot: dict[int, int | None] = {}

    def add(self, chunk: ChatCompletionsChunk) -> list[int]:
        """Fold one chunk in. Returns, for the first choice, the tool-call slots this chunk touched."""
        self.chunks += 1
        self.id = self.id or chunk.id
        self.model = self.model or chunk.model
        self.created = self.created or chunk.created
        if chunk.usage is not None:
            self.usage = chunk.usage
        touched: list[int] = []
        for choice in chunk.choices:
            state = self._choices.get(choice.index)
            if state is None:
                state = self._choices[choice.index] = _ChoiceState()
            delta = choice.delta
            if delta.role:
                state.role = delta.role
            if delta.content:
                state.content.append(delta.content)
                state.has_content = True
            elif delta.content == "":
                state.has_content = True
            if delta.reasoning_content:
                state.reasoning.append(delta.reasoning_content)
            for tc in delta.tool_calls or ():
                slot = tool_call_slot(tc, state.tool_calls, self._last_slot.get(choice.index))
                self._last_slot[choice.index] = slot
                call = state.tool_calls.get(slot)
                if call is None:
                    call = state.tool_calls[slot] = _ToolCallState()
                if tc.id:
                    call.id = tc.id
                if tc.type:
                    call.type = tc.type
                if tc.function is not None:
                    if tc.function.name:
                        call.name = tc.function.name
                    if tc.function.arguments:
                        call.arguments.append(tc.function.arguments)
                if choice.index == 0:
                    touched.append(slot)
            if choice.finish_reason:
                state.finish_reason = choice.finish_reason
            if choice.content_filter_results:
                state.content_filter_results = choice.content_filter_results
        return touched

    @property
    def finished(self) -> bool:
        """True when every choice seen so far has a finish_reason."""
        return bool(self._choices) and all(s.finish_reason for s in self._choices.values())

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


class ThinkSplitter:
    """Splits ``<think>…</think>`` reasoning out of streamed content, safe across chunk boundaries.

    Some deployments (e.g. DeepSeek-R1) put reasoning inside the content between tags. ``feed`` returns
    ``(content, reasoning)`` for each piece; text that might be the start of a tag is held back until the next
    piece decides it. ``flush`` returns what is held at the end.
    """

    def __init__(self, open_tag: str = "<think>", close_tag: str = "</think>") -> None:
        self.open_tag = open_tag
        self.close_tag = close_tag
        self._inside = False
        self._held = ""
        self.tagged = False
        """True once an opening tag has been seen."""

    @property
    def pending(self) -> bool:
        """True while text that might start a tag is held back."""
        return bool(self._held)

    def feed(self, text: str) -> tuple[str, str]:
        """Consume a piece of content; return the (content, reasoning) it releases."""
        if not self._held:
            # Fast path (most deltas of most models): nothing held and no tag can start here, so the piece
            # passes through unscanned. Every tag starts with its first character ("<").
            tag = self.close_tag if self._inside else self.open_tag
            if tag[0] not in text:
                return ("", text) if self._inside else (text, "")
        buf = self._held + text
        self._held = ""
        content: list[str] = []
        reasoning: list[str] = []
        while buf:
            tag = self.close_tag if self._inside else self.open_tag
            pos = buf.find(tag)
            if pos >= 0:
                (reasoning if self._inside else content).append(buf[:pos])
                buf = buf[pos + len(tag) :]
                self._inside = not self._inside
                self.tagged = True
                continue
            keep = _partial_suffix(buf, tag)
            (reasoning if self._inside else content).append(buf[: len(buf) - keep])
            self._held = buf[len(buf) - keep :]
            break
        return "".join(content), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        """Release anything held back at the end of the stream."""
        held, self._held = self._held, ""
        return ("", held) if self._inside else (held, "")

    def split(self, text: str) -> tuple[str, str]:
        """Split a whole (non-streamed) text: ``(content, reasoning)`` with surrounding whitespace trimmed."""
        content, reasoning = self.feed(text)
        tail_c, tail_r = self.flush()
        return (content + tail_c).strip(), (reasoning + tail_r).strip()


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    # Only a suffix that starts with the tag's first character can qualify: look at those positions only.
    start = max(0, len(text) - len(tag) + 1)
    pos = text.find(tag[0], start)
    while pos >= 0:
        if tag.startswith(text[pos:]):
            return len(text) - pos
        pos = text.find(tag[0], pos + 1)
    return 0


_CLOSERS = {"{": "}", "[": "]"}


def parse_partial_json_object(text: str) -> dict[str, Any]:
    """The object a cut-off JSON text is the start of, as far as it goes (pure; never raises).

    For tool-call arguments still streaming: an open string value is closed where it was cut (``{"city": "Par``
    gives ``{"city": "Par"}``, not null), a dangling key, colon or comma is dropped, and open brackets are closed.
    The whole text gives what ``json.loads`` gives; text that does not start an object gives ``{}``.
    """
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []  # (end of a prefix that is whole once closed, the closers it needs)
    in_string = escaped = False
    escape_at = -1  # where the escape being read started, to drop it if the text ends inside it
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped, escape_at = True, i
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(_CLOSERS[ch])
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch in "}]":
            if not stack:
                break
            stack.pop()
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch == ",":
            cuts.append((i, "".join(reversed(stack))))
    head = text
    if in_string:
        tail = text[escape_at:] if escape_at >= 0 else ""
        if escaped or (tail.startswith("\\u") and len(tail) < 6):
            head = text[:escape_at]  # the text ends inside an escape: drop it
        head += '"'
    candidates = [(head, "".join(reversed(stack)))]
    candidates += [(text[:end], closers) for end, closers in reversed(cuts)]
    for prefix, closers in candidates:
        try:
            value = json.loads(prefix + closers)
        except ValueError:
            continue
        return value if isinstance(value, dict) else {}
    return {}
