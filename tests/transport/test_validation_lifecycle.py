"""Request validation before sending (nothing reaches the transport), client lifecycle, and import weight."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import warnings
from typing import Any

import httpx
import pytest

from azure_inference import AsyncInferenceClient, InferenceClient, InvalidRequestError

from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, resolve

MSGS = [{"role": "user", "content": "Hi"}]
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}

BAD_CHATS: list[tuple[Any, dict[str, Any], str]] = [
    ([], {}, "messages is empty"),
    ("Hi", {}, "must be a list"),
    ([{"role": "wizard", "content": "x"}], {}, "unknown role 'wizard'"),
    ([{"role": "user", "content": b"bytes"}], {}, "decode it to str"),
    ([{"role": "user"}], {}, "has no content"),
    ([{"role": "tool", "content": "42"}], {}, "tool_call_id"),
    ([{"role": "user", "content": "\ud800 lone"}], {}, "not valid Unicode"),
    ([{"role": "user", "content": "x" * 101}], {"_max_prompt_chars": 100}, "over the limit of 100"),
    (MSGS, {"temperature": float("nan")}, "finite"),
    (MSGS, {"temperature": "hot"}, "must be a number"),
    (MSGS, {"max_tokens": -1}, ">= 0"),
    (MSGS, {"max_tokens": 1.5}, "integer"),
    (
        MSGS,
        {"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "dict"}}}]},
        "not a JSON Schema type",
    ),
    (MSGS, {"tools": [{"type": "function", "function": {"name": "f", "parameters": "object"}}]}, "JSON Schema object"),
    (MSGS, {"tools": [{"type": "function", "function": {"name": "has space"}}]}, "must match"),
    (MSGS, {"tools": [{"name": "f"}]}, "must look like"),
    (MSGS, {"tools": [TOOL], "tool_choice": "get_time"}, "neither 'auto'"),
    (MSGS, {"tool_choice": 3}, "tool_choice must be"),
    (MSGS, {"response_format": {"type": "xml"}}, "response_format must be"),
    (MSGS, {"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, "needs"),
    (MSGS, {"extra_body": {"x": float("inf")}}, "NaN and Infinity"),
    (MSGS, {"extra_body": {"x": object()}}, "not JSON-serialisable"),
]


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(("messages", "params", "needle"), BAD_CHATS)
async def test_bad_chat_requests_fail_before_sending(
    sync: bool, messages: Any, params: dict[str, Any], needle: str, make: Factory
) -> None:
    server = Server()
    params = dict(params)
    extra = {"max_prompt_chars": params.pop("_max_prompt_chars")} if "_max_prompt_chars" in params else {}
    client = make(sync, server, **extra)
    with pytest.raises(InvalidRequestError, match=needle):
        await resolve(client.chat(messages, **params))
    with pytest.raises(InvalidRequestError, match=needle):
        await resolve(client.stream_chat(messages, **params))
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda c: c.embed([]), "input is empty"),
        (lambda c: c.embed(["ok", ""]), "input 1 is an empty string"),
        (lambda c: c.embed([b"x"]), "not a string"),
        (lambda c: c.embed("x", dimensions=0), ">= 1"),
        (lambda c: c.embed("x", encoding_format="fp16"), "not one of"),
        (lambda c: c.embed("x", input_type="passage"), "not one of"),
        (lambda c: c.embed_images([]), "input is empty"),
        (lambda c: c.embed_images([b"not an image"]), "image format"),
        (lambda c: c.embed_images(["/no/such/file.png"]), "does not exist"),
        (lambda c: c.complete(b"x"), "bytes"),
        (lambda c: c.complete([1, 2]), "string or a list of strings"),
    ],
)
async def test_bad_other_requests_fail_before_sending(sync: bool, call: Any, needle: str, make: Factory) -> None:
    server = Server()
    with pytest.raises(InvalidRequestError, match=needle):
        await resolve(call(make(sync, server)))
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
async def test_tool_choice_by_name_and_pydantic_tools(sync: bool, make: Factory) -> None:
    from azure_inference.models import FunctionDefinition, ToolDefinition

    server = Server()
    tool = ToolDefinition(function=FunctionDefinition(name="get_weather", parameters={"type": "object"}))
    await resolve(make(sync, server).chat(MSGS, tools=[tool], tool_choice="get_weather", parallel_tool_calls=False))
    body = server.body()
    assert body["tools"] == [
        {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    ]
    assert body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert body["parallel_tool_calls"] is False
    assert server.last.headers["extra-parameters"] == "pass-through"  # parallel_tool_calls is not in the spec


# -- lifecycle ------------------------------------------------------------------------------------------------------


def test_sync_client_owns_what_it_creates_and_leaves_injected_open() -> None:
    with InferenceClient(endpoint=ENDPOINT, credential=KEY) as owned:
        http = owned._http
    assert http.is_closed
    injected = httpx.Client(transport=httpx.MockTransport(Server()))
    with InferenceClient(endpoint=ENDPOINT, credential=KEY, http_client=injected) as client:
        client.chat(MSGS)
    assert not injected.is_closed
    injected.close()


async def test_async_client_owns_what_it_creates_and_leaves_injected_open() -> None:
    injected = httpx.AsyncClient(transport=httpx.MockTransport(Server()))
    async with AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY, http_client=injected) as client:
        await client.chat(MSGS)
    assert not injected.is_closed
    await injected.aclose()
    async with AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY) as owned:
        assert owned._http is None  # nothing is built before the first request


def test_async_client_recreates_its_http_client_when_the_loop_changes() -> None:
    """Two ``asyncio.run`` calls on one client: the second gets a fresh HTTP client; nothing leaks."""
    from azure_inference.emulator import run_emulator_in_thread

    with run_emulator_in_thread() as emu, warnings.catch_warnings():
        warnings.simplefilter("error")
        client = AsyncInferenceClient(endpoint=emu.endpoint, model="gpt-4o-mini")
        seen = []

        async def call() -> str | None:
            result = await client.chat(MSGS)
            seen.append(client._http)
            return result.content

        assert asyncio.run(call())
        assert asyncio.run(call())
        assert seen[0] is not seen[1]
        assert seen[0].closed  # released when its loop shut down
        asyncio.run(client.close())
        assert client._http is None
        gc.collect()


def test_sync_client_without_close_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        server = Server(httpx.Response(200, json=chat_body()))
        with httpx.Client(transport=httpx.MockTransport(server)) as http:
            InferenceClient(endpoint=ENDPOINT, credential=KEY, http_client=http).chat(MSGS)
        gc.collect()


def test_import_is_light() -> None:
    """Importing azure_inference must not import aiohttp, azure-identity or the emulator."""
    code = (
        "import sys, azure_inference; "
        "print(sorted(m for m in ('aiohttp', 'httpx_aiohttp', 'azure.identity', 'starlette', 'uvicorn', "
        "'azure_inference.emulator') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
