"""Pure converters between LangChain objects and the wire dicts of ``azure_inference`` (docs/wire.md §3, §4).

Every function here is pure and named by direction (``*_to_wire`` / ``*_from_wire``); the only stateful piece
is ``StreamConverter``, which maps what each chunk of one stream added (the transport folds the stream).
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
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.messages.tool import invalid_tool_call, tool_call, tool_call_chunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from azure_inference.fold import ChatAccumulator, ChunkDelta
from azure_inference.models import ChatCompletions, ChatCompletionsChunk, ChatResponseMessage, CompletionsUsage
from azure_inference.think import ThinkSplitter

__all__ = [
    "PROVIDER",
    "StreamConverter",
    "chat_result_from_wire",
    "content_to_wire",
    "message_from_wire",
    "message_to_wire",
    "messages_to_wire",
    "usage_from_wire",
]

PROVIDER = "azure_inference"
"""``ls_provider`` and ``model_provider`` of every class here. Not ``azure`` (AzureChatOpenAI's): that name tells
LangSmith the model is an Azure OpenAI one and prices it so, while these classes also reach Mistral, Llama,
DeepSeek and local servers; snake_case as LangChain's own providers (``azure_ai``, ``google_genai``)."""
# Every streamed chunk names the provider (LangChain picks its content-block translator by it); pydantic copies
# this dict into each message, so sharing it is safe.
_CHUNK_METADATA: dict[str, Any] = {"model_provider": PROVIDER}
_AUDIO_FORMATS = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
}


# -- LangChain → wire -------------------------------------------------------------------------------------


def _image_block_to_wire(block: Mapping[str, Any]) -> dict[str, Any]:
    """LangChain standard image blocks (v1 ``url``/``base64`` and v0 ``source_type``) as an ``image_url`` part."""
    url = block.get("url")
    data = block.get("base64") or (block.get("data") if block.get("source_type") == "base64" else None)
    if url is None and block.get("source_type") == "url":
        url = block.get("data")
    if data is not None:
        url = f"data:{block.get('mime_type') or 'image/png'};base64,{data}"
    if url is None:
        raise ValueError("an image content block needs 'url' or 'base64' (with 'mime_type')")
    image: dict[str, Any] = {"url": url}
    detail = (block.get("extras") or {}).get("detail") or block.get("detail")
    if detail:
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


def _audio_block_to_wire(block: Mapping[str, Any]) -> dict[str, Any]:
    """LangChain standard audio blocks as the nested ``input_audio`` part (docs/wire.md §3.2 Δ5)."""
    data = block.get("base64") or (block.get("data") if block.get("source_type") == "base64" else None)
    if data is None:
        raise ValueError("audio content blocks need base64 data; the wire has no audio URL for chat input")
    mime = str(block.get("mime_type") or "")
    fmt = _AUDIO_FORMATS.get(mime) or (mime.split("/")[-1] if mime else None)
    if fmt not in ("wav", "mp3"):
        raise ValueError(f"audio mime_type {mime!r} is not supported; use audio/wav or audio/mpeg")
    return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}


def _part_to_wire(part: Any) -> dict[str, Any] | None:
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, Mapping):
        raise ValueError(f"content parts must be strings or dicts, got {type(part).__name__}")
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": part.get("text", "")}
    if kind == "image_url":
        image = part["image_url"]
        return {"type": "image_url", "image_url": {"url": image} if isinstance(image, str) else dict(image)}
    if kind == "image":
        return _image_block_to_wire(part)
    if kind == "audio":
        return _audio_block_to_wire(part)
    if kind in ("input_audio", "audio_url"):
        return dict(part)
    if kind in ("reasoning", "thinking", "tool_call", "tool_use", "function_call"):
        return None  # output-side blocks: the wire carries them elsewhere (reasoning is not sent back)
    raise ValueError(f"content block type {kind!r} is not supported by the Azure AI Model Inference API")


def content_to_wire(content: str | list[Any], *, text_only: bool = False) -> str | list[dict[str, Any]]:
    """A message's content as the wire wants it: a string, or a list of parts (user messages only)."""
    if isinstance(content, str):
        return content
    parts = [p for p in (_part_to_wire(part) for part in content) if p is not None]
    if text_only or all(p["type"] == "text" for p in parts):
        return "".join(p.get("text", "") for p in parts if p["type"] == "text")
    return parts


def _tool_call_to_wire(call: Mapping[str, Any]) -> dict[str, Any]:
    args = call.get("args")
    arguments = args if isinstance(args, str) else json.dumps(args or {}, ensure_ascii=False)
    return {"id": call.get("id") or "", "type": "function", "function": {"name": call["name"], "arguments": arguments}}


def message_to_wire(message: BaseMessage) -> dict[str, Any]:
    """One LangChain message as a wire message dict (docs/wire.md §3.1)."""
    out: dict[str, Any]
    if isinstance(message, SystemMessage):
        role = "developer" if message.additional_kwargs.get("__openai_role__") == "developer" else "system"
        out = {"role": role, "content": content_to_wire(message.content, text_only=True)}
    elif isinstance(message, HumanMessage):
        out = {"role": "user", "content": content_to_wire(message.content)}
    elif isinstance(message, AIMessage):
        out = {"role": "assistant", "content": content_to_wire(message.content, text_only=True) or None}
        calls = [_tool_call_to_wire(c) for c in message.tool_calls]
        # A call the model produced with unparseable arguments still happened: send it back verbatim.
        calls += [_tool_call_to_wire(c) for c in message.invalid_tool_calls if c.get("name")]
        if calls:
            out["tool_calls"] = calls
    elif isinstance(message, ToolMessage):
        content = message.content
        if not isinstance(content, str) and not all(isinstance(p, str) or p.get("type") == "text" for p in content):
            text: str | list[dict[str, Any]] = json.dumps(content, ensure_ascii=False)
        else:
            text = content_to_wire(content, text_only=True)
        out = {"role": "tool", "content": text, "tool_call_id": message.tool_call_id}
    elif isinstance(message, ChatMessage):
        role = message.role
        text_only = role != "user"
        out = {"role": role, "content": content_to_wire(message.content, text_only=text_only)}
    elif isinstance(message, FunctionMessage):
        raise ValueError("FunctionMessage is the legacy function-call API; use ToolMessage with a tool_call_id")
    else:
        raise ValueError(f"unsupported message type {type(message).__name__}")
    if message.name and out["role"] in ("user", "assistant", "system", "developer"):
        out["name"] = message.name
    return out


def messages_to_wire(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """A list of LangChain messages as wire message dicts."""
    return [message_to_wire(m) for m in messages]


# -- wire → LangChain -------------------------------------------------------------------------------------


def _content_from_wire(content: Any) -> str | list[Any]:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out: list[Any] = []
    for part in content:
        if part.get("type") == "image_url":
            out.append({"type": "image_url", "image_url": dict(part["image_url"])})
        else:
            out.append(dict(part))
    return out


def _calls_from_wire(raw: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """Parse wire tool calls; those whose arguments are not a JSON object become ``invalid_tool_calls``."""
    good, bad = [], []
    for call in raw:
        call = call.model_dump() if hasattr(call, "model_dump") else call
        fn = call.get("function") or {}
        name, arguments, call_id = fn.get("name") or "", fn.get("arguments") or "", call.get("id")
        try:
            args = json.loads(arguments) if arguments.strip() else {}
        except (ValueError, AttributeError) as exc:
            bad.append(invalid_tool_call(name=name, args=arguments, id=call_id, error=f"invalid JSON: {exc}"))
            continue
        if not isinstance(args, dict):
            bad.append(invalid_tool_call(name=name, args=arguments, id=call_id, error="arguments are not an object"))
            continue
        good.append(tool_call(name=name, args=args, id=call_id))
    return good, bad


def message_from_wire(message: Mapping[str, Any]) -> BaseMessage:
    """A wire message dict as a LangChain message (the inverse of ``message_to_wire``)."""
    role = message["role"]
    content = _content_from_wire(message.get("content"))
    name = message.get("name")
    if role in ("system", "developer"):
        extra = {"__openai_role__": "developer"} if role == "developer" else {}
        return SystemMessage(content=content, name=name, additional_kwargs=extra)
    if role == "user":
        return HumanMessage(content=content, name=name)
    if role == "assistant":
        good, bad = _calls_from_wire(message.get("tool_calls") or ())
        return AIMessage(content=content, name=name, tool_calls=good, invalid_tool_calls=bad)
    if role == "tool":
        return ToolMessage(content=content, tool_call_id=message["tool_call_id"])
    return ChatMessage(content=content, role=role, name=name)


def usage_from_wire(usage: CompletionsUsage) -> UsageMetadata:
    """Wire usage as LangChain ``UsageMetadata``, with cache/audio/reasoning details when the service gives them."""
    # Built as a plain dict and cast: langchain-core 1.8 marks the detail keys required in the TypedDict while
    # 1.7 does not, and they must be left out when the service gives no details.
    out: dict[str, Any] = {
        "input_tokens": usage.prompt_tokens,
        "output_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
    }
    prompt, completion = usage.prompt_tokens_details, usage.completion_tokens_details
    if prompt is not None:
        details_in = {"cache_read": prompt.cached_tokens, "audio": prompt.audio_tokens}
        details_in = {k: v for k, v in details_in.items() if v is not None}
        if details_in:
            out["input_token_details"] = details_in
    if completion is not None:
        details_out = {"reasoning": completion.reasoning_tokens, "audio": completion.audio_tokens}
        details_out = {k: v for k, v in details_out.items() if v is not None}
        if details_out:
            out["output_token_details"] = details_out
    return cast(UsageMetadata, out)


def _split_think(content: str, reasoning: str | None, think_tags: tuple[str, str] | None) -> tuple[str, str | None]:
    if think_tags is None or think_tags[0] not in content:
        return content, reasoning
    text, thought = ThinkSplitter(*think_tags).split(content)
    return text, (reasoning + thought) if reasoning else (thought or None)


def ai_message_from_wire(
    message: ChatResponseMessage, think_tags: tuple[str, str] | None = ("<think>", "</think>")
) -> AIMessage:
    """The assistant message of a response as an ``AIMessage`` (reasoning into ``reasoning_content``)."""
    content, reasoning = _split_think(message.content or "", message.reasoning_content, think_tags)
    extra: dict[str, Any] = {}
    if reasoning:
        extra["reasoning_content"] = reasoning
    if message.audio:
        extra["audio"] = message.audio
    good, bad = _calls_from_wire(message.tool_calls or ())
    return AIMessage(content=content, additional_kwargs=extra, tool_calls=good, invalid_tool_calls=bad)


def chat_result_from_wire(
    response: ChatCompletions, think_tags: tuple[str, str] | None = ("<think>", "</think>")
) -> ChatResult:
    """A whole chat completion as a ``ChatResult``: one generation per choice, usage on each message."""
    usage = usage_from_wire(response.usage) if response.usage is not None else None
    generations = []
    for choice in response.choices:
        msg = ai_message_from_wire(choice.message, think_tags)
        meta: dict[str, Any] = {
            "model_name": response.model,
            "finish_reason": choice.finish_reason,
            "id": response.id,
            "model_provider": PROVIDER,
        }
        if response.system_fingerprint:
            meta["system_fingerprint"] = response.system_fingerprint
        if choice.content_filter_results:
            meta["content_filter_results"] = choice.content_filter_results
        if response.prompt_filter_results:
            meta["prompt_filter_results"] = response.prompt_filter_results
        if response.adaptations:
            meta["adaptations"] = list(response.adaptations)
        msg.response_metadata = meta
        msg.id = response.id or None
        msg.usage_metadata = usage
        generations.append(ChatGeneration(message=msg, generation_info={"finish_reason": choice.finish_reason}))
    llm_output: dict[str, Any] = {"model_name": response.model, "id": response.id}
    if usage is not None:
        llm_output["token_usage"] = response.usage.model_dump(exclude_none=True) if response.usage else {}
    return ChatResult(generations=generations, llm_output=llm_output)


class StreamConverter:
    """Turns what each chunk of one stream added into ``ChatGenerationChunk``s (first choice only).

    The transport folds the stream once (``ChatAccumulator``, read through ``ChatStream.deltas()``); this only
    maps each ``ChunkDelta`` to LangChain. Content, reasoning and tool-call fragments are yielded as they arrive.
    Finish reason, model name, usage and the filter results are read from the accumulator and yielded once, on a
    closing chunk with ``chunk_position="last"``, so usage lands on exactly one chunk and string metadata is not
    concatenated by LangChain's chunk merging.

    Args:
        think_tags: the ``<think>`` tags to split, when this converter builds its own accumulator (``feed``).
        accumulator: the stream's accumulator (``stream.accumulator``), when the deltas come from the stream.
    """

    def __init__(
        self,
        think_tags: tuple[str, str] | None = ("<think>", "</think>"),
        accumulator: ChatAccumulator | None = None,
        adaptations: Sequence[str] = (),
    ) -> None:
        self.accumulator = accumulator if accumulator is not None else ChatAccumulator(think_tags)
        self._tail: ChunkDelta | None = None
        self._adaptations = list(adaptations)
        self.prompt_filter_results: list[Any] | None = None
        """The prompt's filter annotations, from the choice-less chunk Azure sends first (docs/wire.md §V1.7.4)."""

    @property
    def id(self) -> str | None:
        """The stream's response id (``None`` until a chunk carried one)."""
        return self.accumulator.id or None

    def feed(self, chunk: ChatCompletionsChunk) -> ChatGenerationChunk | None:
        """Fold one wire chunk into the accumulator and convert what it added (``show``)."""
        return self.show(self.accumulator.add(chunk))

    def show(self, delta: ChunkDelta) -> ChatGenerationChunk | None:
        """The LangChain chunk for what one wire chunk added, or ``None`` when it added nothing to show."""
        # Runs once per streamed token: only attribute reads here; the metadata dict is built once, in ``finish``.
        if delta.chunk is None:  # the think split's held-back tail: it goes on the closing chunk
            self._tail = delta
            return None
        text, reasoning, pieces = delta.text, delta.reasoning, delta.tool_calls
        if not text and not reasoning and not pieces:
            extra = delta.chunk.model_extra
            if extra and extra.get("prompt_filter_results"):
                self.prompt_filter_results = extra["prompt_filter_results"]
            return None
        # The transport gives each fragment's id and name once per call (some servers repeat them, docs/wire.md §4),
        # as LangChain needs: it concatenates the fragments' strings.
        calls = (
            [tool_call_chunk(name=p.name, args=p.arguments, id=p.id, index=p.index) for p in pieces] if pieces else None
        )
        return self._chunk(text, reasoning, calls)

    def _chunk(self, text: str, reasoning: str, calls: list[Any] | None, **fields: Any) -> ChatGenerationChunk:
        # Only the fields a chunk carries are passed: every keyword is validated again by pydantic, per token.
        if reasoning:
            fields["additional_kwargs"] = {"reasoning_content": reasoning}
        if calls:
            fields["tool_call_chunks"] = calls
        msg = AIMessageChunk(content=text, id=self.accumulator.id or None, response_metadata=_CHUNK_METADATA, **fields)
        return ChatGenerationChunk(message=msg)

    def finish(self) -> ChatGenerationChunk:
        """The closing chunk: held-back text, finish reason, model name, usage; ``chunk_position="last"``."""
        acc = self.accumulator
        tail = self._tail or acc.flush()
        text, reasoning = (tail.text, tail.reasoning) if tail is not None else ("", "")
        usage = usage_from_wire(acc.usage) if acc.usage is not None else None
        out = self._chunk(text, reasoning, None, usage_metadata=usage, chunk_position="last")
        finish_reason, filtered = acc.finish_reason, acc.content_filter_results
        meta: dict[str, Any] = {"model_provider": PROVIDER}
        if acc.model:
            meta["model_name"] = acc.model
        if finish_reason:
            meta["finish_reason"] = finish_reason
        if filtered:
            meta["content_filter_results"] = filtered
        if self.prompt_filter_results:
            meta["prompt_filter_results"] = self.prompt_filter_results
        if self._adaptations:
            meta["adaptations"] = self._adaptations
        if acc.id:
            meta["id"] = acc.id
        out.message.response_metadata = meta
        out.generation_info = {"finish_reason": finish_reason}
        return out
