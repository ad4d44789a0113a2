"""ChatAzureInference against ``httpx.MockTransport``: what goes on the wire and what comes back."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from azure_inference import ContentFilterError, UnsupportedParameterError
from langchain_azure_inference import ChatAzureInference

ENDPOINT = "https://res.services.ai.azure.com/models"


def reply(content: str = "hi", **message: Any) -> dict[str, Any]:
    return {
        "id": "r1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content, **message}}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Recorder:
    """A MockTransport handler that records bodies and headers and answers from a queue."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        self.headers.append(request.headers)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


def make(recorder: Recorder, sync: bool, **fields: Any) -> ChatAzureInference:
    transport = httpx.MockTransport(recorder)
    client = httpx.Client(transport=transport) if sync else None
    aclient = None if sync else httpx.AsyncClient(transport=transport)
    return ChatAzureInference(
        endpoint=ENDPOINT,
        api_key="secret-key-123",
        model="gpt-4o-mini",
        http_client=client,
        http_async_client=aclient,
        max_retries=0,
        **fields,
    )


async def call(llm: Any, sync: bool, method: str, *args: Any, **kwargs: Any) -> Any:
    if sync:
        return getattr(llm, method)(*args, **kwargs)
    return await getattr(llm, "a" + method)(*args, **kwargs)


@pytest.mark.parametrize("sync", [True, False])
async def test_falsy_sent_none_not_and_extra_parameters(sync: bool) -> None:
    rec = Recorder(httpx.Response(200, json=reply()))
    llm = make(
        rec,
        sync,
        temperature=0,
        seed=0,
        top_p=None,
        stop=[],
        model_kwargs={"top_k": 5},
        extra_parameters="pass-through",
    )
    msg = await call(llm, sync, "invoke", "hello")
    body = rec.bodies[0]
    assert body["temperature"] == 0
    assert body["seed"] == 0
    assert "top_p" not in body
    assert "stop" not in body
    assert body["top_k"] == 5
    assert body["model"] == "gpt-4o-mini"
    assert rec.headers[0]["extra-parameters"] == "pass-through"
    assert msg.content == "hi"
    assert msg.usage_metadata["total_tokens"] == 2
    assert "secret-key-123" not in repr(llm)
    assert "secret-key-123" not in str(llm.get_deployment())


@pytest.mark.parametrize("sync", [True, False])
async def test_bind_tools_forms(sync: bool) -> None:
    class GetWeather(BaseModel):
        """Weather for a city."""

        city: str

    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    rec = Recorder(httpx.Response(200, json=reply()))
    llm = make(rec, sync)
    await call(llm.bind_tools([GetWeather, add], tool_choice="any", parallel_tool_calls=False), sync, "invoke", "x")
    await call(llm.bind_tools([add], tool_choice="add", strict=True), sync, "invoke", "x")
    await call(
        llm.bind_tools([{"type": "function", "function": {"name": "f", "parameters": {}}}], tool_choice=True),
        sync,
        "invoke",
        "x",
    )
    first, second, third = rec.bodies
    assert [t["function"]["name"] for t in first["tools"]] == ["GetWeather", "add"]
    assert first["tool_choice"] == "required"
    assert first["parallel_tool_calls"] is False
    assert second["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert second["tools"][0]["function"]["strict"] is True
    assert third["tool_choice"] == {"type": "function", "function": {"name": "f"}}


class Person(BaseModel):
    """A person."""

    name: str
    age: int


@pytest.mark.parametrize("sync", [True, False])
async def test_structured_output_methods_on_the_wire(sync: bool) -> None:
    rec = Recorder(
        httpx.Response(200, json=reply('{"name": "Ann", "age": 3}')),
        httpx.Response(
            200,
            json=reply(
                "",
                tool_calls=[
                    {
                        "id": "c",
                        "type": "function",
                        "function": {"name": "Person", "arguments": '{"name": "Bo", "age": 4}'},
                    }
                ],
            ),
        ),
        httpx.Response(200, json=reply('{"name": "Cy", "age": 5}')),
        httpx.Response(200, json=reply("not json")),
    )
    llm = make(rec, sync)
    assert await call(llm.with_structured_output(Person), sync, "invoke", "x") == Person(name="Ann", age=3)
    fc = llm.with_structured_output(Person, method="function_calling")
    assert await call(fc, sync, "invoke", "x") == Person(name="Bo", age=4)
    jm = llm.with_structured_output(None, method="json_mode")
    assert await call(jm, sync, "invoke", "x") == {"name": "Cy", "age": 5}
    raw = await call(llm.with_structured_output(Person, include_raw=True), sync, "invoke", "x")
    assert raw["parsed"] is None
    assert raw["parsing_error"] is not None
    assert raw["raw"].content == "not json"
    assert rec.bodies[0]["response_format"]["type"] == "json_schema"
    assert rec.bodies[0]["response_format"]["json_schema"]["name"] == "Person"
    assert rec.bodies[1]["tool_choice"]["function"]["name"] == "Person"
    assert rec.bodies[2]["response_format"] == {"type": "json_object"}


def test_default_structured_method_follows_the_profile() -> None:
    rec = Recorder(httpx.Response(200, json=reply()))
    assert make(rec, True)._default_structured_method() == "json_schema"
    mistral = ChatAzureInference(endpoint=ENDPOINT, api_key="k", model="Mistral-large-2411")
    assert mistral.profile is not None
    assert mistral.profile["tool_calling"] is True
    assert mistral._default_structured_method() == "function_calling"
    custom = ChatAzureInference(endpoint=ENDPOINT, api_key="k", model="my-ft", profile={"structured_output": True})
    assert custom._default_structured_method() == "json_schema"


@pytest.mark.parametrize("sync", [True, False])
async def test_typed_errors_and_fallbacks(sync: bool) -> None:
    rec = Recorder(
        httpx.Response(
            422,
            json={
                "error": {
                    "code": "parameter_not_supported",
                    "message": "no seed",
                    "status": 422,
                    "detail": {"loc": ["body", "seed"], "input": 1},
                }
            },
        ),
        httpx.Response(400, json={"error": {"code": "content_filter", "message": "filtered", "status": 400}}),
        httpx.Response(200, json=reply("from fallback")),
    )
    llm = make(rec, sync, seed=1)
    with pytest.raises(UnsupportedParameterError) as info:
        await call(llm, sync, "invoke", "x")
    assert [p.name for p in info.value.params] == ["seed"]
    backup = make(rec, sync)
    chain = llm.with_fallbacks([backup], exceptions_to_handle=(ContentFilterError,))
    assert (await call(chain, sync, "invoke", "x")).content == "from fallback"


@pytest.mark.parametrize("sync", [True, False])
async def test_with_retry_retries_typed_errors(sync: bool) -> None:
    rec = Recorder(
        httpx.Response(400, json={"error": {"code": "content_filter", "message": "filtered", "status": 400}}),
        httpx.Response(200, json=reply("second time")),
    )
    llm = make(rec, sync).with_retry(
        retry_if_exception_type=(ContentFilterError,), stop_after_attempt=2, wait_exponential_jitter=False
    )
    assert (await call(llm, sync, "invoke", "x")).content == "second time"
    assert len(rec.bodies) == 2


def sse(*events: dict[str, Any]) -> httpx.Response:
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_usage_switch(sync: bool) -> None:
    events = (
        {"id": "s", "model": "m", "choices": [{"index": 0, "delta": {"content": "a"}}]},
        {
            "id": "s",
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        },
    )
    rec = Recorder(sse(*events))
    llm = make(rec, sync, stream_usage=False)
    chunks: list[Any] = []
    chunks = list(llm.stream("x")) if sync else [c async for c in llm.astream("x")]
    assert all(c.usage_metadata is None for c in chunks)
    assert "".join(c.content for c in chunks) == "a"
    assert chunks[-1].response_metadata["finish_reason"] == "stop"


def test_profile_and_ls_params_need_no_network() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    llm = ChatAzureInference(
        endpoint=ENDPOINT,
        api_key="k",
        model="gpt-4o-mini-2024-07-18",
        http_client=httpx.Client(transport=httpx.MockTransport(boom)),
    )
    assert llm.profile is not None
    assert llm.profile["max_input_tokens"] == 128_000
    assert llm._get_ls_params()["ls_provider"] == "azure_inference"


def test_import_is_light() -> None:
    code = (
        "import time, langchain_core.language_models, langchain_core.messages;"
        "t = time.perf_counter(); import langchain_azure_inference;"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 0.1
