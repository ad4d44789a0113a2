"""The bench server's streamed ``POST /responses`` answer: ``chunks`` text deltas as Responses API events.

The event sequence of WIRE-V1.md §3.4 (created, output item and content part added, the deltas, the text and
item done, completed), each event one HTTP chunk with its own ``sequence_number``, as a real server flushes them.
No ``[DONE]``: the Responses API ends with ``response.completed``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["responses_stream_body"]


def _event(payload: dict[str, Any]) -> bytes:
    event = f"event: {payload['type']}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(event), event)


def responses_stream_body(chunks: int, token: str, model: str, created: int) -> bytes:
    """The whole HTTP response (head and chunked body) of a streamed Responses answer of ``chunks`` deltas."""
    text = token * chunks
    base = {"id": "resp_bench", "object": "response", "created_at": created, "model": model}
    item = {"id": "msg_bench", "type": "message", "role": "assistant", "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    where = {"item_id": "msg_bench", "output_index": 0, "content_index": 0}
    done_item = {**item, "status": "completed", "content": [{**part, "text": text}]}
    usage = {
        "input_tokens": 12,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": chunks,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 12 + chunks,
    }
    seq = iter(range(chunks + 10))
    head = [
        {"type": "response.created", "response": {**base, "status": "in_progress", "output": [], "usage": None}},
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.content_part.added", **where, "part": part},
    ]
    tail = [
        {"type": "response.output_text.done", **where, "text": text},
        {"type": "response.content_part.done", **where, "part": {**part, "text": text}},
        {"type": "response.output_item.done", "output_index": 0, "item": done_item},
        {
            "type": "response.completed",
            "response": {**base, "status": "completed", "output": [done_item], "usage": usage},
        },
    ]
    events = [
        *head,
        *({"type": "response.output_text.delta", **where, "delta": token} for _ in range(chunks)),
        *tail,
    ]
    out = [b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"]
    out += [_event({**e, "sequence_number": next(seq)}) for e in events]
    out.append(b"0\r\n\r\n")
    return b"".join(out)
