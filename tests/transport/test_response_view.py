"""The library-neutral response view, and how aiohttp failures map to our typed errors (pure, no network)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from azure_inference import (
    APIConnectionError,
    APITimeoutError,
    AsyncInferenceClient,
    RateLimitError,
    ResponseValidationError,
    RouteNotSupportedError,
    StreamError,
)
from azure_inference._aiohttp import transport_error
from azure_inference._response import BodyReadError, ResponseView, as_view
from azure_inference.models.chat import ChatCompletions
from azure_inference.streaming import chat_parser

from .helpers import ENDPOINT, KEY

URL = ENDPOINT + "/chat/completions?api-version=2024-05-01-preview"
MSGS = [{"role": "user", "content": "Hi"}]


def aiohttp_headers(values: dict[str, str] | None = None) -> CIMultiDictProxy[str]:
    """Headers as an aiohttp response holds them."""
    return CIMultiDictProxy(CIMultiDict(values or {}))


def test_view_of_an_httpx_response() -> None:
    request = httpx.Request("POST", URL)
    response = httpx.Response(429, headers={"X-Request-ID": "rid-1"}, request=request)
    view = as_view(response)
    assert (view.status_code, view.method, view.url) == (429, "POST", URL)
    assert view.path == "/models/chat/completions"
    assert view.headers.get("x-request-id") == "rid-1"
    assert view.request_id == "rid-1"
    assert as_view(view) is view


@pytest.mark.parametrize("headers", [aiohttp_headers, httpx.Headers])
def test_status_error_from_a_view_reads_headers_case_insensitively(headers: Callable[[dict[str, str]], Any]) -> None:
    client = AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY)
    hdrs = headers({"Retry-After": "7", "APIM-Request-Id": "rid-2", "Content-Type": "application/json"})
    view = ResponseView(429, hdrs, "POST", URL)
    err = client._status_error(view, b'{"error": {"code": "RateLimit", "message": "slow down"}}')
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 7.0
    assert err.request_id == "rid-2"
    assert err.error_code == "RateLimit"


def test_404_on_info_from_a_view_is_route_not_supported() -> None:
    client = AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY)
    view = ResponseView(404, aiohttp_headers(), "GET", ENDPOINT + "/info?api-version=2024-05-01-preview")
    assert isinstance(client._status_error(view, b"{}"), RouteNotSupportedError)


def test_bad_body_from_a_view_names_the_request() -> None:
    client = AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY)
    view = ResponseView(200, aiohttp_headers({"Content-Type": "text/html"}), "POST", URL)
    with pytest.raises(ResponseValidationError) as info:
        client._parse(ChatCompletions, b"<html>login</html>", view)
    assert str(info.value).startswith("POST /models/chat/completions: the server returned HTML")
    assert info.value.status_code == 200


# -- aiohttp failures -> typed errors ---------------------------------------------------------------------------


def prepared(timeout: float = 2.0, connect: float = 0.3) -> object:
    client = AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY, timeout=timeout, connect_timeout=connect)
    return client._prepare_chat(MSGS, {}, stream=False)


@pytest.mark.parametrize(
    ("exc", "words"),
    [
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), "could not connect within 0.3s"),
        (aiohttp.SocketTimeoutError("Timeout on reading data from socket"), "timed out after 2s (SocketTimeoutError)"),
        (asyncio.TimeoutError(), "timed out after 2s"),
    ],
)
def test_aiohttp_timeouts_are_api_timeout_errors(exc: BaseException, words: str) -> None:
    err = transport_error(exc, prepared())  # type: ignore[arg-type]
    assert isinstance(err, APITimeoutError)
    assert words in str(err)
    assert str(err).startswith("POST https://res.services.ai.azure.com/models/chat/completions ")
    assert "api-version" not in str(err)


@pytest.mark.parametrize(
    "exc",
    [
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientPayloadError("Response payload is not completed"),
        aiohttp.ClientConnectionResetError("Cannot write to closing transport"),
    ],
)
def test_aiohttp_drops_are_connection_errors_not_timeouts(exc: BaseException) -> None:
    err = transport_error(exc, prepared())  # type: ignore[arg-type]
    assert type(err) is APIConnectionError
    assert "failed before a response" in str(err)
    assert type(exc).__name__ in str(err)


def test_mid_stream_failures_split_into_stall_and_break() -> None:
    stalled = chat_parser()
    err = stalled.broken(aiohttp.SocketTimeoutError(), timed_out=True)
    assert isinstance(err, APITimeoutError)
    assert "stalled past the read timeout (after 0 chunks)" in str(err)
    broken = chat_parser()
    broken.feed(b'data: {"choices": [{"index": 0, "delta": {"content": "Hi"}}]}\n\n')
    cause = aiohttp.ClientPayloadError("Response payload is not completed")
    read_error = BodyReadError(cause, timed_out=False)
    assert read_error.cause is cause
    assert "ClientPayloadError" in str(read_error)
    err = broken.broken(read_error.cause, timed_out=read_error.timed_out)
    assert isinstance(err, StreamError)
    assert (err.chunks_received, err.content_received) == (1, "Hi")
    assert "broke mid-stream (ClientPayloadError" in str(err)


def test_an_injected_httpx_client_never_imports_aiohttp() -> None:
    """aiohttp is imported only when the client makes its own session."""
    code = """
import asyncio, sys, httpx
from azure_inference import AsyncInferenceClient

def reply(request):
    return httpx.Response(200, json={"id": "1", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "ok"}}]})

async def main():
    async with httpx.AsyncClient(transport=httpx.MockTransport(reply)) as http:
        client = AsyncInferenceClient(endpoint="https://x.services.ai.azure.com/models", credential="k",
                                      http_client=http)
        print((await client.chat([{"role": "user", "content": "hi"}])).content)
        await client.close()

asyncio.run(main())
print("aiohttp" in sys.modules, "yarl" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["ok", "False", "False"]
