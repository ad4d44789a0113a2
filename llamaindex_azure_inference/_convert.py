"""Pure conversions between LlamaIndex objects and the wire format (docs/wire.md §3). No I/O, no clients.

Direction is in the name: ``to_wire_*`` builds request dicts from LlamaIndex objects, ``from_wire_*`` builds
LlamaIndex objects from wire models or dicts. Round trips are tested: ``to_wire_message(from_wire_message(m))
== m`` for every role and content part we send.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    CompletionResponse,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.llms.llm import ToolSelection

from azure_inference import ThinkSplitter, audio_part, image_data_url
from azure_inference.errors import InvalidRequestError
from azure_inference.models.chat import ChatCompletions, ChatResponseMessage
from azure_inference.models.completions import Completions
from azure_inference.models.usage import CompletionsUsage
from azure_inference.partial_json import parse_partial_json_object

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = [
    "from_wire_chat_response",
    "from_wire_completion_response",
    "from_wire_message",
    "from_wire_tool_calls",
    "parse_tool_arguments",
    "to_wire_message",
    "to_wire_messages",
    "to_wire_tool_choice",
    "to_wire_tools",
    "tool_selections",
    "usage_kwargs",
]

# LlamaIndex has roles the wire does not (docs/wire.md §3.1 lists system, developer, user, assistant, tool).
_ROLE_TO_WIRE = {
    MessageRole.SYSTEM: "system",
    MessageRole.DEVELOPER: "developer",
    MessageRole.USER: "user",
    MessageRole.ASSISTANT: "assistant",
    MessageRole.TOOL: "tool",
    MessageRole.FUNCTION: "tool",
    MessageRole.CHATBOT: "assistant",
    MessageRole.MODEL: "assistant",
}


# -- LlamaIndex → wire -----------------------------------------------------------------------------------------


def _image_part(block: ImageBlock) -> dict[str, Any]:
    url = str(block.url) if block.url is not None else None
    if block.image is None and block.path is None and url is not None:
        # http(s) and data URLs go as they are: the service fetches them, we never download on the caller's behalf.
        if not url.startswith(("http://", "https://", "data:")):
            raise InvalidRequestError(f"image URL {url!r} must be http(s):// or a data: URL")
        data_url = url
    elif block.path is not None and block.image is None:
        data_url = image_data_url(block.path, mime_type=block.image_mimetype)
    else:
        raw = block.resolve_image(as_base64=False).read()  # ImageBlock stores bytes base64-encoded
        data_url = image_data_url(raw, mime_type=block.image_mimetype)
    image: dict[str, Any] = {"url": data_url}
    if block.detail in ("auto", "low", "high"):
        image["detail"] = block.detail
    return {"type": "image_url", "image_url": image}


def _audio_part(block: AudioBlock) -> dict[str, Any]:
    if block.audio is None and block.path is None and block.url is not None:
        return {"type": "audio_url", "audio_url": {"url": str(block.url)}}  # docs/wire.md §3.2 audio_url
    source: Any = block.path if block.path is not None and block.audio is None else block.resolve_audio().read()
    return audio_part(source, audio_format=block.format)


def _content_parts(message: ChatMessage) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for block in message.blocks:
        if isinstance(block, TextBlock):
            parts.append({"type": "text", "text": block.text})
        elif isinstance(block, ImageBlock):
            parts.append(_image_part(block))
        elif isinstance(block, AudioBlock):
            parts.append(_audio_part(block))
        elif isinstance(block, (ThinkingBlock, ToolCallBlock)):
            continue  # reasoning is not sent back; tool calls travel in "tool_calls"
        else:
            raise InvalidRequestError(
                f"{type(block).__name__} is not supported by the Azure AI Model Inference API; "
                "send text, images (ImageBlock) or audio (AudioBlock)"
            )
    return parts


def _text_content(parts: list[dict[str, Any]], role: str) -> str | list[dict[str, Any]] | None:
    if not parts:
        return None
    if all(p["type"] == "text" for p in parts) and (len(parts) == 1 or role != "user"):
        return "\n".join(p["text"] for p in parts)
    if role != "user" and any(p["type"] != "text" for p in parts):
        raise InvalidRequestError(f"only user messages may carry images or audio, not {role} messages")
    return parts


def _wire_tool_calls(message: ChatMessage) -> list[dict[str, Any]]:
    calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
    if calls:
        return [
            {
                "id": c.tool_call_id or f"call_{i}",
                "type": "function",
                "function": {
                    "name": c.tool_name,
                    "arguments": c.tool_kwargs if isinstance(c.tool_kwargs, str) else json.dumps(c.tool_kwargs),
                },
            }
            for i, c in enumerate(calls)
        ]
    # Messages built by other integrations (e.g. llama-index-llms-openai) keep wire-shaped calls here.
    legacy = message.additional_kwargs.get("tool_calls") or []
    return [c.model_dump(exclude_none=True) if hasattr(c, "model_dump") else dict(c) for c in legacy]


def to_wire_message(message: ChatMessage) -> dict[str, Any]:
    """One LlamaIndex ``ChatMessage`` as a wire message dict."""
    role = _ROLE_TO_WIRE.get(message.role)
    if role is None:
        raise InvalidRequestError(f"message role {message.role!r} has no equivalent on the wire")
    content = _text_content(_content_parts(message), role)
    out: dict[str, Any] = {"role": role}
    if role == "tool":
        call_id = message.additional_kwargs.get("tool_call_id")
        if not call_id:
            raise InvalidRequestError(
                "a tool message needs additional_kwargs['tool_call_id'] naming the call it answers"
            )
        out["tool_call_id"] = str(call_id)
        out["content"] = content if content is not None else ""
        return out
    if role == "assistant":
        out["content"] = content
        calls = _wire_tool_calls(message)
        if calls:
            out["tool_calls"] = calls
        return out
    out["content"] = content if content is not None else ""
    if role == "user" and message.additional_kwargs.get("name"):
        out["name"] = message.additional_kwargs["name"]
    return out


def to_wire_messages(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """A LlamaIndex conversation as wire message dicts."""
    return [to_wire_message(m) for m in messages]


def to_wire_tools(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """LlamaIndex tools as wire tool definitions (``{"type": "function", "function": {...}}``)."""
    return [tool.metadata.to_openai_tool(skip_length_check=True) for tool in tools]


def to_wire_tool_choice(tool_choice: str | Mapping[str, Any] | None, tool_required: bool) -> str | dict[str, Any]:
    """The ``tool_choice`` value: an explicit choice wins, else ``required`` or ``auto``."""
    if tool_choice is not None:
        return dict(tool_choice) if isinstance(tool_choice, Mapping) else tool_choice
    return "required" if tool_required else "auto"


# -- wire → LlamaIndex -----------------------------------------------------------------------------------------


def parse_tool_arguments(arguments: str) -> dict[str, Any] | str:
    """Arguments as a dict when they are a JSON object, else the raw string (kept for the caller to see)."""
    if not arguments.strip():
        return {}
    try:
        value = json.loads(arguments)
    except ValueError:
        return arguments
    return value if isinstance(value, dict) else arguments


def from_wire_tool_calls(calls: Sequence[Any], *, complete: bool = True) -> list[ToolCallBlock]:
    """Wire tool calls as ``ToolCallBlock``s; ``complete=False`` keeps the (possibly partial) argument text."""
    blocks = []
    for call in calls:
        data = call.model_dump() if hasattr(call, "model_dump") else dict(call)
        fn = data.get("function") or {}
        args = fn.get("arguments") or ""
        if not isinstance(args, str):
            args = json.dumps(args)  # docs/wire.md Δ17: some servers send an object
        blocks.append(
            ToolCallBlock(
                tool_call_id=data.get("id") or None,
                tool_name=fn.get("name") or "",
                tool_kwargs=parse_tool_arguments(args) if complete else args,
            )
        )
    return blocks


def _data_url_block(url: str, kind: str) -> ImageBlock | AudioBlock:
    header, _, payload = url.partition(",")
    mime = header[5:].split(";")[0] or None
    raw = base64.b64decode(payload)
    if kind == "image":
        return ImageBlock(image=raw, image_mimetype=mime)
    return AudioBlock(audio=raw)


def from_wire_message(message: Mapping[str, Any] | ChatResponseMessage, *, split_think: bool = False) -> ChatMessage:
    """A wire message (request dict or response message) as a LlamaIndex ``ChatMessage``.

    Reasoning (``reasoning_content``, or ``<think>`` tags when ``split_think``) becomes a leading
    ``ThinkingBlock``; tool calls become ``ToolCallBlock``s; a tool message keeps its ``tool_call_id`` in
    ``additional_kwargs`` as LlamaIndex agents expect.
    """
    data = message.model_dump() if isinstance(message, ChatResponseMessage) else dict(message)
    role = MessageRole(data.get("role") or "assistant")
    blocks: list[Any] = []
    content = data.get("content")
    reasoning = data.get("reasoning_content")
    if isinstance(content, str) and split_think and "<think>" in content:
        content, tagged = ThinkSplitter().split(content)
        reasoning = "\n".join(x for x in (reasoning, tagged) if x)
    if reasoning:
        blocks.append(ThinkingBlock(content=reasoning))
    if isinstance(content, str):
        if content or not data.get("tool_calls"):
            blocks.append(TextBlock(text=content))
    elif isinstance(content, list):
        for part in content:
            kind = part.get("type")
            if kind == "text":
                blocks.append(TextBlock(text=part.get("text", "")))
            elif kind == "image_url":
                url = part["image_url"]["url"]
                block = _data_url_block(url, "image") if url.startswith("data:") else ImageBlock(url=url)
                if part["image_url"].get("detail"):
                    block.detail = part["image_url"]["detail"]  # type: ignore[union-attr]
                blocks.append(block)
            elif kind == "input_audio":
                audio = part["input_audio"]
                blocks.append(AudioBlock(audio=base64.b64decode(audio["data"]), format=audio.get("format")))
            elif kind == "audio_url":
                blocks.append(AudioBlock(url=part["audio_url"]["url"]))
    blocks.extend(from_wire_tool_calls(data.get("tool_calls") or ()))
    extra: dict[str, Any] = {}
    if data.get("tool_call_id"):
        extra["tool_call_id"] = data["tool_call_id"]
    if data.get("name"):
        extra["name"] = data["name"]
    return ChatMessage(role=role, blocks=blocks, additional_kwargs=extra)


def usage_kwargs(usage: CompletionsUsage | None) -> dict[str, int]:
    """Token counts in the keys ``TokenCountingHandler`` reads."""
    if usage is None:
        return {}
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens or usage.prompt_tokens + usage.completion_tokens,
    }


def from_wire_chat_response(result: ChatCompletions, *, split_think: bool = False) -> ChatResponse:
    """A whole chat completion as a ``ChatResponse`` (first choice; usage in ``raw`` and ``additional_kwargs``)."""
    choice = result.choices[0] if result.choices else None
    message = from_wire_message(choice.message, split_think=split_think) if choice else ChatMessage(role="assistant")
    extra: dict[str, Any] = usage_kwargs(result.usage)
    if choice is not None and choice.finish_reason:
        extra["finish_reason"] = choice.finish_reason
    return ChatResponse(message=message, raw=result.model_dump(exclude_none=True), additional_kwargs=extra)


def from_wire_completion_response(result: Completions) -> CompletionResponse:
    """A ``/completions`` result as a ``CompletionResponse``."""
    choice = result.choices[0] if result.choices else None
    extra: dict[str, Any] = usage_kwargs(result.usage)
    if choice is not None and choice.finish_reason:
        extra["finish_reason"] = choice.finish_reason
    return CompletionResponse(
        text=choice.text if choice else "", raw=result.model_dump(exclude_none=True), additional_kwargs=extra
    )


def tool_selections(response: ChatResponse, *, error_on_no_tool_call: bool = True) -> list[ToolSelection]:
    """The tool calls of a response as ``ToolSelection``s.

    Arguments still being streamed are parsed leniently (an open string or object is closed). On a finished
    response (one with a ``finish_reason``) arguments must be a whole JSON object.
    """
    blocks = [b for b in response.message.blocks if isinstance(b, ToolCallBlock)]
    if not blocks:
        blocks = from_wire_tool_calls(response.message.additional_kwargs.get("tool_calls") or ())
    if not blocks:
        if error_on_no_tool_call:
            raise ValueError(f"expected at least one tool call, got {len(blocks)}: {response.message.content!r:.200}")
        return []
    final = bool(response.additional_kwargs.get("finish_reason"))
    selections = []
    for i, block in enumerate(blocks):
        kwargs = block.tool_kwargs
        if isinstance(kwargs, str):
            kwargs = _lenient_arguments(kwargs, block.tool_name, final)
        selections.append(
            ToolSelection(tool_id=block.tool_call_id or f"call_{i}", tool_name=block.tool_name, tool_kwargs=kwargs)
        )
    return selections


def _lenient_arguments(text: str, name: str, final: bool) -> dict[str, Any]:
    if not text.strip():
        return {}
    if not final:
        # Our reader, not llama-index's parse_partial_json: that one reads a cut-off string value as null.
        return parse_partial_json_object(text)
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"tool call {name!r} has arguments that are not JSON: {text[:200]!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"tool call {name!r} arguments must be a JSON object, got {text[:200]!r}")
    return value
