"""The streamed ``<think>`` split gives the same content and reasoning as the non-streamed one."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference import ThinkSplitter
from azure_inference.emulator import EmulatorHandle
from azure_inference.models import ChatCompletionsChunk
from langchain_azure_inference import ChatAzureInference
from langchain_azure_inference._convert import StreamConverter

TEXTS = [
    "\n<think>\nI reason.\n\nStill reasoning.\n</think>\n\nThe answer.\n",
    "<think>a\n</think>\n<think>\nb</think>\ny\n\nz\n",
    "  <think></think>  x  ",
    "Hi <think>x</think> there",
    "<think>\nunterminated\n",
    "no tags here \n\n",
    "ends with a partial tag <thi",
]


def expected(text: str) -> tuple[str, str]:
    """What the non-streamed path gives (WIRE: it splits only when the opening tag is present)."""
    return ThinkSplitter().split(text) if "<think>" in text else (text, "")


def streamed(pieces: list[str]) -> tuple[str, str]:
    conv = StreamConverter()
    content = reasoning = ""
    for piece in pieces:
        wire = ChatCompletionsChunk.model_validate(
            {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": piece}}]}
        )
        out = conv.feed(wire)
        if out is not None:
            content += str(out.message.content)
            reasoning += out.message.additional_kwargs.get("reasoning_content", "")
    last = conv.finish()
    return content + str(last.message.content), reasoning + last.message.additional_kwargs.get("reasoning_content", "")


@pytest.mark.parametrize("text", TEXTS)
def test_every_two_and_three_way_split_matches_the_non_streamed_split(text: str) -> None:
    want = expected(text)
    n = len(text)
    for i in range(n + 1):
        assert streamed([text[:i], text[i:]]) == want, (text, i)
        for j in range(i, n + 1):
            assert streamed([text[:i], text[i:j], text[j:]]) == want, (text, i, j)
    assert streamed(list(text)) == want


def test_only_whitespace_is_held_back() -> None:
    conv = StreamConverter()
    released = []
    for piece in ["<think>\n", "Why", " \n", "so", "\n</think>\n\n", "Answer", "\n"]:
        out = conv.feed(
            ChatCompletionsChunk.model_validate(
                {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": piece}}]}
            )
        )
        released.append(
            None if out is None else (out.message.content, out.message.additional_kwargs.get("reasoning_content"))
        )
    # Visible text is released in the chunk that brought it; the whitespace between comes with the next text.
    assert released == [None, ("", "Why"), None, ("", " \nso"), None, ("Answer", None), None]


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_think_model_streamed_equals_invoked(emu: EmulatorHandle, sync: bool) -> None:
    llm = ChatAzureInference(endpoint=emu.endpoint, model="DeepSeek-R1-think", max_retries=0)
    prompt = "Why is the sky blue?"
    try:
        if sync:
            whole = llm.invoke(prompt)
            chunks: list[Any] = list(llm.stream(prompt))
        else:
            whole = await llm.ainvoke(prompt)
            chunks = [c async for c in llm.astream(prompt)]
    finally:
        await llm.aclose()
    raw = emu.control.requests("/chat/completions")
    assert len(raw) == 2
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert len(chunks) > 3
    assert whole.additional_kwargs["reasoning_content"]
    assert whole.content
    assert total.content == whole.content
    assert total.additional_kwargs["reasoning_content"] == whole.additional_kwargs["reasoning_content"]


def _feed_all(pieces: list[str]) -> tuple[list[str | None], str]:
    conv = StreamConverter()
    released: list[str | None] = []
    for piece in pieces:
        out = conv.feed(
            ChatCompletionsChunk.model_validate(
                {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": piece}}]}
            )
        )
        released.append(None if out is None else str(out.message.content))
    return released, str(conv.finish().message.content)


def test_untagged_stream_yields_one_chunk_per_delta_and_leaves_nothing_for_the_closing_chunk() -> None:
    pieces = ["tok ", "tok ", "a < b ", "\n", "<thin", "g> ", "end \n"]
    released, last = _feed_all(pieces)
    # "<thin" may start a tag, so it waits for the next piece; everything else comes out in its own chunk.
    assert released == ["tok ", "tok ", "a < b ", "\n", None, "<thing> ", "end \n"]
    assert last == ""


def test_leading_whitespace_waits_for_the_first_visible_text_then_comes_with_it() -> None:
    released, last = _feed_all(["\n", "  ", "Hi", " there "])
    assert released == [None, None, "\n  Hi", " there "]
    assert last == ""
    released, last = _feed_all(["\n", "  "])  # whitespace only, no tag: kept as the non-streamed path keeps it
    assert (released, last) == ([None, None], "\n  ")


@settings(max_examples=300, deadline=None)
@given(
    lead=st.text(alphabet=" \n", max_size=3),
    reasoning=st.text(alphabet="ab \n<>/", max_size=15).filter(lambda s: "</think>" not in s),
    content=st.text(alphabet="ab \n<>/", max_size=15).filter(lambda s: "<think>" not in s),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=6),
)
def test_reasoning_first_streams_match_the_non_streamed_split_at_any_cuts(
    lead: str, reasoning: str, content: str, cuts: list[int]
) -> None:
    text = f"{lead}<think>{reasoning}</think>{content}"
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=False)]
    assert streamed(pieces) == expected(text)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab \n<>/think", max_size=30).filter(lambda s: "<think>" not in s),
    cuts=st.lists(st.integers(0, 40), max_size=6),
)
def test_untagged_text_streams_unchanged_at_any_cuts(text: str, cuts: list[int]) -> None:
    points = sorted({c % (len(text) + 1) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=False)]
    assert streamed(pieces) == (text, "")


WHY_CHUNKS = ["<think>\n", "why\n", "</think>\n\nThe", " answer."]


def _why_stream() -> bytes:
    events = [
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in WHY_CHUNKS
    ]
    events[-1]["choices"][0]["finish_reason"] = "stop"
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"


def _why_whole() -> bytes:
    message = {"role": "assistant", "content": "".join(WHY_CHUNKS)}
    return json.dumps(
        {"id": "w", "model": "m", "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}
    ).encode()


@pytest.mark.parametrize("sync", [True, False])
async def test_streamed_reasoning_equals_the_invoked_reasoning(sync: bool) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        streamed = json.loads(request.content).get("stream")
        body, kind = (_why_stream(), "text/event-stream") if streamed else (_why_whole(), "application/json")
        return httpx.Response(200, content=body, headers={"content-type": kind})

    transport = httpx.MockTransport(reply)
    llm = ChatAzureInference(
        endpoint="https://res.services.ai.azure.com/models",
        api_key="k",
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )
    if sync:
        whole = llm.invoke("q")
        chunks: list[Any] = list(llm.stream("q"))
    else:
        whole = await llm.ainvoke("q")
        chunks = [c async for c in llm.astream("q")]
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert whole.additional_kwargs["reasoning_content"] == total.additional_kwargs["reasoning_content"] == "why"
    assert whole.content == total.content == "The answer."
    await llm.aclose()
