"""Render an emulated turn as a Responses API object and as its event stream (docs/wire.md §V1.3.2, §V1.3.4).

Pure: a ``ChatReply`` (the chat behaviour's answer) in, JSON-ready dicts out. The stream is the full sequence of
docs/wire.md §V1.3.4: ``response.created``, ``response.in_progress``, each item bracketed by
``output_item.added``/``.done`` with its parts and deltas, then exactly one of ``response.completed`` /
``response.incomplete``; ``sequence_number`` rises from 0 and every delta carries ``obfuscation``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from . import tokens
from .behaviour import ChatReply, completion_tokens, stable_hash

__all__ = ["output_items", "response_events", "response_object", "response_usage"]


def _pieces(text: str, per_piece: int) -> list[str]:
    # Split on word boundaries, keeping the spaces, so joined pieces give the text back exactly.
    words = text.split(" ")
    out = []
    for i in range(0, len(words), max(per_piece, 1)):
        chunk = " ".join(words[i : i + per_piece])
        out.append(chunk if i == 0 else " " + chunk)
    return [p for p in out if p] or [""]


def output_items(reply: ChatReply, response_id: str, *, reasoning: bool, summary: bool) -> list[dict[str, Any]]:
    """The ``output`` items of a turn: reasoning (summary only when asked), then the message or function calls."""
    key = stable_hash(response_id)[:24]
    items: list[dict[str, Any]] = []
    if reasoning:
        parts = [{"type": "summary_text", "text": reply.reasoning}] if summary and reply.reasoning else []
        items.append({"id": f"rs_{key}", "type": "reasoning", "summary": parts})
    for i, call in enumerate(reply.tool_calls):
        fn = call["function"]
        items.append(
            {
                "id": f"fc_{key}{i}",
                "type": "function_call",
                "status": "completed",
                "call_id": call["id"],
                "name": fn["name"],
                "arguments": fn["arguments"],
            }
        )
    if reply.content is not None and not reply.tool_calls:
        items.append(
            {
                "id": f"msg_{key}",
                "type": "message",
                "status": "incomplete" if reply.finish_reason != "stop" else "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": reply.content, "annotations": []}],
            }
        )
    return items


def response_usage(input_tokens: int, reply: ChatReply) -> dict[str, Any]:
    """``usage`` with its required details (docs/wire.md §V1.3.2); reasoning counts even when no summary is shown."""
    output = completion_tokens(reply)
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": tokens.count(reply.reasoning or "")},
        "total_tokens": input_tokens + output,
    }


def response_object(
    request: dict[str, Any],
    *,
    response_id: str,
    created: int,
    model: str,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    incomplete_reason: str | None = None,
) -> dict[str, Any]:
    """The response object: the request's settings echoed, as the service does, around ``output``."""
    tool_choice = request.get("tool_choice", "auto")
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "model": model,
        "output": output,
        "usage": usage,
        "error": None,
        "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
        "instructions": request.get("instructions"),
        "metadata": request.get("metadata") or {},
        "temperature": request.get("temperature", 1.0),
        "top_p": request.get("top_p", 1.0),
        "user": request.get("user"),
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "previous_response_id": request.get("previous_response_id"),
        "reasoning": request.get("reasoning"),
        "max_output_tokens": request.get("max_output_tokens"),
        "text": request.get("text") or {"format": {"type": "text"}},
        "tools": request.get("tools") or [],
        "tool_choice": tool_choice,
        "truncation": request.get("truncation", "disabled"),
    }


class _Seq:
    def __init__(self) -> None:
        self.n = -1

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        self.n += 1
        out = {"type": kind, "sequence_number": self.n, **fields}
        if kind.endswith(".delta"):
            out["obfuscation"] = "x" * (1 + self.n % 7)  # docs/wire.md §V1.3.4: padding every delta carries
        return out


def response_events(final: dict[str, Any], *, per_piece: int) -> Iterator[dict[str, Any]]:
    """The event stream that tells ``final`` (a completed or incomplete response object)."""
    seq = _Seq()
    # No usage yet: the spec's `usage` is not nullable, so it is left out rather than sent as null.
    start = {k: v for k, v in copy.deepcopy(final).items() if k != "usage"}
    start.update(status="in_progress", output=[], incomplete_details=None)
    yield seq.event("response.created", response=start)
    yield seq.event("response.in_progress", response=start)
    for index, item in enumerate(final["output"]):
        ids = {"item_id": item["id"], "output_index": index}
        kind = item["type"]
        if kind == "reasoning":
            yield seq.event("response.output_item.added", output_index=index, item={**item, "summary": []})
            for s, part in enumerate(item["summary"]):
                at = {**ids, "summary_index": s}
                yield seq.event("response.reasoning_summary_part.added", **at, part={**part, "text": ""})
                for piece in _pieces(part["text"], per_piece):
                    yield seq.event("response.reasoning_summary_text.delta", **at, delta=piece)
                yield seq.event("response.reasoning_summary_text.done", **at, text=part["text"])
                yield seq.event("response.reasoning_summary_part.done", **at, part=part)
        elif kind == "function_call":
            added = {**item, "status": "in_progress", "arguments": ""}
            yield seq.event("response.output_item.added", output_index=index, item=added)
            for piece in _pieces(item["arguments"], per_piece):
                yield seq.event("response.function_call_arguments.delta", **ids, delta=piece)
            yield seq.event("response.function_call_arguments.done", **ids, arguments=item["arguments"])
        else:  # message
            added = {**item, "status": "in_progress", "content": []}
            yield seq.event("response.output_item.added", output_index=index, item=added)
            for c, part in enumerate(item["content"]):
                at = {**ids, "content_index": c}
                yield seq.event("response.content_part.added", **at, part={**part, "text": ""})
                for piece in _pieces(part["text"], per_piece):
                    yield seq.event("response.output_text.delta", **at, delta=piece)
                yield seq.event("response.output_text.done", **at, text=part["text"])
                yield seq.event("response.content_part.done", **at, part=part)
        yield seq.event("response.output_item.done", output_index=index, item=item)
    yield seq.event(f"response.{final['status']}", response=final)
