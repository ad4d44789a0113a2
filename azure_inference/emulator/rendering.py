"""Render replies as wire JSON (docs/wire.md §3.3, §5, §8) and as SSE chunks (docs/wire.md §4, §12)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from . import tokens
from .behaviour import ChatReply
from .errors import filter_results

DONE = b"data: [DONE]\n\n"


def _stdlib_dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


_dumps: Callable[[Any], bytes] = _stdlib_dumps
try:  # optional: orjson serialises embedding vectors about ten times faster (the benchmark's hot path)
    import orjson

    def _orjson_dumps(obj: Any) -> bytes:
        try:
            return orjson.dumps(obj)
        except TypeError:  # ints beyond 64 bits, lone surrogates echoed from a request: the stdlib copes
            return _stdlib_dumps(obj)

    _dumps = _orjson_dumps
except ImportError:  # pragma: no cover - depends on the environment
    pass


def dumps(obj: Any) -> bytes:
    """Compact one-line JSON bytes (orjson when installed, else the standard library)."""
    return _dumps(obj)


def sse(obj: Any) -> bytes:
    """One SSE event: LF only, ``data: `` with a space, one-line JSON (the SDK's parser rules, docs/wire.md §4)."""
    return b"data: " + _dumps(obj) + b"\n\n"


def chat_message(reply: ChatReply) -> dict[str, Any]:
    """The ``message`` of a chat choice. ``reasoning_content`` is omitted when absent: S25 types it as a
    non-nullable string (docs/wire.md §3.3), although the official example sends null."""
    msg: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.reasoning is not None:
        msg["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        msg["tool_calls"] = reply.tool_calls
    return msg


def chat_completion(
    reply: ChatReply, *, cid: str, created: int, model: str, usage: dict[str, Any], audio: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``ChatCompletions`` body."""
    choice: dict[str, Any] = {"index": 0, "finish_reason": reply.finish_reason, "message": chat_message(reply)}
    if audio is not None:
        choice["message"]["audio"] = audio
    if reply.filtered_category:
        choice["content_filter_results"] = filter_results(reply.filtered_category)
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [choice],
        "usage": usage,
    }


def chat_chunks(
    reply: ChatReply,
    *,
    cid: str,
    created: int,
    model: str,
    usage: dict[str, Any],
    include_usage: bool,
    openai_style: bool,
    chunk_tokens: int = 3,
) -> Iterator[dict[str, Any]]:
    """The chunk objects of a streamed chat reply (without the final ``[DONE]``).

    ``object`` is ``chat.completion.chunk`` as real servers send (Δ docs/wire.md §11.7). Usage rides on the
    finishing chunk, or, with ``stream_options.include_usage``, on an extra chunk with ``choices: []``
    (Δ §11.9). Tool-call fragments carry ``index``; on Azure routes every fragment also repeats ``id``, ``type``
    and ``function.name`` because the spec requires them (StreamingChatResponseToolCallUpdate, FunctionCall),
    while OpenAI-style routes send them in the first fragment only, as OpenAI does.
    """

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": finish}
        choice.update(extra)
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [choice]}

    yield chunk({"role": "assistant", "content": ""})
    for piece in tokens.split_pieces(reply.reasoning or "", chunk_tokens):
        yield chunk({"reasoning_content": piece})
    for piece in tokens.split_pieces(reply.content or "", chunk_tokens):
        yield chunk({"content": piece})
    for i, call in enumerate(reply.tool_calls):
        fn = call["function"]
        pieces = tokens.split_pieces(fn["arguments"], 4) or [""]
        yield chunk(
            {
                "tool_calls": [
                    {
                        "index": i,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": fn["name"], "arguments": ""},
                    }
                ]
            }
        )
        for piece in pieces:
            frag: dict[str, Any] = {"index": i, "function": {"arguments": piece}}
            if not openai_style:
                frag = {
                    "index": i,
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": fn["name"], "arguments": piece},
                }
            yield chunk({"tool_calls": [frag]})
    extra = {"content_filter_results": filter_results(reply.filtered_category)} if reply.filtered_category else {}
    last = chunk({}, reply.finish_reason, **extra)
    if not include_usage:
        last["usage"] = usage
    yield last
    if include_usage:
        yield {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }


def text_completion(
    text: str, finish: str, *, cid: str, created: int, model: str, usage: dict[str, Any]
) -> dict[str, Any]:
    """A legacy ``text_completion`` body (docs/wire.md §8)."""
    return {
        "id": cid,
        "object": "text_completion",
        "created": created,
        "model": model,
        "system_fingerprint": "emulator",
        "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}],
        "usage": usage,
    }


def text_chunks(
    text: str,
    finish: str,
    *,
    cid: str,
    created: int,
    model: str,
    usage: dict[str, Any],
    include_usage: bool,
    chunk_tokens: int = 3,
) -> Iterator[dict[str, Any]]:
    """Chunks of a streamed legacy completion (same shape as the body, docs/wire.md §8)."""

    def chunk(piece: str, fin: str | None) -> dict[str, Any]:
        return {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "model": model,
            "system_fingerprint": "emulator",
            "choices": [{"index": 0, "text": piece, "finish_reason": fin, "logprobs": None}],
        }

    for piece in tokens.split_pieces(text, chunk_tokens):
        yield chunk(piece, None)
    last = chunk("", finish)
    if not include_usage:
        last["usage"] = usage
    yield last
    if include_usage:
        yield {
            "id": cid,
            "object": "text_completion",
            "created": created,
            "model": model,
            "choices": [],
            "usage": usage,
        }
