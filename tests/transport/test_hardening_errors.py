"""Issue 12, crashes that must be typed errors, and bounds; issue 18, the "Fix:" hints. Sync and async in one
body, over ``httpx.MockTransport`` and over a fake sender (``make``)."""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from azure_inference import (
    APIStatusError,
    BadRequestError,
    ConfigurationError,
    Deployment,
    InferenceClient,
    InvalidRequestError,
    ResponseValidationError,
    ServerError,
    StreamError,
    UnsupportedParameterError,
)
from azure_inference.sse import SSEDecoder

from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, chunk, collect, resolve, sse

MSGS = [{"role": "user", "content": "Hi"}]
DEEP = "[" * 1000 + "]" * 1000


@pytest.mark.parametrize(
    "date",
    ["Fri, 31 Dec 9999 23:59:59 +9999", "Mon, 01 Jan 99999999999 00:00:00 GMT", "Sat, 01 Jan 0001 00:00:00 -2359"],
)
async def test_overflowing_retry_after_dates_still_retry(make: Factory, date: str) -> None:
    for sync in (True, False):
        for stream in (False, True):
            body = sse(chunk("a", finish="stop")) if stream else json.dumps(chat_body()).encode()
            server = Server(httpx.Response(503, headers={"retry-after": date}), httpx.Response(200, content=body))
            client = make(sync, server)
            if stream:
                await collect(await resolve(client.stream_chat(MSGS)))
            else:
                await resolve(client.chat(MSGS))
            assert len(server.requests) == 2
    assert all(d <= 60 for d in make.sleeps.delays)


async def test_deeply_nested_error_body_is_typed_and_retried(make: Factory) -> None:
    for sync in (True, False):
        server = Server(httpx.Response(503, content=DEEP.encode()), httpx.Response(200, json=chat_body()))
        client = make(sync, server)
        assert (await resolve(client.chat(MSGS))).content == "Hello!"
        assert len(server.requests) == 2
        server = Server(httpx.Response(400, content=DEEP.encode()))
        with pytest.raises(BadRequestError):
            await resolve(make(sync, server).chat(MSGS))


async def test_deeply_nested_sse_error_event_is_a_stream_error(make: Factory) -> None:
    event = '{"error": {"code": "x", "message": ' + DEEP + "}}"
    body = sse(chunk("a"), done=False) + f"event: error\ndata: {event}\n\n".encode()
    for sync in (True, False):
        server = Server(httpx.Response(200, content=body))
        stream = await resolve(make(sync, server).stream_chat(MSGS))
        with pytest.raises(StreamError):
            await collect(stream)


def test_deeply_nested_tool_call_arguments_give_no_recursion_error() -> None:
    from azure_inference.partial_json import parse_partial_json_object

    assert parse_partial_json_object('{"a": ' + DEEP + "}") == {}
    assert parse_partial_json_object('{"a": ' + "[" * 1000) == {}


def test_sse_retry_field_with_thousands_of_digits_is_ignored() -> None:
    events = SSEDecoder().feed(b"retry: " + b"9" * 4301 + b"\ndata: x\n\n")
    assert [e.data for e in events] == ["x"]
    assert events[0].retry is None


def test_sse_decoder_is_linear_and_bounds_the_line() -> None:
    # 50 MB in 64 KiB pieces: rejected at the bound, fast (the old decoder took minutes, quadratic).
    decoder = SSEDecoder()
    piece = b"a" * 65536
    started = time.perf_counter()

    def feed_50_mb() -> None:
        decoder.feed(b"data: ")
        for _ in range(800):
            decoder.feed(piece)

    with pytest.raises(ValueError, match="longer than"):
        feed_50_mb()
    assert time.perf_counter() - started < 5
    # A long but allowed line cut into many pieces comes out whole.
    ok = SSEDecoder()
    out = []
    for i in range(0, 2_000_000, 1000):
        out += ok.feed(b"data: " if i == 0 else b"b" * 1000)
    out += ok.feed(b"\n\n")
    assert len(out) == 1
    assert len(out[0].raw) == 1999 * 1000


async def test_huge_sse_line_is_a_stream_error(make: Factory) -> None:
    body = b"data: " + b"x" * (17 * 1024 * 1024)
    for sync in (True, False):
        stream = await resolve(make(sync, Server(httpx.Response(200, content=body))).stream_chat(MSGS))
        with pytest.raises(StreamError, match="longer than"):
            await collect(stream)


@pytest.mark.parametrize("choices", [None, []])
async def test_response_without_choices_is_a_validation_error(make: Factory, choices: Any) -> None:
    body = chat_body()
    if choices is None:
        del body["choices"]
    else:
        body["choices"] = choices
    for sync in (True, False):
        with pytest.raises(ResponseValidationError, match="no choices"):
            await resolve(make(sync, Server(httpx.Response(200, json=body))).chat(MSGS))


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", "bad\ud800", "caf\u00e9\u201d"])
async def test_bad_header_values_are_refused_before_sending(make: Factory, value: str) -> None:
    for sync in (True, False):
        server = Server()
        client = make(sync, server)
        with pytest.raises(InvalidRequestError, match="header 'X-Trace'"):
            await resolve(client.chat(MSGS, headers={"X-Trace": value}))
        assert server.requests == []
    with pytest.raises(ConfigurationError, match="header 'X-Trace'"):
        Deployment(endpoint=ENDPOINT, credential=KEY, headers={"X-Trace": value})


def test_use_after_close_is_a_typed_error_and_not_retried() -> None:
    server = Server()
    client = InferenceClient(endpoint=ENDPOINT, credential=KEY, sleep=lambda s: None)
    client.close()
    with pytest.raises(InvalidRequestError, match="closed"):
        client.chat(MSGS)
    http = httpx.Client(transport=httpx.MockTransport(server))
    injected = InferenceClient(http_client=http, endpoint=ENDPOINT, credential=KEY)
    http.close()
    with pytest.raises(InvalidRequestError, match="closed"):
        injected.chat(MSGS)
    assert server.requests == []


def test_local_protocol_error_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.LocalProtocolError("cannot send this request")

    sleeps: list[float] = []
    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as http,
        InferenceClient(http_client=http, endpoint=ENDPOINT, credential=KEY, sleep=sleeps.append) as client,
        pytest.raises(InvalidRequestError),
    ):
        client.chat(MSGS)
    assert calls == 1
    assert sleeps == []


def _embeddings(*items: tuple[int, list[float]]) -> httpx.Response:
    data = [{"object": "embedding", "index": i, "embedding": v} for i, v in items]
    return httpx.Response(200, content=json.dumps({"object": "list", "data": data}, allow_nan=True).encode())


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (_embeddings((0, [1.0, 2.0]), (0, [1.0, 2.0])), "repeated"),
        (_embeddings((0, [1.0, 2.0]), (5, [1.0, 2.0])), "outside"),
        (_embeddings((0, [1.0, 2.0]), (-1, [1.0, 2.0])), "outside"),
        (_embeddings((0, [1.0, 2.0]), (1, [1.0, 2.0, 3.0])), "dimensions"),
        (_embeddings((0, [1.0, float("nan")]), (1, [1.0, 2.0])), "NaN"),
        (_embeddings((0, [1.0, 2.0]), (1, [float("inf"), 2.0])), "NaN"),
    ],
)
async def test_inconsistent_embeddings_are_refused(make: Factory, reply: httpx.Response, match: str) -> None:
    for sync in (True, False):
        client = make(sync, Server(reply))
        with pytest.raises(ResponseValidationError, match=match):
            await resolve(client.embed(["a", "b"], encoding_format="float"))


@pytest.mark.parametrize(
    ("method", "typo", "closest"),
    [("chat", "temprature", "temperature"), ("chat", "max_token", "max_tokens"), ("embed", "dimension", "dimensions")],
)
async def test_unknown_keyword_names_the_closest_parameter(make: Factory, method: str, typo: str, closest: str) -> None:
    for sync in (True, False):
        server = Server()
        client = make(sync, server)
        arg: Any = MSGS if method == "chat" else ["a"]
        with pytest.raises(InvalidRequestError, match=f"did you mean '{closest}'.*extra_body"):
            await resolve(getattr(client, method)(arg, **{typo: 1}))
        assert server.requests == []
        # Deliberate extras travel in extra_body.
        await resolve(getattr(client, method)(arg, extra_body={typo: 1}))
        assert server.body()[typo] == 1


async def test_unknown_keyword_to_complete_is_refused(make: Factory) -> None:
    body = {"id": "c", "object": "text_completion", "created": 1, "model": "m", "choices": []}
    for sync in (True, False):
        client = make(sync, Server(httpx.Response(200, json=body)))
        with pytest.raises(InvalidRequestError, match="'temperature'"):
            await resolve(client.complete("Hi", temperatur=0.1))


def _refused(*names: str) -> httpx.Response:
    detail = [{"loc": ["body", n], "input": 1, "msg": "not supported"} for n in names]
    return httpx.Response(422, json={"error": {"code": "unsupported_parameter", "message": "no", "detail": detail}})


async def test_422_fix_hint_does_not_suggest_drop_for_standard_parameters(make: Factory) -> None:
    for sync in (True, False):
        with pytest.raises(UnsupportedParameterError) as info:
            await resolve(make(sync, Server(_refused("max_tokens"))).chat(MSGS))
        assert "'max_tokens'" in str(info.value)
        assert "extra_parameters='drop' only drops parameters outside the API" in str(info.value)
        with pytest.raises(UnsupportedParameterError) as info:
            await resolve(make(sync, Server(_refused("my_vendor_knob"))).chat(MSGS, extra_body={"my_vendor_knob": 1}))
        assert "set extra_parameters='drop'" in str(info.value)


async def test_chat_to_an_embeddings_model_names_the_embeddings_class(make: Factory) -> None:
    # What the service answers (WIRE-V1 §6): 400 OperationNotSupported.
    message = (
        "The chatCompletion operation does not work with the specified model, text-embedding-3-small. Please "
        "choose different model and try again."
    )
    reply = httpx.Response(400, json={"error": {"code": "OperationNotSupported", "message": message}})
    for sync in (True, False):
        with pytest.raises(BadRequestError) as info:
            await resolve(make(sync, Server(reply)).chat(MSGS))
        assert "AzureInferenceEmbeddings" in str(info.value)
        assert "check the parameters" not in str(info.value)
        with pytest.raises(APIStatusError) as info:
            await resolve(make(sync, Server(reply)).embed(["a"]))
        assert "ChatAzureInference" in str(info.value)


async def test_success_body_over_max_response_bytes_is_refused(make: Factory) -> None:
    big = json.dumps(chat_body("x" * 300_000)).encode()
    for sync in (True, False):
        client = make(sync, Server(httpx.Response(200, content=big)), max_response_bytes=100_000)
        if make.via == "sender":
            pytest.skip("the fake sender reads whole bodies; the bound lives in the real senders")
        with pytest.raises(ResponseValidationError, match="max_response_bytes"):
            await resolve(client.chat(MSGS))


async def test_gzip_bomb_is_stopped_at_the_bound(make: Factory) -> None:
    if make.via == "sender":
        pytest.skip("decompression happens in the real senders")
    bomb = gzip.compress(b'{"id": "' + b"0" * 20_000_000 + b'"}')
    assert len(bomb) < 100_000
    for sync in (True, False):
        server = Server(lambda request: httpx.Response(200, content=bomb, headers={"content-encoding": "gzip"}))
        client = make(sync, server, max_response_bytes=1_000_000)
        with pytest.raises(ResponseValidationError, match="max_response_bytes"):
            await resolve(client.chat(MSGS))


async def test_error_body_is_read_only_in_part(make: Factory) -> None:
    if make.via == "sender":
        pytest.skip("the bound lives in the real senders")
    sent = 0
    head = b'{"error": {"code": "Boom", "message": "boom"}}'

    def pieces() -> Iterator[bytes]:
        nonlocal sent
        for i in range(100):  # 6.4 MB in all
            sent += 65536
            yield head if i == 0 else b" " * 65536

    async def apieces() -> AsyncIterator[bytes]:
        for piece in pieces():
            yield piece

    for sync in (True, False):
        sent = 0
        content = pieces() if sync else apieces()
        server = Server(lambda request, content=content: httpx.Response(500, content=content))
        client = make(sync, server, max_retries=0)
        with pytest.raises(ServerError, match="Boom: boom"):
            await resolve(client.chat(MSGS))
        assert sent <= 4 * 65536


async def test_stream_without_any_choice_is_a_stream_error(make: Factory) -> None:
    usage_only = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}
    for sync in (True, False):
        for body in (sse(), sse(usage_only)):
            stream = await resolve(make(sync, Server(httpx.Response(200, content=body))).stream_chat(MSGS))
            with pytest.raises(StreamError, match="without any choice"):
                await collect(stream)
