"""Unit tests: conversions (round trips), metadata, tool-call parsing and stream folding, mocked at the transport."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    ImageBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding, lookup_model
from llamaindex_azure_inference._convert import from_wire_message, to_wire_message, tool_selections

ENDPOINT = "https://unit.services.ai.azure.com/models"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00"  # not valid base64, like real audio
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb"
SYNC = pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])


def sse(*chunks: dict[str, Any]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def delta(d: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> dict[str, Any]:
    chunk: dict[str, Any] = {"id": "c", "model": "m", "created": 1, "choices": [{"index": 0, "delta": d}]}
    if finish:
        chunk["choices"][0]["finish_reason"] = finish
    if usage:
        chunk["usage"] = usage
    return chunk


class Recorder:
    """An httpx handler that answers every request with ``body`` and keeps the requests."""

    def __init__(self, body: bytes, content_type: str = "application/json") -> None:
        self.body, self.content_type, self.requests = body, content_type, []  # type: ignore[var-annotated]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, content=self.body, headers={"content-type": self.content_type})


def mocked_llm(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> AzureInference:
    transport = httpx.MockTransport(handler)
    return AzureInference(
        endpoint=ENDPOINT,
        credential="unit-key",
        http_client=httpx.Client(transport=transport),
        async_http_client=httpx.AsyncClient(transport=transport),
        **kw,
    )


# -- conversions ---------------------------------------------------------------------------------------------

WIRE_MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {"role": "developer", "content": "Answer in French."},
    {"role": "user", "content": "Hello"},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in these?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
            {"type": "input_audio", "input_audio": {"data": base64.b64encode(WAV).decode(), "format": "wav"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
            {"id": "call_2", "type": "function", "function": {"name": "g", "arguments": "{}"}},
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": "42"},
    {"role": "assistant", "content": "Done."},
]


@pytest.mark.parametrize("wire", WIRE_MESSAGES, ids=lambda m: f"{m['role']}")
def test_every_role_round_trips(wire: dict[str, Any]) -> None:
    assert to_wire_message(from_wire_message(wire)) == wire


def test_image_blocks_from_bytes_path_and_url(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    path.write_bytes(PNG)
    msg = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="look"),
            ImageBlock(image=PNG),
            ImageBlock(path=path),
            ImageBlock(url="https://x/y.png"),
        ],
    )
    parts = to_wire_message(msg)["content"]
    data_url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert [p["type"] for p in parts] == ["text", "image_url", "image_url", "image_url"]
    assert parts[1]["image_url"]["url"] == data_url
    assert parts[2]["image_url"]["url"] == data_url
    assert parts[3]["image_url"]["url"] == "https://x/y.png"


def test_audio_block_becomes_input_audio() -> None:
    msg = ChatMessage(role="user", blocks=[AudioBlock(audio=MP3, format="mp3")])
    (part,) = to_wire_message(msg)["content"]
    assert part == {
        "type": "input_audio",
        "input_audio": {"data": base64.b64encode(MP3).decode(), "format": "mp3"},
    }


def test_tool_message_without_call_id_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="tool_call_id"):
        to_wire_message(ChatMessage(role="tool", content="42"))


def test_legacy_additional_kwargs_tool_calls_are_sent_once() -> None:
    call = {"id": "c9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    legacy = ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [call]})
    assert to_wire_message(legacy)["tool_calls"] == [call]
    both = ChatMessage(
        role="assistant",
        blocks=[ToolCallBlock(tool_call_id="c9", tool_name="f", tool_kwargs={})],
        additional_kwargs={"tool_calls": [call]},
    )
    assert to_wire_message(both)["tool_calls"] == [call]  # blocks win; never duplicated


# -- tool-call parsing -----------------------------------------------------------------------------------------


def _tool_response(args: str, finished: bool) -> ChatResponse:
    block = ToolCallBlock(tool_call_id="c1", tool_name="search", tool_kwargs=args)
    extra = {"finish_reason": "tool_calls"} if finished else {}
    return ChatResponse(message=ChatMessage(role="assistant", blocks=[block]), additional_kwargs=extra)


def test_partial_arguments_are_tolerated_mid_stream_and_strict_at_the_end() -> None:
    # A value cut mid-string reads as the text so far (llama-index's own parse_partial_json gives null)
    (partial,) = tool_selections(_tool_response('{"query": "azure inf', finished=False))
    assert partial.tool_kwargs == {"query": "azure inf"}
    assert tool_selections(_tool_response('{"n": 1, "tags": ["a", ', finished=False))[0].tool_kwargs == {
        "n": 1,
        "tags": ["a"],
    }
    assert tool_selections(_tool_response('{"query": ', finished=False))[0].tool_kwargs == {}  # no value yet
    assert tool_selections(_tool_response("[1, 2", finished=False))[0].tool_kwargs == {}  # not an object
    (whole,) = tool_selections(_tool_response('{"query": "azure inference"}', finished=True))
    assert (whole.tool_id, whole.tool_name, whole.tool_kwargs) == ("c1", "search", {"query": "azure inference"})
    with pytest.raises(ValueError, match="not JSON"):
        tool_selections(_tool_response('{"query": "cut', finished=True))


def test_no_tool_call_raises_only_when_asked() -> None:
    response = ChatResponse(message=ChatMessage(role="assistant", content="plain"))
    assert tool_selections(response, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="expected at least one tool call"):
        tool_selections(response)


# -- metadata ----------------------------------------------------------------------------------------------------


def test_metadata_is_offline_and_overridable() -> None:
    seen = Recorder(b"{}")
    llm = mocked_llm(seen, model="gpt-4o-2024-08-06")
    meta = llm.metadata
    assert (meta.context_window, meta.num_output, meta.model_name) == (128_000, 16_384, "gpt-4o-2024-08-06")
    assert meta.is_chat_model
    assert meta.is_function_calling_model
    custom = mocked_llm(seen, model="Phi-4", context_window=9000, is_function_calling=True, max_tokens=100)
    assert (custom.metadata.context_window, custom.metadata.num_output) == (9000, 100)
    assert custom.metadata.is_function_calling_model
    unknown = mocked_llm(seen)
    assert unknown.metadata.model_name == "unknown"
    assert unknown.metadata.is_function_calling_model  # unknown models are assumed to call tools
    assert seen.requests == []  # no property touched the network
    llm.close()
    custom.close()
    unknown.close()


def test_known_model_table_covers_the_emulator_catalog() -> None:
    from azure_inference.emulator.catalog import DEFAULT_MODELS

    for spec in DEFAULT_MODELS:
        if "image-generation" in spec.types:
            continue
        caps = lookup_model(spec.name)
        assert caps is not None, spec.name
        assert caps.tools == spec.tools, spec.name
        assert caps.input_type == bool(spec.input_types), spec.name
        if "chat-completion" in spec.types:
            assert caps.context_window == spec.context_window, spec.name
            assert caps.json_schema == spec.json_schema, spec.name


# -- requests and streams through MockTransport ------------------------------------------------------------------

COMPLETION = {
    "id": "x",
    "created": 1,
    "model": "served-model",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}


@SYNC
async def test_model_kwargs_go_in_the_body_with_pass_through(sync: bool) -> None:
    rec = Recorder(json.dumps(COMPLETION).encode())
    llm = mocked_llm(rec, model_kwargs={"top_k": 5}, temperature=0.1)
    messages = [ChatMessage(role="user", content="hi")]
    response = llm.chat(messages, safe_mode=True) if sync else await llm.achat(messages, safe_mode=True)
    body = json.loads(rec.requests[0].content)
    assert (body["top_k"], body["safe_mode"], body["temperature"]) == (5, True, 0.1)
    assert rec.requests[0].headers["extra-parameters"] == "pass-through"
    assert response.additional_kwargs["total_tokens"] == 6
    assert llm.metadata.model_name == "served-model"  # learnt from the reply, not from a request of its own
    await llm.aclose()


TOOL_STREAM = sse(
    delta({"role": "assistant", "tool_calls": [{"id": "call_a", "function": {"name": "search", "arguments": ""}}]}),
    delta({"tool_calls": [{"function": {"arguments": '{"q": "az'}}]}),
    delta({"tool_calls": [{"function": {"arguments": 'ure"}'}}]}),
    delta({"tool_calls": [{"id": "call_b", "function": {"name": "clock", "arguments": "{}"}}]}),
    delta({}, finish="tool_calls", usage={"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}),
)


@SYNC
async def test_index_less_tool_call_deltas_are_folded_whole(sync: bool) -> None:
    llm = mocked_llm(Recorder(TOOL_STREAM, "text/event-stream"))
    messages = [ChatMessage(role="user", content="search azure and tell the time")]
    responses = list(llm.stream_chat(messages)) if sync else [r async for r in await llm.astream_chat(messages)]
    mid = [llm.get_tool_calls_from_response(r, error_on_no_tool_call=False) for r in responses[:-1]]
    assert mid[1][0].tool_kwargs == {"q": "az"}  # partial JSON: the cut-off string value so far
    assert [len(m) for m in mid] == [1, 1, 1, 2]
    final = llm.get_tool_calls_from_response(responses[-1])
    assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in final] == [
        ("call_a", "search", {"q": "azure"}),
        ("call_b", "clock", {}),
    ]
    assert responses[-1].additional_kwargs["completion_tokens"] == 4
    assert responses[-1].raw["usage"]["total_tokens"] == 13
    await llm.aclose()


THINK_STREAM = sse(
    delta({"role": "assistant", "content": "<thi"}),
    delta({"content": "nk>plan it</th"}),
    delta({"content": "ink>\n\nThe ans"}),
    delta({"content": "wer."}, finish="stop"),
)


@SYNC
async def test_think_tags_split_across_chunks(sync: bool) -> None:
    llm = mocked_llm(Recorder(THINK_STREAM, "text/event-stream"))
    messages = [ChatMessage(role="user", content="q")]
    responses = list(llm.stream_chat(messages)) if sync else [r async for r in await llm.astream_chat(messages)]
    assert "".join(r.delta or "" for r in responses) == "The answer."
    assert "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses) == "plan it"
    last = responses[-1].message
    assert last.content == "The answer."
    assert last.blocks[0].block_type == "thinking"
    raw = mocked_llm(Recorder(THINK_STREAM, "text/event-stream"), split_think_tags=False)
    assert list(raw.stream_chat(messages))[-1].message.content == "<think>plan it</think>\n\nThe answer."
    raw.close()
    await llm.aclose()


@SYNC
async def test_embedding_input_type_only_where_supported(sync: bool) -> None:
    answer = {
        "data": [{"index": 0, "embedding": [0.5, 0.25]}],
        "model": "m",
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    rec = Recorder(json.dumps(answer).encode())
    transport = httpx.MockTransport(rec)
    bodies = []
    for model in ("Cohere-embed-v3-english", "text-embedding-3-small"):
        embed = AzureInferenceEmbedding(
            endpoint=ENDPOINT,
            credential="k",
            model=model,
            encoding_format="float",
            http_client=httpx.Client(transport=transport),
            async_http_client=httpx.AsyncClient(transport=transport),
        )
        vector = embed.get_query_embedding("q") if sync else await embed.aget_query_embedding("q")
        assert vector == [0.5, 0.25]
        bodies.append(json.loads(rec.requests[-1].content))
        await embed.aclose()
    assert bodies[0]["input_type"] == "query"
    assert "input_type" not in bodies[1]


def test_metadata_names_the_profiles_model_before_any_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A profile name as deployment=: metadata must read the model from the profile, with no network call.
    profiles = tmp_path / "profiles.toml"
    profiles.write_text('[profiles.p]\nendpoint = "http://127.0.0.1:9/models"\nmodel = "Mistral-small"\n')
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(profiles))
    llm = AzureInference(deployment="p")
    assert llm.metadata.model_name == "Mistral-small"
    assert llm.metadata.context_window == 32_000


WHY_ANSWER = "<think>\nwhy\n</think>\n\nThe answer."
WHY_WHOLE = json.dumps(
    {
        "id": "c",
        "model": "m",
        "created": 1,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": WHY_ANSWER}}],
    }
).encode()
WHY_STREAM = sse(
    delta({"role": "assistant", "content": "<think>\n"}),
    delta({"content": "why\n"}),
    delta({"content": "</think>\n\nThe"}),
    delta({"content": " answer."}, finish="stop"),
)


@SYNC
async def test_streamed_reasoning_equals_the_non_streamed_reasoning(sync: bool) -> None:
    # The transport's streaming think split trims as the whole-text split does: the stream's ThinkingBlock is
    # "why", as the non-streamed answer's is (it used to stream "\nwhy\n").
    whole_llm = mocked_llm(Recorder(WHY_WHOLE))
    stream_llm = mocked_llm(Recorder(WHY_STREAM, "text/event-stream"))
    messages = [ChatMessage(role="user", content="q")]
    if sync:
        whole = whole_llm.chat(messages)
        responses = list(stream_llm.stream_chat(messages))
    else:
        whole = await whole_llm.achat(messages)
        responses = [r async for r in await stream_llm.astream_chat(messages)]
    whole_thinking = [b.content for b in whole.message.blocks if isinstance(b, ThinkingBlock)]
    last_thinking = [b.content for b in responses[-1].message.blocks if isinstance(b, ThinkingBlock)]
    assert whole_thinking == last_thinking == ["why"]
    assert "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses) == "why"
    assert responses[-1].message.content == whole.message.content == "The answer."
    for llm in (whole_llm, stream_llm):
        await llm.aclose()
