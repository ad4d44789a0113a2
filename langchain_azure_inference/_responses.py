"""Pure converters between LangChain objects and the Responses API (``POST /responses``, docs/wire.md §V1.3).

Messages become ``input`` items (system/developer text goes to ``instructions`` or stays a developer message,
assistant tool calls become ``function_call`` items, tool results ``function_call_output`` items keyed by
``call_id``); a ``Response`` becomes an ``AIMessage`` whose content is standard blocks (reasoning summary, text)
with the calls in ``tool_calls``; each ``ResponseDelta`` of a stream becomes an ``AIMessageChunk``.
No I/O; ``ChatAzureInference`` calls these when it talks to the Responses API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import tool_call_chunk

from azure_inference.errors import completion_filtered
from azure_inference.models.responses import (
    FunctionCallItem,
    MessageItem,
    ReasoningItem,
    Refusal,
    Response,
    ResponseUsage,
)
from azure_inference.responses_fold import ResponseDelta
from azure_inference.responses_params import (
    chat_params_to_responses,
    text_format,
    tool_choice_to_responses,
    tools_to_responses,
)

from ._convert import PROVIDER, _calls_from_wire, content_to_wire

__all__ = [
    "ai_message_from_response",
    "chat_params_to_responses",
    "chunk_from_delta",
    "messages_to_input",
    "new_turns",
    "raise_if_filtered",
    "text_format",
    "tool_choice_to_responses",
    "tools_to_responses",
    "usage_from_response",
]

_FILTER_FIX = "rephrase the request, or pass raise_on_content_filter=False to get the partial message"


# -- LangChain → Responses input ----------------------------------------------------------------------------


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    """User content as Responses input parts: ``input_text`` / ``input_image`` (docs/wire.md §V1.3.1)."""
    wire = content_to_wire(content)
    if isinstance(wire, str):
        return wire
    parts: list[dict[str, Any]] = []
    for part in wire:
        if part["type"] == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif part["type"] == "image_url":
            image = part["image_url"]
            item = {"type": "input_image", "image_url": image["url"]}
            if image.get("detail"):
                item["detail"] = image["detail"]
            parts.append(item)
        else:
            raise ValueError(
                f"content part {part['type']!r} has no Responses API input form; send text and images, "
                "or use the chat completions API (use_responses_api=False)"
            )
    return parts


def _text(content: str | list[Any]) -> str:
    wire = content_to_wire(content, text_only=True)
    return wire if isinstance(wire, str) else ""


def _call_item(call: Mapping[str, Any]) -> dict[str, Any]:
    args = call.get("args")
    arguments = args if isinstance(args, str) else json.dumps(args or {}, ensure_ascii=False)
    if not call.get("id"):
        raise ValueError(
            f"tool call {call.get('name')!r} has no id; the Responses API pairs results with calls by call_id"
        )
    return {"type": "function_call", "call_id": call["id"], "name": call["name"], "arguments": arguments}


def _message_items(message: BaseMessage) -> list[dict[str, Any]]:
    if isinstance(message, SystemMessage):
        return [{"role": "developer", "content": _text(message.content)}]
    if isinstance(message, HumanMessage):
        return [{"role": "user", "content": _user_content(message.content)}]
    if isinstance(message, AIMessage):
        items: list[dict[str, Any]] = []
        text = _text(message.content)
        if text:
            items.append({"role": "assistant", "content": text})
        items += [_call_item(c) for c in message.tool_calls]
        # A call with unparseable arguments still happened; its result will name it (verbatim arguments).
        items += [_call_item(c) for c in message.invalid_tool_calls if c.get("name")]
        return items
    if isinstance(message, ToolMessage):
        content = message.content
        output = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        return [{"type": "function_call_output", "call_id": message.tool_call_id, "output": output}]
    if isinstance(message, ChatMessage) and message.role in ("user", "assistant", "developer", "system"):
        role = "developer" if message.role == "system" else message.role
        return [{"role": role, "content": _text(message.content)}]
    raise ValueError(
        f"{type(message).__name__} has no Responses API form; use SystemMessage, HumanMessage, AIMessage or ToolMessage"
    )


def messages_to_input(
    messages: Sequence[BaseMessage], *, instructions: bool = True
) -> tuple[str | None, list[dict[str, Any]]]:
    """Messages as ``(instructions, input items)``.

    Args:
        messages: the conversation.
        instructions: lift leading system messages into ``instructions`` (the Responses API's place for them);
            later system messages stay developer messages, where they were said.
    """
    head: list[str] = []
    rest = list(messages)
    while instructions and rest and isinstance(rest[0], SystemMessage):
        head.append(_text(rest.pop(0).content))
    items = [item for message in rest for item in _message_items(message)]
    return ("\n\n".join(head) if head else None), items


def new_turns(messages: Sequence[BaseMessage]) -> tuple[str | None, list[BaseMessage]]:
    """The previous response id, if the last assistant message has one, and the messages after it.

    With ``store`` the service keeps earlier turns; sending ``previous_response_id`` plus only the new turns
    avoids paying for the history twice (docs/wire.md §V1.3.1 ``previous_response_id``).
    """
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, AIMessage):
            previous = message.response_metadata.get("id")
            if message.response_metadata.get("api") == "responses" and isinstance(previous, str) and previous:
                return previous, list(messages[index + 1 :])
            return None, list(messages)
    return None, list(messages)


# -- Responses → LangChain ----------------------------------------------------------------------------------


def usage_from_response(usage: ResponseUsage) -> UsageMetadata:
    """Responses usage as ``UsageMetadata`` with cache-read and reasoning details."""
    return cast(
        UsageMetadata,
        {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "total_tokens": usage.total_tokens or usage.input_tokens + usage.output_tokens,
            "input_token_details": {"cache_read": usage.input_tokens_details.cached_tokens},
            "output_token_details": {"reasoning": usage.output_tokens_details.reasoning_tokens},
        },
    )


def _metadata(response: Response) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "id": response.id,
        "model_name": response.model,
        "model_provider": PROVIDER,
        "status": response.status,
        "api": "responses",
    }
    reason = response.incomplete_details.reason if response.incomplete_details else None
    if reason:
        meta["incomplete_reason"] = reason
    meta["finish_reason"] = reason or ("tool_calls" if _calls(response) else "stop")
    return meta


def _calls(response: Response) -> list[FunctionCallItem]:
    return [item for item in response.output if isinstance(item, FunctionCallItem)]


def ai_message_from_response(response: Response) -> AIMessage:
    """A whole ``Response`` as an ``AIMessage``: reasoning and text blocks in order, calls in ``tool_calls``.

    Output items of types not modelled here (built-in tools) are kept in ``additional_kwargs["output_items"]``.
    """
    blocks: list[Any] = []
    other: list[dict[str, Any]] = []
    refusal = ""
    for item in response.output:
        if isinstance(item, ReasoningItem):
            summary = "\n\n".join(part.text for part in item.summary if part.text)
            if summary:
                blocks.append({"type": "reasoning", "reasoning": summary, "id": item.id})
        elif isinstance(item, MessageItem):
            if item.text:
                blocks.append({"type": "text", "text": item.text, "id": item.id})
            refusal += "".join(p.refusal for p in item.content if isinstance(p, Refusal))
        elif not isinstance(item, FunctionCallItem):
            other.append(item.model_dump())
    wire_calls = [{"id": c.call_id, "function": {"name": c.name, "arguments": c.arguments}} for c in _calls(response)]
    good, bad = _calls_from_wire(wire_calls)
    extra: dict[str, Any] = {}
    if refusal:
        extra["refusal"] = refusal
    if other:
        extra["output_items"] = other
    return AIMessage(
        content=blocks,
        additional_kwargs=extra,
        tool_calls=good,
        invalid_tool_calls=bad,
        response_metadata=_metadata(response),
        usage_metadata=usage_from_response(response.usage) if response.usage is not None else None,
        id=response.id or None,
    )


def raise_if_filtered(response: Response, partial_text: str = "") -> None:
    """Raise ``ContentFilterError`` for a response the content filter cut, as chat does (docs/wire.md §V1.7, rule 3)."""
    details = response.incomplete_details
    if response.status == "incomplete" and details is not None and details.reason == "content_filter":
        raise completion_filtered(None, partial_text, _FILTER_FIX)


def chunk_from_delta(delta: ResponseDelta) -> AIMessageChunk | None:
    """What one stream event added, as an ``AIMessageChunk``; ``None`` when it added nothing a caller sees.

    Tool-call pieces are indexed by the call's ``output_index`` so LangChain joins a call's argument deltas.
    """
    if delta.duplicate:
        return None
    meta: dict[str, Any] = {"model_provider": PROVIDER}
    content: list[Any] = []
    chunks = []
    if delta.reasoning:
        content.append({"type": "reasoning", "reasoning": delta.reasoning, "index": delta.output_index})
    if delta.text:
        content.append({"type": "text", "text": delta.text, "index": delta.output_index})
    if isinstance(delta.item, FunctionCallItem) and delta.event.type == "response.output_item.added":
        # The call's name and id come once, with the item; its argument text follows piece by piece.
        item = delta.item
        chunks.append(tool_call_chunk(name=item.name, args=item.arguments, id=item.call_id, index=delta.output_index))
    elif delta.arguments:
        chunks.append(tool_call_chunk(name=None, args=delta.arguments, id=None, index=delta.output_index))
    usage = usage_from_response(delta.usage) if delta.usage is not None and delta.finished else None
    if delta.finished:
        meta["status"] = delta.status
        final = getattr(delta.event, "response", None)
        if isinstance(final, Response):  # the whole response's ids, so a streamed turn can be continued too
            meta.update({"id": final.id, "model_name": final.model, "api": "responses"})
        if delta.incomplete_reason:
            meta["incomplete_reason"] = delta.incomplete_reason
    if not content and not chunks and usage is None and not delta.finished:
        return None
    return AIMessageChunk(content=content, tool_call_chunks=chunks, usage_metadata=usage, response_metadata=meta)
