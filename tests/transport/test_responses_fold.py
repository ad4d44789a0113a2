"""The Responses stream fold and parser: docs/wire.md §V1.3.4 transcripts, errors, and order/re-send/re-chunk laws."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference.errors import BadRequestError, RateLimitError, ServerError, StreamError
from azure_inference.models.responses import FunctionCallItem, GenericItem, MessageItem, ReasoningItem, parse_event
from azure_inference.responses_fold import ResponseDelta, ResponsesAccumulator
from azure_inference.responses_stream import ResponsesStreamParser

from .responses_transcripts import TRANSCRIPT_I, TRANSCRIPT_II, USAGE_II, events, expand


def parse_all(*pieces: bytes) -> tuple[ResponsesStreamParser, list[ResponseDelta]]:
    parser = ResponsesStreamParser()
    deltas = [d for piece in pieces for d in parser.feed(piece)]
    parser.end()
    return parser, deltas


def test_transcript_i_reasoning_summary_and_text() -> None:
    parser, deltas = parse_all(expand(TRANSCRIPT_I, "resp_01"))
    result = parser.accumulator.result()
    assert (result.id, result.status, result.model) == ("resp_01", "completed", "o4-mini")
    assert result.output_text == "2 + 2 = 4."
    assert result.reasoning_summary == "**Simple sum**\n\nAdding two and two."
    assert [type(i) for i in result.output] == [ReasoningItem, MessageItem]
    assert result.usage is not None
    assert result.usage.input_tokens_details.cached_tokens == 0
    assert result.usage.output_tokens_details.reasoning_tokens == 64
    assert result.usage.total_tokens == 96
    texts = [(d.output_index, d.item_id, d.text) for d in deltas if d.text]
    assert texts == [(1, "msg_01", "2 + 2"), (1, "msg_01", " = 4.")]
    assert [(d.item_id, d.summary_index, d.reasoning) for d in deltas if d.reasoning] == [
        ("rs_01", 0, "**Simple sum**\n\nAdding two and two.")
    ]
    assert [d.finished for d in deltas].count(True) == 1
    assert deltas[-1].finished
    assert deltas[-1].usage == result.usage
    assert parser.accumulator.incomplete_reason is None


def test_transcript_ii_function_call_with_its_ids_on_every_argument_delta() -> None:
    parser, deltas = parse_all(expand(TRANSCRIPT_II, "resp_02"))
    result = parser.accumulator.result()
    [call] = result.function_calls
    assert (call.id, call.call_id, call.name, json.loads(call.arguments)) == (
        "fc_02",
        "call_Q7x",
        "get_weather",
        {"city": "Oslo"},
    )
    pieces = [(d.output_index, d.item_id, d.call_id, d.name, d.arguments) for d in deltas if d.arguments]
    assert pieces == [
        (1, "fc_02", "call_Q7x", "get_weather", '{"city":'),
        (1, "fc_02", "call_Q7x", "get_weather", '"Oslo"}'),
    ]
    assert result.usage is not None
    assert result.usage.model_dump() == USAGE_II
    assert result.output_text == ""


def _event(kind: str, seq: int, **fields: Any) -> bytes:
    return f"data: {json.dumps({'type': kind, 'sequence_number': seq, **fields})}\n\n".encode()


def _response(status: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": "resp_x",
        "object": "response",
        "created_at": 1,
        "model": "m",
        "status": status,
        "output": [],
        **fields,
    }


def test_a_stream_without_a_final_event_raises_with_what_was_received() -> None:
    body = expand(TRANSCRIPT_I, "resp_01")
    cut = body[: body.index(b"event: response.output_text.done")]
    parser = ResponsesStreamParser()
    parser.feed(cut)
    with pytest.raises(StreamError, match=r"ended early.*12 events, 10 characters") as info:
        parser.end()
    assert info.value.content_received == "2 + 2 = 4."
    assert info.value.chunks_received == 12


def test_a_partial_event_at_the_end_is_named() -> None:
    body = expand(TRANSCRIPT_I, "resp_01")
    parser = ResponsesStreamParser()
    parser.feed(body[:-40])
    with pytest.raises(StreamError, match="partial event was cut off"):
        parser.end()


@pytest.mark.parametrize(
    ("code", "error"),
    [("rate_limit_exceeded", RateLimitError), ("server_error", ServerError), ("invalid_prompt", BadRequestError)],
)
def test_a_failed_response_raises_the_error_its_code_names(code: str, error: type[Exception]) -> None:
    failed = _response("failed", error={"code": code, "message": "went wrong"})
    parser = ResponsesStreamParser()
    parser.feed(_event("response.created", 0, response=_response("in_progress")))
    with pytest.raises(error, match=f"the response failed: {code}: went wrong") as info:
        parser.feed(_event("response.failed", 1, response=failed))
    assert getattr(info.value, "error_code", None) == code


def test_an_error_event_raises_and_an_unknown_code_is_a_stream_error() -> None:
    parser = ResponsesStreamParser()
    with pytest.raises(StreamError, match="error: boom") as info:
        parser.feed(_event("error", 0, code=None, message="boom", param=None))
    assert info.value.error_code is None
    with pytest.raises(RateLimitError):
        ResponsesStreamParser().feed(_event("error", 0, code="rate_limit_exceeded", message="slow", param=None))


def test_incomplete_is_reported_with_its_reason_and_ends_the_stream_properly() -> None:
    incomplete = _response("incomplete", incomplete_details={"reason": "max_output_tokens"})
    parser, deltas = parse_all(
        _event("response.output_text.delta", 0, item_id="m1", output_index=0, content_index=0, delta="Hel"),
        _event("response.incomplete", 1, response=incomplete),
    )
    assert deltas[-1].finished
    assert deltas[-1].incomplete_reason == "max_output_tokens"
    assert parser.accumulator.incomplete_reason == "max_output_tokens"
    result = parser.accumulator.result()
    assert result.status == "incomplete"
    assert result.output_text == "Hel"


def test_done_events_replace_the_pieces_and_unknown_items_and_events_are_kept() -> None:
    acc = ResponsesAccumulator()
    for raw in (
        _event("response.output_text.delta", 0, item_id="m", output_index=0, content_index=0, delta="ab"),
        _event("response.output_text.done", 1, item_id="m", output_index=0, content_index=0, text="xyz"),
        _event("response.web_search_call.searching", 2, item_id="ws", output_index=1),
        _event(
            "response.output_item.done",
            3,
            output_index=1,
            item={"id": "ws", "type": "web_search_call", "status": "completed", "action": {"query": "q"}},
        ),
        _event(
            "response.output_text.annotation.added",
            4,
            item_id="m",
            output_index=0,
            content_index=0,
            annotation_index=0,
            annotation={"type": "url_citation", "url": "https://example.org", "start_index": 0, "end_index": 3},
        ),
        _event("response.function_call_arguments.delta", 5, item_id="f", output_index=2, delta='{"a"'),
        _event("response.function_call_arguments.done", 6, item_id="f", output_index=2, arguments='{"a":1}'),
    ):
        acc.add(parse_event(raw.removeprefix(b"data: ")))
    message, searched, call = acc.output()
    assert isinstance(message, MessageItem)
    assert message.text == "xyz"
    assert message.content[0].model_dump()["annotations"][0]["url"] == "https://example.org"
    assert isinstance(searched, GenericItem)
    assert searched.model_dump()["action"] == {"query": "q"}
    assert isinstance(call, FunctionCallItem)
    assert call.arguments == '{"a":1}'


def test_a_malformed_event_raises() -> None:
    with pytest.raises(StreamError, match="malformed stream event"):
        ResponsesStreamParser().feed(b'data: {"type": "response.output_text.delta", "sequence_number": 1\n\n')


# -- order, re-sends and re-chunking (hypothesis) ---------------------------------------------------------------


@st.composite
def generated_stream(draw: st.DrawFn) -> list[bytes]:
    """A stream of text and function-call items told only by deltas (no ``.done`` events to lean on)."""
    texts = draw(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4))
    args = draw(st.lists(st.text(alphabet='{}":ab1 ', min_size=1, max_size=6), max_size=4))
    seq = 0
    out = []
    for piece in texts:
        out.append(_event("response.output_text.delta", seq, item_id="m", output_index=0, content_index=0, delta=piece))
        seq += 1
    call = {"id": "f", "type": "function_call", "call_id": "c", "name": "n", "arguments": "", "status": "in_progress"}
    out.append(_event("response.output_item.added", seq, output_index=1, item=call))
    seq += 1
    for piece in args:
        out.append(_event("response.function_call_arguments.delta", seq, item_id="f", output_index=1, delta=piece))
        seq += 1
    out.append(_event("response.completed", seq, response=_response("completed")))
    return out


def _fold(blocks: list[bytes]) -> dict[str, Any]:
    parser, _ = parse_all(*blocks)
    return parser.accumulator.result().model_dump()


@settings(max_examples=200, deadline=None)
@given(
    stream=st.one_of(
        st.just(events(TRANSCRIPT_I, "resp_01")), st.just(events(TRANSCRIPT_II, "resp_02")), generated_stream()
    ),
    data=st.data(),
)
def test_reordered_resent_and_rechunked_streams_fold_to_the_same_response(
    stream: list[bytes], data: st.DataObject
) -> None:
    expected = _fold(stream)
    resent = stream + data.draw(st.lists(st.sampled_from(stream), max_size=5))
    shuffled = data.draw(st.permutations(resent))
    body = b"".join(shuffled)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    assert _fold(pieces) == expected
