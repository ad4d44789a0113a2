"""``accumulate``: the tolerant partial-JSON reader, the think splitter's fast path, and tool calls so far."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference import ChatAccumulator, ThinkSplitter
from azure_inference.accumulate import parse_partial_json_object
from azure_inference.models import ChatCompletionsChunk

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
OBJECTS = st.dictionaries(st.text(max_size=6), JSON, max_size=5)


@settings(max_examples=300, deadline=None)
@given(obj=OBJECTS, ascii_only=st.booleans(), indent=st.sampled_from([None, 2]), data=st.data())
def test_every_prefix_gives_a_dict_and_the_whole_text_gives_json_loads(
    obj: dict[str, Any], ascii_only: bool, indent: int | None, data: st.DataObject
) -> None:
    text = json.dumps(obj, ensure_ascii=ascii_only, indent=indent)
    assert parse_partial_json_object(text) == json.loads(text)
    cut = data.draw(st.integers(min_value=0, max_value=len(text)))
    partial = parse_partial_json_object(text[:cut])
    assert isinstance(partial, dict)
    assert set(partial) <= set(obj)  # a key is only reported once it is whole


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('{"city": "Par', {"city": "Par"}),  # an open string value is closed where it was cut, not null
        ('{"city": "Paris", "un', {"city": "Paris"}),  # a dangling key is dropped
        ('{"city": "Paris", "units":', {"city": "Paris"}),
        ('{"city": "Paris",', {"city": "Paris"}),
        ('{"a": {"b": [1, 2', {"a": {"b": [1, 2]}}),
        ('{"q": "say \\"hi', {"q": 'say "hi'}),
        ('{"q": "x\\', {"q": "x"}),  # cut inside an escape: the escape is dropped
        ('{"q": "caf\\u00', {"q": "caf"}),
        ('{"q": "caf\\u00e9', {"q": "caf\u00e9"}),
        ("", {}),
        ("[1, 2", {}),  # not an object
        ("not json", {}),
        ('{"a": 1}}', {"a": 1}),
    ],
)
def test_partial_json_examples(text: str, want: dict[str, Any]) -> None:
    assert parse_partial_json_object(text) == want


def test_think_splitter_passes_untagged_text_through_and_reports_its_state() -> None:
    splitter = ThinkSplitter()
    assert splitter.feed("plain text, no tag") == ("plain text, no tag", "")
    assert not splitter.pending
    assert not splitter.tagged
    assert splitter.feed("a < b <thi") == ("a < b ", "")  # "<thi" may start a tag: held
    assert splitter.pending
    assert splitter.feed("nk>why") == ("", "why")
    assert splitter.tagged
    assert splitter.feed(" still inside") == ("", " still inside")
    assert splitter.feed("</think>done") == ("done", "")
    assert splitter.flush() == ("", "")


def test_accumulator_tool_calls_so_far_match_the_result() -> None:
    acc = ChatAccumulator()
    deltas: list[dict[str, Any]] = [
        {"content": "checking"},
        {"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a"'}}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]},
        {"tool_calls": [{"index": 1, "id": "c2", "type": "function", "function": {"name": "g", "arguments": "{}"}}]},
    ]
    for delta in deltas:
        acc.add(ChatCompletionsChunk.model_validate({"id": "x", "choices": [{"index": 0, "delta": delta}]}))
    calls = acc.tool_calls(0)
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("c1", "f", '{"a": 1}'),
        ("c2", "g", "{}"),
    ]
    assert calls == acc.result().choices[0].message.tool_calls
    assert acc.tool_calls(1) == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='{}[]",:\\u0123 abtrue-.e', max_size=30))
def test_any_text_gives_a_dict_without_raising(text: str) -> None:
    assert isinstance(parse_partial_json_object(text), dict)


def test_the_old_module_still_gives_each_idea_from_its_own_module() -> None:
    from azure_inference import accumulate, fold, partial_json, think

    assert accumulate.ChatAccumulator is fold.ChatAccumulator
    assert accumulate.tool_call_slot is fold.tool_call_slot
    assert accumulate.ThinkSplitter is think.ThinkSplitter is ThinkSplitter
    assert accumulate.StreamingThinkSplitter is think.StreamingThinkSplitter
    assert accumulate.parse_partial_json_object is partial_json.parse_partial_json_object
