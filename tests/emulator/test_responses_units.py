"""Pure parts of the emulator's Responses API: the bounded store, input conversion, the event renderer."""

from __future__ import annotations

from azure_inference.emulator.behaviour import ChatReply
from azure_inference.emulator.responses import input_messages, to_chat
from azure_inference.emulator.responses_render import output_items, response_events, response_object
from azure_inference.emulator.responses_store import ResponseStore, StoredResponse
from azure_inference.emulator.v1spec import v1_event_errors


def test_the_store_forgets_the_oldest_past_its_limit() -> None:
    store = ResponseStore(limit=3)
    for i in range(5):
        store.put(f"resp_{i}", StoredResponse([], {"id": f"resp_{i}"}))
    assert len(store) == 3
    assert store.get("resp_0") is None
    assert store.get("resp_1") is None
    stored = store.get("resp_4")
    assert stored is not None
    assert stored.response["id"] == "resp_4"


def test_parallel_function_calls_become_one_assistant_turn_and_outputs_tool_messages() -> None:
    items = [
        {"role": "user", "content": "Weather in Oslo and Bergen?"},
        {"type": "function_call", "call_id": "c1", "name": "w", "arguments": '{"city":"Oslo"}'},
        {"type": "function_call", "call_id": "c2", "name": "w", "arguments": '{"city":"Bergen"}'},
        {"type": "function_call_output", "call_id": "c1", "output": "4"},
        {"type": "function_call_output", "call_id": "c2", "output": "6"},
    ]
    messages = input_messages(items)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool"]
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["c1", "c2"]
    chat = to_chat({"input": items, "instructions": "Be brief.", "tool_choice": {"type": "function", "name": "w"}}, [])
    assert chat["messages"][0] == {"role": "system", "content": "Be brief."}
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "w"}}


def test_rendered_events_split_text_losslessly_and_validate() -> None:
    text = "one two  three four five six seven"  # a double space must survive the split
    reply = ChatReply(text, reasoning="thinking about it")
    output = output_items(reply, "resp_1", reasoning=True, summary=True)
    final = response_object(
        {}, response_id="resp_1", created=1, model="m", status="completed", output=output, usage=None
    )
    final["usage"] = {
        "input_tokens": 1,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 1,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 2,
    }
    events = list(response_events(final, per_piece=2))
    deltas = "".join(ev["delta"] for ev in events if ev["type"] == "response.output_text.delta")
    assert deltas == text
    assert sum(ev["type"] == "response.output_text.delta" for ev in events) > 2
    assert [m for ev in events for m in (x.message for x in v1_event_errors(ev))] == []
