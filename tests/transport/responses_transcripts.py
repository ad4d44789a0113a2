# ruff: noqa: E501  (the transcripts are kept verbatim from docs/wire.md §V1.3.4)
"""The two SSE transcripts of docs/wire.md §V1.3.4, verbatim; ``R(...)``, ``<…>`` and ``{…}`` are the spec's
abbreviations, expanded by ``expand`` exactly as the text after each transcript says."""

from __future__ import annotations

import json
import re
from typing import Any

TRANSCRIPT_I = r"""event: response.created
data: {"type":"response.created","sequence_number":0,"response":R(status="in_progress",output=[],usage=null)}

event: response.in_progress
data: {"type":"response.in_progress","sequence_number":1,"response":R(status="in_progress",output=[],usage=null)}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"rs_01","type":"reasoning","summary":[]}}

event: response.reasoning_summary_part.added
data: {"type":"response.reasoning_summary_part.added","sequence_number":3,"item_id":"rs_01","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":""}}

event: response.reasoning_summary_text.delta
data: {"type":"response.reasoning_summary_text.delta","sequence_number":4,"item_id":"rs_01","output_index":0,"summary_index":0,"delta":"**Simple sum**\n\nAdding two and two.","obfuscation":"q3"}

event: response.reasoning_summary_text.done
data: {"type":"response.reasoning_summary_text.done","sequence_number":5,"item_id":"rs_01","output_index":0,"summary_index":0,"text":"**Simple sum**\n\nAdding two and two."}

event: response.reasoning_summary_part.done
data: {"type":"response.reasoning_summary_part.done","sequence_number":6,"item_id":"rs_01","output_index":0,"summary_index":0,"part":{"type":"summary_text","text":"**Simple sum**\n\nAdding two and two."}}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":7,"output_index":0,"item":{"id":"rs_01","type":"reasoning","summary":[{"type":"summary_text","text":"**Simple sum**\n\nAdding two and two."}]}}

event: response.output_item.added
data: {"type":"response.output_item.added","sequence_number":8,"output_index":1,"item":{"id":"msg_01","type":"message","status":"in_progress","role":"assistant","content":[]}}

event: response.content_part.added
data: {"type":"response.content_part.added","sequence_number":9,"item_id":"msg_01","output_index":1,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":10,"item_id":"msg_01","output_index":1,"content_index":0,"delta":"2 + 2","obfuscation":"Xk9a1"}

event: response.output_text.delta
data: {"type":"response.output_text.delta","sequence_number":11,"item_id":"msg_01","output_index":1,"content_index":0,"delta":" = 4.","obfuscation":"p0"}

event: response.output_text.done
data: {"type":"response.output_text.done","sequence_number":12,"item_id":"msg_01","output_index":1,"content_index":0,"text":"2 + 2 = 4."}

event: response.content_part.done
data: {"type":"response.content_part.done","sequence_number":13,"item_id":"msg_01","output_index":1,"content_index":0,"part":{"type":"output_text","text":"2 + 2 = 4.","annotations":[]}}

event: response.output_item.done
data: {"type":"response.output_item.done","sequence_number":14,"output_index":1,"item":{"id":"msg_01","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"2 + 2 = 4.","annotations":[]}]}}

event: response.completed
data: {"type":"response.completed","sequence_number":15,"response":R(status="completed",output=[<rs_01 as in seq 7>,<msg_01 as in seq 14>],usage={"input_tokens":12,"input_tokens_details":{"cached_tokens":0},"output_tokens":84,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":96})}
"""

TRANSCRIPT_II = r"""data: {"type":"response.created","sequence_number":0,"response":R(status="in_progress",output=[],usage=null)}
data: {"type":"response.in_progress","sequence_number":1,"response":R(status="in_progress",output=[],usage=null)}
data: {"type":"response.output_item.added","sequence_number":2,"output_index":0,"item":{"id":"rs_02","type":"reasoning","summary":[]}}
data: {"type":"response.output_item.done","sequence_number":3,"output_index":0,"item":{"id":"rs_02","type":"reasoning","summary":[]}}
data: {"type":"response.output_item.added","sequence_number":4,"output_index":1,"item":{"id":"fc_02","type":"function_call","status":"in_progress","call_id":"call_Q7x","name":"get_weather","arguments":""}}
data: {"type":"response.function_call_arguments.delta","sequence_number":5,"item_id":"fc_02","output_index":1,"delta":"{\"city\":","obfuscation":"Tz"}
data: {"type":"response.function_call_arguments.delta","sequence_number":6,"item_id":"fc_02","output_index":1,"delta":"\"Oslo\"}","obfuscation":"a81"}
data: {"type":"response.function_call_arguments.done","sequence_number":7,"item_id":"fc_02","output_index":1,"arguments":"{\"city\":\"Oslo\"}"}
data: {"type":"response.output_item.done","sequence_number":8,"output_index":1,"item":{"id":"fc_02","type":"function_call","status":"completed","call_id":"call_Q7x","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}
data: {"type":"response.completed","sequence_number":9,"response":R(status="completed",output=[<rs_02>,<fc_02 as in seq 8>],usage={…})}
"""

# The "R(...)" abbreviation of docs/wire.md §V1.3.4: the full response object around status/output/usage.
_BASE: dict[str, Any] = {
    "object": "response",
    "created_at": 1764547200,
    "model": "o4-mini",
    "error": None,
    "incomplete_details": None,
    "instructions": None,
    "metadata": {},
    "temperature": 1.0,
    "top_p": 1.0,
    "user": None,
    "parallel_tool_calls": True,
    "reasoning": {"effort": "low", "summary": "auto"},
}
# Transcript (ii) elides its final usage ("usage={…}"); this one stands in for it.
USAGE_II = {
    "input_tokens": 61,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 25,
    "output_tokens_details": {"reasoning_tokens": 16},
    "total_tokens": 86,
}
_R = re.compile(r'R\(status="(\w+)",output=\[(.*?)\],usage=(.*)\)\}$')


def expand(transcript: str, response_id: str) -> bytes:
    """The transcript as the SSE bytes a server would send: ``R(...)`` filled in, ``<id …>`` replaced by the
    item of that id's ``output_item.done`` event, and a blank line after each event where it was left out."""
    items: dict[str, Any] = {}
    blank_lines_left_out = "\n\n" not in transcript
    out: list[str] = []
    for line in transcript.splitlines():
        if not line.startswith("data: "):
            out.append(line)
            continue
        payload = line[len("data: ") :]
        match = _R.search(payload)
        if match is not None:
            status, refs, usage = match.groups()
            response = {
                "id": response_id,
                **_BASE,
                "status": status,
                "output": [items[ref] for ref in re.findall(r"<(\w+)[^>]*>", refs)],
                "usage": USAGE_II if usage == "{…}" else json.loads(usage),
            }
            payload = payload[: match.start()] + json.dumps(response) + "}"
        data = json.loads(payload)
        if data["type"] == "response.output_item.done":
            items[data["item"]["id"]] = data["item"]
        out.append("data: " + json.dumps(data))
        if blank_lines_left_out:
            out.append("")
    return ("\n".join(out) + "\n\n").encode()


def events(transcript: str, response_id: str) -> list[bytes]:
    """Each event of the expanded transcript as its own SSE block."""
    return [block + b"\n\n" for block in expand(transcript, response_id).split(b"\n\n") if block.strip()]
