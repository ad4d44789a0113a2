"""Pure converters between LlamaIndex objects and the Responses API (``POST /responses``, docs/wire.md §V1.3).

Messages go through the chat converters (``to_wire_messages``) and are re-shaped as Responses ``input`` items:
leading system text becomes ``instructions``, assistant tool calls ``function_call`` items, tool results
``function_call_output`` items keyed by ``call_id``. A ``Response`` becomes a ``ChatResponse`` whose message has
a ``ThinkingBlock`` per reasoning summary, the text, and a ``ToolCallBlock`` per function call (so
``tool_selections`` / ``get_tool_calls_from_response`` work unchanged). ``ResponsesStreamFolder`` does the same
per stream event. No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from azure_inference.errors import completion_filtered
from azure_inference.models.responses import FunctionCallItem, MessageItem, ReasoningItem, Response, ResponseUsage
from azure_inference.responses_fold import ResponseDelta
from azure_inference.responses_params import chat_params_to_responses
from azure_inference.responses_params import tool_choice_to_responses as to_responses_tool_choice
from azure_inference.responses_params import tools_to_responses as to_responses_tools

from ._convert import parse_tool_arguments, to_wire_messages

__all__ = [
    "ResponsesStreamFolder",
    "chat_params_to_responses",
    "chat_response_from_response",
    "raise_if_filtered",
    "to_responses_input",
    "to_responses_tool_choice",
    "to_responses_tools",
    "usage_kwargs",
]

_FILTER_FIX = "rephrase the request, or pass raise_on_content_filter=False to get the partial message"


# -- LlamaIndex → Responses input ---------------------------------------------------------------------------


def _input_parts(content: Any) -> str | list[dict[str, Any]]:
    """Chat content parts as Responses input parts (``input_text`` / ``input_image``, docs/wire.md §V1.3.1)."""
    if content is None or isinstance(content, str):
        return content or ""
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif kind == "image_url":
            image = part["image_url"]
            item = {"type": "input_image", "image_url": image["url"]}
            if image.get("detail"):
                item["detail"] = image["detail"]
            parts.append(item)
        else:
            raise ValueError(
                f"content part {kind!r} has no Responses API input form; send text and images, or use the chat "
                "completions API (use_responses_api=False)"
            )
    return parts


def _text(content: Any) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    return "\n".join(p.get("text", "") for p in content if p.get("type") == "text")


def _items(wire: Mapping[str, Any]) -> list[dict[str, Any]]:
    role = wire["role"]
    if role in ("system", "developer"):
        return [{"role": "developer", "content": _text(wire.get("content"))}]
    if role == "user":
        return [{"role": "user", "content": _input_parts(wire.get("content"))}]
    if role == "tool":
        return [{"type": "function_call_output", "call_id": wire["tool_call_id"], "output": _text(wire.get("content"))}]
    items: list[dict[str, Any]] = []
    text = _text(wire.get("content"))
    if text:
        items.append({"role": "assistant", "content": text})
    for call in wire.get("tool_calls") or ():
        fn = call["function"]
        items.append({"type": "function_call", "call_id": call["id"], "name": fn["name"], "arguments": fn["arguments"]})
    return items


def to_responses_input(messages: Sequence[ChatMessage]) -> tuple[str | None, list[dict[str, Any]]]:
    """Messages as ``(instructions, input items)``: leading system messages become ``instructions``."""
    wire = to_wire_messages(messages)
    head: list[str] = []
    while wire and wire[0]["role"] == "system":
        head.append(_text(wire.pop(0).get("content")))
    return ("\n\n".join(head) if head else None), [item for message in wire for item in _items(message)]


# -- Responses → LlamaIndex ---------------------------------------------------------------------------------


def usage_kwargs(usage: ResponseUsage | None) -> dict[str, int]:
    """Token counts in the keys ``TokenCountingHandler`` reads, plus cache and reasoning details."""
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens or usage.input_tokens + usage.output_tokens,
        "cached_tokens": usage.input_tokens_details.cached_tokens,
        "reasoning_tokens": usage.output_tokens_details.reasoning_tokens,
    }


def _finish(response: Response, has_calls: bool) -> str:
    details = response.incomplete_details
    if details is not None and details.reason:
        return details.reason
    return "tool_calls" if has_calls else "stop"


def _call_block(item: FunctionCallItem, *, complete: bool = True) -> ToolCallBlock:
    kwargs = parse_tool_arguments(item.arguments) if complete else item.arguments
    return ToolCallBlock(tool_call_id=item.call_id or None, tool_name=item.name, tool_kwargs=kwargs)


def chat_response_from_response(response: Response) -> ChatResponse:
    """A whole ``Response`` as a ``ChatResponse``: thinking, text and tool-call blocks in output order."""
    thinking: list[Any] = []
    text = ""
    calls: list[ToolCallBlock] = []
    for item in response.output:
        if isinstance(item, ReasoningItem):
            thinking += [ThinkingBlock(content=part.text) for part in item.summary if part.text]
        elif isinstance(item, MessageItem):
            text += item.text
        elif isinstance(item, FunctionCallItem):
            calls.append(_call_block(item))
    blocks: list[Any] = [*thinking]
    if text or not calls:
        blocks.append(TextBlock(text=text))
    blocks.extend(calls)
    extra: dict[str, Any] = usage_kwargs(response.usage)
    extra["finish_reason"] = _finish(response, bool(calls))
    extra["response_id"] = response.id
    extra["status"] = response.status
    message = ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, additional_kwargs={"response_id": response.id})
    return ChatResponse(message=message, raw=response.model_dump(exclude_none=True), additional_kwargs=extra)


def raise_if_filtered(response: Response, partial_text: str = "") -> None:
    """Raise ``ContentFilterError`` for a response the content filter cut, as chat does (docs/wire.md §V1.7, rule 3)."""
    details = response.incomplete_details
    if response.status == "incomplete" and details is not None and details.reason == "content_filter":
        raise completion_filtered(None, partial_text, _FILTER_FIX)


class ResponsesStreamFolder:
    """Turns each ``ResponseDelta`` of one stream into a ``ChatResponse`` carrying the whole message so far.

    The new text is in ``delta``, new reasoning-summary text in ``additional_kwargs["thinking_delta"]`` (what
    ``FunctionAgent`` streams as ``AgentStream.thinking_delta``); calls keep their argument text until the call's
    item is done, then become a dict.
    """

    def __init__(self) -> None:
        self._text = ""
        self._thinking: dict[tuple[int, int], str] = {}
        self._calls: dict[int, FunctionCallItem] = {}
        self._done_calls: set[int] = set()
        self.finish_reason: str | None = None
        self.usage: ResponseUsage | None = None

    def show(self, delta: ResponseDelta) -> ChatResponse | None:
        """The response for what one event added, or ``None`` when it added nothing a caller sees."""
        if delta.duplicate:
            return None
        index = delta.output_index if delta.output_index is not None else -1
        touched = False
        if isinstance(delta.item, FunctionCallItem):
            known = self._calls.get(index)
            item = delta.item
            if known is not None and not item.arguments:
                item = item.model_copy(update={"arguments": known.arguments})
            self._calls[index] = item
            if delta.event.type.endswith(".done"):
                self._done_calls.add(index)
            touched = True
        elif delta.arguments and index in self._calls:
            call = self._calls[index]
            self._calls[index] = call.model_copy(update={"arguments": call.arguments + delta.arguments})
            touched = True
        if delta.text:
            self._text += delta.text
        if delta.reasoning:
            key = (index, delta.summary_index or 0)
            self._thinking[key] = self._thinking.get(key, "") + delta.reasoning
        if delta.finished:
            self.usage = delta.usage
            self.finish_reason = delta.incomplete_reason or ("tool_calls" if self._calls else "stop")
        if not (delta.text or delta.reasoning or touched or delta.finished):
            return None
        return self._response(delta)

    def _response(self, delta: ResponseDelta) -> ChatResponse:
        blocks: list[Any] = [ThinkingBlock(content=self._thinking[k]) for k in sorted(self._thinking)]
        if self._text or not self._calls:
            blocks.append(TextBlock(text=self._text))
        final = self.finish_reason is not None
        blocks += [_call_block(c, complete=final or i in self._done_calls) for i, c in sorted(self._calls.items())]
        extra: dict[str, Any] = usage_kwargs(self.usage)
        if delta.reasoning:
            extra["thinking_delta"] = delta.reasoning
        if self.finish_reason:
            extra["finish_reason"] = self.finish_reason
        raw: dict[str, Any] = {"type": delta.event.type}
        if self.usage is not None:
            raw["usage"] = self.usage.model_dump(exclude_none=True)
        return ChatResponse(
            message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks),
            delta=delta.text,
            raw=raw,
            additional_kwargs=extra,
        )
