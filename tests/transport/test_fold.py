"""The one stream fold: what ``ChatAccumulator.add`` says each chunk added, and ``ChatStream.deltas()``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference import ChatAccumulator, ThinkSplitter
from azure_inference.fold import ChunkDelta
from azure_inference.models import ChatCompletionsChunk

from .helpers import Factory, Server, chunk, collect, final, resolve, sse

TAGS = ("<think>", "</think>")
MSGS = [{"role": "user", "content": "Hi"}]


def wire(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> ChatCompletionsChunk:
    data: dict[str, Any] = {"id": "s1", "model": "m", "created": 1, "choices": [{"index": 0, "delta": delta}]}
    if finish:
        data["choices"][0]["finish_reason"] = finish
    data.update(extra)
    return ChatCompletionsChunk.model_validate(data)


def test_each_delta_is_what_its_chunk_added_after_the_think_split() -> None:
    acc = ChatAccumulator(TAGS)
    deltas = [
        acc.add(wire({"role": "assistant", "content": "<thi"})),
        acc.add(wire({"content": "nk>\nwhy\n</th"})),
        acc.add(wire({"content": "ink>\n\nok"})),
        acc.add(wire({"content": " \n"}, "stop")),
        acc.add(
            ChatCompletionsChunk.model_validate(
                {"id": "s1", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
            )
        ),
    ]
    assert [(d.text, d.reasoning) for d in deltas] == [("", ""), ("", "why"), ("ok", ""), ("", ""), ("", "")]
    assert [d.finished for d in deltas] == [False, False, False, True, False]
    assert deltas[4].usage is not None
    assert deltas[4].usage.total_tokens == 3
    assert all(d.chunk is not None for d in deltas)
    assert acc.flush() is None  # the finishing chunk released (and dropped) the trailing whitespace
    # The whole response stays as the service sent it: the split is a view of the deltas only.
    assert acc.result().choices[0].message.content == "<think>\nwhy\n</think>\n\nok \n"


def test_tool_call_pieces_carry_id_and_name_once_and_the_argument_text() -> None:
    acc = ChatAccumulator()
    calls = [
        # docs/wire.md §4: some servers repeat id and name on every fragment; Δ8: some send no index.
        {"id": "a", "function": {"name": "f", "arguments": '{"x"'}},
        {"id": "a", "function": {"name": "f", "arguments": ": 1}"}},
        {"id": "b", "function": {"name": "g", "arguments": ""}},
        {"function": {"arguments": "{}"}},
    ]
    pieces = [acc.add(wire({"tool_calls": [call]})).tool_calls for call in calls]
    got = [(p.index, p.id, p.name, p.arguments) for (p,) in pieces]
    assert got == [(0, "a", "f", '{"x"'), (0, None, None, ": 1}"), (1, "b", "g", ""), (1, None, None, "{}")]
    assert [(c.id, c.function.name, c.function.arguments) for c in acc.tool_calls()] == [
        ("a", "f", '{"x": 1}'),
        ("b", "g", "{}"),
    ]


def test_other_choices_are_folded_but_not_in_the_delta() -> None:
    acc = ChatAccumulator()
    two = ChatCompletionsChunk.model_validate(
        {"id": "s", "choices": [{"index": 1, "delta": {"content": "B"}}, {"index": 0, "delta": {"content": "A"}}]}
    )
    delta = acc.add(two)
    assert (delta.text, delta.chunk) == ("A", two)
    assert [c.message.content for c in acc.result().choices] == ["A", "B"]


def test_the_think_split_is_chosen_before_the_first_chunk() -> None:
    acc = ChatAccumulator()
    acc.split_think(TAGS)
    assert acc.add(wire({"content": "<think>x</think>y"})).text == "y"
    with pytest.raises(RuntimeError, match="before the stream starts"):
        acc.split_think(None)


def test_a_stream_ending_without_a_finish_releases_what_the_split_holds_on_flush() -> None:
    acc = ChatAccumulator(TAGS)
    assert acc.add(wire({"content": "a partial tag <thi"})).text == "a partial tag "
    tail = acc.flush()
    assert tail is not None
    assert (tail.chunk, tail.text, tail.reasoning) == (None, "<thi", "")
    assert acc.flush() is None


# -- any re-chunking gives the same deltas' concatenation and the same final result ------------------------------

TEXT = st.text(alphabet="ab \n<>/thik", max_size=24)
TAGGED = st.builds(lambda lead, r, c: f"{lead}<think>{r}</think>{c}", st.sampled_from(["", "\n", " "]), TEXT, TEXT)
CALLS = st.lists(st.tuples(st.sampled_from(["f", "g"]), st.text(alphabet='{}":ab1 ', max_size=12)), max_size=2)


def _pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts})
    return [p for p in (text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=False)) if p]


def _chunks(
    reasoning: str, content: str, calls: list[tuple[str, str]], cuts: list[int], indexed: bool, repeat: bool
) -> list[ChatCompletionsChunk]:
    out = [wire({"reasoning_content": p}) for p in _pieces(reasoning, cuts)]
    out += [wire({"content": p}) for p in _pieces(content, cuts)]
    for slot, (name, arguments) in enumerate(calls):
        for i, piece in enumerate(_pieces(arguments, cuts) or [""]):
            fragment: dict[str, Any] = {"function": {"arguments": piece}}
            if i == 0 or repeat:
                fragment = {"id": f"call_{slot}", "function": {"name": name, "arguments": piece}}
            if indexed:
                fragment["index"] = slot
            out.append(wire({"tool_calls": [fragment]}))
    out.append(wire({}, "tool_calls" if calls else "stop"))
    out.append(
        ChatCompletionsChunk.model_validate(
            {"id": "s1", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
        )
    )
    return out


def _fold(chunks: list[ChatCompletionsChunk]) -> tuple[str, str, dict[int, list[Any]], list[ChunkDelta], Any]:
    acc = ChatAccumulator(TAGS)
    deltas = [acc.add(c) for c in chunks]
    tail = acc.flush()
    if tail is not None:
        deltas.append(tail)
    slots: dict[int, list[Any]] = {}
    for d in deltas:
        for p in d.tool_calls:
            slot = slots.setdefault(p.index, [[], [], ""])
            slot[0] += [p.id] if p.id is not None else []
            slot[1] += [p.name] if p.name is not None else []
            slot[2] += p.arguments or ""
    text = "".join(d.text for d in deltas)
    return text, "".join(d.reasoning for d in deltas), slots, deltas, acc.result()


@settings(max_examples=250, deadline=None)
@given(
    reasoning=st.text(alphabet="ab \n", max_size=10),
    content=st.one_of(TAGGED, TEXT),
    calls=CALLS,
    cuts_a=st.lists(st.integers(0, 60), max_size=8),
    cuts_b=st.lists(st.integers(0, 60), max_size=8),
    indexed=st.booleans(),
    repeat=st.booleans(),
)
def test_any_rechunking_gives_the_same_deltas_and_the_same_result(
    reasoning: str,
    content: str,
    calls: list[tuple[str, str]],
    cuts_a: list[int],
    cuts_b: list[int],
    indexed: bool,
    repeat: bool,
) -> None:
    a = _fold(_chunks(reasoning, content, calls, cuts_a, indexed, repeat))
    b = _fold(_chunks(reasoning, content, calls, cuts_b, indexed, repeat))
    # What the deltas add up to: the non-streamed split of the whole content, reasoning_content first.
    shown, thought = ThinkSplitter(*TAGS).split(content) if TAGS[0] in content else (content, "")
    for text, reason, slots, deltas, _ in (a, b):
        assert (text, reason) == (shown, reasoning + thought)
        assert slots == {i: [[f"call_{i}"], [name], args] for i, (name, args) in enumerate(calls)}
        assert [d.finished for d in deltas if d.chunk is not None].count(True) == 1
        assert sum(d.usage is not None for d in deltas) == 1
    assert a[4] == b[4]  # the same whole response, however the stream was cut
    message = a[4].choices[0].message
    assert (message.content or "", message.reasoning_content or "") == (content, reasoning)


# -- through the stream -------------------------------------------------------------------------------------------


def streamed(body: bytes) -> Server:
    return Server(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))


THINK_TOOL_BODY = sse(
    chunk("<think>\nplan\n</think>\n\n"),
    chunk("Calling."),
    chunk(tool_calls=[{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"a"'}}]),
    chunk(tool_calls=[{"index": 0, "function": {"arguments": ": 1}"}}]),
    chunk(finish="tool_calls"),
)


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_deltas_fold_each_chunk_as_it_is_handed_on(sync: bool, make: Factory) -> None:
    # The whole body arrives in one piece: the accumulator must still be in step with each delta, not ahead.
    stream = await resolve(make(sync, streamed(THINK_TOOL_BODY)).stream_chat(MSGS))
    acc = stream.accumulator
    seen = []
    deltas = stream.deltas(TAGS)
    async for delta in _each(deltas):
        seen.append((delta.text, delta.reasoning, acc.chunks, [c.function.arguments for c in acc.tool_calls()]))
    assert seen == [
        ("", "plan", 1, []),
        ("Calling.", "", 2, []),
        ("", "", 3, ['{"a"']),
        ("", "", 4, ['{"a": 1}']),
        ("", "", 5, ['{"a": 1}']),
    ]
    whole = await final(stream)
    assert whole.choices[0].finish_reason == "tool_calls"
    assert whole.choices[0].message.content == "<think>\nplan\n</think>\n\nCalling."


@pytest.mark.parametrize("sync", [True, False])
async def test_deltas_must_come_before_iterating(sync: bool, make: Factory) -> None:
    stream = await resolve(make(sync, streamed(THINK_TOOL_BODY)).stream_chat(MSGS))
    first = await _first(stream)
    assert first.choices[0].delta.content == "<think>\nplan\n</think>\n\n"
    with pytest.raises(RuntimeError, match="call deltas\\(\\) before iterating"):
        await collect(stream.deltas(TAGS))
    await resolve(stream.close())


@pytest.mark.parametrize("sync", [True, False])
async def test_final_response_after_leaving_deltas_early_folds_the_rest(sync: bool, make: Factory) -> None:
    stream = await resolve(make(sync, streamed(THINK_TOOL_BODY)).stream_chat(MSGS))
    first = await _first(stream.deltas(TAGS))
    assert first.reasoning == "plan"
    whole = await final(stream)
    assert [c.function.arguments for c in whole.choices[0].message.tool_calls] == ['{"a": 1}']
    assert stream.accumulator.chunks == 5


async def _each(items: Any) -> Any:
    if hasattr(items, "__aiter__"):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def _first(items: Any) -> Any:
    async for item in _each(items):
        return item
    raise AssertionError("the stream yielded nothing")
