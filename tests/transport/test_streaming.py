"""SSE decoder, stream parser, accumulator and ThinkSplitter: edge cases and property tests."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference import ChatAccumulator, InferenceError, ServerSentEvent, SSEDecoder, StreamError, ThinkSplitter
from azure_inference.models import ChatCompletionsChunk
from azure_inference.streaming import chat_parser

from .helpers import Factory, Server, chunk, collect, resolve, sse

MSGS = [{"role": "user", "content": "Hi"}]


def decode(*parts: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    out: list[ServerSentEvent] = []
    for part in parts:
        out += decoder.feed(part)
    return out


def datas(events: list[ServerSentEvent]) -> list[str]:
    return [e.data for e in events]


@pytest.mark.parametrize("sep", ["\n", "\r\n", "\r"])
def test_line_endings(sep: str) -> None:
    body = f"data: a{sep}{sep}data: b{sep}data: c{sep}{sep}".encode()
    assert datas(decode(body)) == ["a", "b\nc"]


def test_crlf_split_across_chunks_counts_once() -> None:
    assert datas(decode(b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n")) == ["a\nb"]
    assert datas(decode(b"data: a\r", b"\r")) == ["a"]  # CR CR: a line end, then a blank line


def test_comments_event_id_retry_and_fields() -> None:
    body = b': keep-alive\nevent: error\nid: 7\nretry: 1500\ndata:{"x":1}\n\n: c\ndata\ndata:  two spaces\n\n'
    first, second = decode(body)
    assert (first.event, first.id, first.retry, first.data) == ("error", "7", 1500, '{"x":1}')
    assert second.event == "message"
    assert second.id == "7"  # the last event id persists
    assert second.data == "\n two spaces"  # a bare "data" adds an empty line; only one space is stripped
    assert decode(b"retry: soon\nid: a\0b\ndata: x\n\n")[0].retry is None


def test_events_without_data_are_not_dispatched() -> None:
    assert decode(b"event: ping\n\n: only a comment\n\nid: 3\n\n") == []


@pytest.mark.parametrize(
    "parts", [[b"\xef\xbb\xbfdata: x\n\n"], [b"\xef", b"\xbb", b"\xbfdata: x\n\n"], [b"\xef\xbb", b"\xbfdata: x\n\n"]]
)
def test_leading_bom_is_skipped(parts: list[bytes]) -> None:
    assert datas(decode(*parts)) == ["x"]


def test_bom_only_at_start() -> None:
    # A later BOM is part of the field name ("\ufeffdata"), which is unknown and ignored.
    assert datas(decode(b"data: x\n\n\xef\xbb\xbfdata: y\n\n")) == ["x"]


def test_utf8_split_across_chunks() -> None:
    body = "data: héllo 日本 🎉\n\n".encode()
    for cut in range(1, len(body)):
        assert datas(decode(body[:cut], body[cut:])) == ["héllo 日本 🎉"]


def test_end_reports_a_cut_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: complete\n\ndata: {"partial') == [ServerSentEvent(b"complete")]
    assert decoder.end() is True
    clean = SSEDecoder()
    clean.feed(b"data: x\n\n")
    assert clean.end() is False
    unterminated = SSEDecoder()
    unterminated.feed(b"data: x\n")  # a data line without the blank line that dispatches it
    assert unterminated.end() is True


EVENT = st.fixed_dictionaries(
    {
        "data": st.lists(
            st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",))),
            min_size=1,
            max_size=3,
        ),
        "event": st.one_of(st.none(), st.sampled_from(["message", "error", "ping"])),
        "id": st.one_of(st.none(), st.text(alphabet="abc123", min_size=1, max_size=4)),
    }
)


def encode_events(events: list[dict[str, Any]], sep: str, comments: bool) -> bytes:
    out = []
    for e in events:
        if comments:
            out.append(f": hi{sep}")
        if e["event"]:
            out.append(f"event: {e['event']}{sep}")
        if e["id"]:
            out.append(f"id: {e['id']}{sep}")
        out += [f"data: {d}{sep}" for d in e["data"]]
        out.append(sep)
    return "".join(out).encode()


@settings(max_examples=200, deadline=None)
@given(
    events=st.lists(EVENT, min_size=1, max_size=6),
    sep=st.sampled_from(["\n", "\r\n", "\r"]),
    comments=st.booleans(),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
)
def test_random_rechunking_gives_the_same_events(
    events: list[dict[str, Any]], sep: str, comments: bool, bom: bool, cuts: list[int]
) -> None:
    body = (b"\xef\xbb\xbf" if bom else b"") + encode_events(events, sep, comments)
    whole = decode(body)
    assert datas(whole) == ["\n".join(e["data"]) for e in events]
    points = sorted({c % (len(body) + 1) for c in cuts})
    parts = [body[a:b] for a, b in zip([0, *points], [*points, len(body)], strict=False)]
    assert decode(*parts) == whole


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.binary(max_size=64), max_size=12))
def test_decoder_never_raises_on_arbitrary_bytes(parts: list[bytes]) -> None:
    decoder = SSEDecoder()
    for part in parts:
        for event in decoder.feed(part):
            assert isinstance(event.data, str)
    decoder.end()


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["choices", "delta", "index", "usage", "error", "tool_calls", "content", "id", "finish_reason"]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.one_of(
            st.binary(max_size=48),
            JSONISH.map(lambda v: f"data: {json.dumps(v)}\n\n".encode()),
            st.just(b"data: [DONE]\n\n"),
            st.just(b"event: error\ndata: {}\n\n"),
        ),
        max_size=10,
    )
)
def test_stream_parser_raises_only_typed_errors(parts: list[bytes]) -> None:
    parser = chat_parser()
    try:
        for part in parts:
            for item in parser.feed(part):
                assert isinstance(item, ChatCompletionsChunk)
        parser.end()
    except StreamError:
        pass
    except InferenceError as exc:  # pragma: no cover - any other typed error is acceptable, but say which
        raise AssertionError(f"unexpected {type(exc).__name__}") from exc


# -- accumulator --------------------------------------------------------------------------------------------------


def fold(*chunks: dict[str, Any]) -> ChatAccumulator:
    acc = ChatAccumulator()
    for c in chunks:
        acc.add(ChatCompletionsChunk.model_validate(c))
    return acc


def tc(
    index: int | None = None, id: str | None = None, name: str | None = None, args: str | None = None
) -> dict[str, Any]:
    d: dict[str, Any] = {"function": {}}
    if index is not None:
        d["index"] = index
    if id is not None:
        d.update(id=id, type="function")
    if name is not None:
        d["function"]["name"] = name
    if args is not None:
        d["function"]["arguments"] = args
    return d


def test_accumulator_content_reasoning_usage_finish() -> None:
    usage = {"id": "c1", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    acc = fold(
        chunk(role="assistant", reasoning_content="think "),
        chunk(reasoning_content="more"),
        chunk("Hel"),
        chunk("lo", finish="stop"),
        usage,
    )
    result = acc.result()
    msg = result.choices[0].message
    assert (msg.content, msg.reasoning_content) == ("Hello", "think more")
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.total_tokens == 3
    assert acc.chunks == 5
    assert acc.finished
    assert acc.text == "Hello"


def test_accumulator_tool_calls_by_index_interleaved() -> None:
    acc = fold(
        chunk(tool_calls=[tc(0, "a", "f", '{"x"'), tc(1, "b", "g", "{")]),
        chunk(tool_calls=[tc(1, args='"y": 2}'), tc(0, args=": 1}")]),
        chunk(finish="tool_calls"),
    )
    calls = acc.result().choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [
        ("a", "f", '{"x": 1}'),
        ("b", "g", '{"y": 2}'),
    ]
    assert acc.result().choices[0].message.content is None


def test_accumulator_tool_calls_by_position_without_index() -> None:
    acc = fold(
        chunk(tool_calls=[tc(None, "a", "f", "{")]),
        chunk(tool_calls=[tc(None, args="}")]),
        chunk(tool_calls=[tc(None, "b", "g", "[")]),
        chunk(tool_calls=[tc(None, args="]")]),
        chunk(tool_calls=[tc(None, "a", args=" ")]),  # a known id continues that call
        chunk(finish="tool_calls"),
    )
    calls = acc.result().choices[0].message.tool_calls
    assert calls is not None
    assert [(c.id, c.function.name, c.function.arguments) for c in calls] == [("a", "f", "{} "), ("b", "g", "[]")]


def test_accumulator_multiple_choices() -> None:
    acc = fold(chunk("A", index=0), chunk("B", index=1), chunk("a", index=0, finish="stop"))
    assert not acc.finished
    acc.add(ChatCompletionsChunk.model_validate(chunk("b", index=1, finish="length")))
    result = acc.result()
    assert [(c.index, c.message.content, c.finish_reason) for c in result.choices] == [
        (0, "Aa", "stop"),
        (1, "Bb", "length"),
    ]
    assert acc.finished


# -- ThinkSplitter -------------------------------------------------------------------------------------------------


def test_think_splitter_whole_text() -> None:
    assert ThinkSplitter().split("<think>plan</think>\n\nAnswer") == ("Answer", "plan")
    assert ThinkSplitter().split("no tags < here") == ("no tags < here", "")


@settings(max_examples=300, deadline=None)
@given(
    reasoning=st.text(alphabet="ab <>/thinkx", max_size=20).filter(
        lambda s: "<think>" not in s and "</think>" not in s
    ),
    content=st.text(alphabet="ab <>/thinkx", max_size=20).filter(lambda s: "<think>" not in s),
    prefix=st.text(alphabet="ab <>/x", max_size=5),
    cuts=st.lists(st.integers(min_value=0, max_value=100), max_size=8),
)
def test_think_splitter_across_arbitrary_split_points(
    reasoning: str, content: str, prefix: str, cuts: list[int]
) -> None:
    text = f"{prefix}<think>{reasoning}</think>{content}"
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=False)]
    splitter = ThinkSplitter()
    out_c, out_r = [], []
    for piece in pieces:
        c, r = splitter.feed(piece)
        out_c.append(c)
        out_r.append(r)
    c, r = splitter.flush()
    assert ("".join(out_c) + c, "".join(out_r) + r) == (prefix + content, reasoning)


# -- streams over the client ----------------------------------------------------------------------------------------


def streamed(body: bytes) -> Server:
    return Server(httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("body", "needle", "chunks"),
    [
        (sse(chunk("Hel"), chunk("lo"), done=False), "no [DONE] and no finish_reason (after 2 chunks, 5 characters", 2),
        (sse(chunk("Hel"), done=False) + b'data: {"id": "c1", "choi', "partial event was cut off (after 1 chunks", 1),
        (sse(chunk("Hel"), '{"id": "c1", "choices": [', chunk("x")), "malformed stream chunk", 1),
        (
            sse(chunk("Hel"), {"error": {"code": "server_error", "message": "overloaded"}}, done=False),
            "server_error: overloaded",
            1,
        ),
        (sse(chunk("Hel")).replace(b"data: [DONE]", b'event: error\ndata: {"message": "boom"}'), "boom", 1),
    ],
    ids=["no-done", "cut", "malformed", "error-object", "error-event"],
)
async def test_stream_failures_raise_stream_error(
    sync: bool, body: bytes, needle: str, chunks: int, make: Factory
) -> None:
    client = make(sync, streamed(body))
    stream = await resolve(client.stream_chat(MSGS))
    with pytest.raises(StreamError) as info:
        await collect(stream)
    assert needle in str(info.value)
    assert info.value.chunks_received == chunks
    assert info.value.content_received.startswith("Hel")


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_error_event_code(sync: bool, make: Factory) -> None:
    body = sse({"error": {"code": "content_filter", "message": "filtered"}}, done=False)
    stream = await resolve(make(sync, streamed(body)).stream_chat(MSGS))
    with pytest.raises(StreamError) as info:
        await collect(stream)
    assert info.value.error_code == "content_filter"


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_ending_with_finish_reason_but_no_done_is_fine(sync: bool, make: Factory) -> None:
    stream = await resolve(make(sync, streamed(sse(chunk("ok", finish="stop"), done=False))).stream_chat(MSGS))
    assert len(await collect(stream)) == 1
    assert stream.accumulator.result().content == "ok"


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_with_crlf_and_comments_from_server(sync: bool, make: Factory) -> None:
    body = b": keep-alive\r\n\r\n" + sse(chunk("a"), chunk("b", finish="stop"), sep="\r\n")
    stream = await resolve(make(sync, streamed(body)).stream_chat(MSGS))
    assert [c.choices[0].delta.content for c in await collect(stream)] == ["a", "b"]


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_context_manager_and_close(sync: bool, make: Factory) -> None:
    stream = await resolve(make(sync, streamed(sse(chunk("a"), chunk("b", finish="stop")))).stream_chat(MSGS))
    if sync:
        with stream as s:
            first = next(iter(s))
    else:
        async with stream as s:
            first = await s.__aiter__().__anext__()
    assert first.choices[0].delta.content == "a"
    assert stream.closed  # leaving the block released the connection
    if sync:
        assert stream.response.is_closed
