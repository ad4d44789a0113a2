"""AzureInferenceLLM (``/completions``): MockTransport wire checks and end-to-end runs on the emulator."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from azure_inference import AuthenticationError, ContentFilterError, UnsupportedParameterError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceLLM

ENDPOINT = "https://res.services.ai.azure.com/models"
MODEL = "gpt-35-turbo-instruct"


def completion(text: str, finish: str = "stop", tokens: tuple[int, int] = (3, 2)) -> dict[str, Any]:
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1], "total_tokens": sum(tokens)}
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1,
        "model": MODEL,
        "choices": [{"index": 0, "text": text, "finish_reason": finish}],
        "usage": usage,
    }


def sse(pieces: list[str], finish: str = "stop") -> httpx.Response:
    events = [{"id": "c", "model": MODEL, "choices": [{"index": 0, "text": p, "finish_reason": None}]} for p in pieces]
    events.append({"id": "c", "model": MODEL, "choices": [{"index": 0, "text": "", "finish_reason": finish}]})
    text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return httpx.Response(200, content=text.encode(), headers={"content-type": "text/event-stream"})


class Recorder:
    """Records request bodies; answers with a function of the body (so each prompt gets its own answer)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        result = self.answer(body)
        return result if isinstance(result, httpx.Response) else httpx.Response(200, json=result)


def make(rec: Recorder, sync: bool, **fields: Any) -> AzureInferenceLLM:
    transport = httpx.MockTransport(rec)
    return AzureInferenceLLM(
        endpoint=ENDPOINT,
        api_key="llm-secret-key",
        model=MODEL,
        max_retries=0,
        http_client=httpx.Client(transport=transport) if sync else None,
        http_async_client=None if sync else httpx.AsyncClient(transport=transport),
        **fields,
    )


async def run(llm: Any, sync: bool, method: str, *args: Any, **kwargs: Any) -> Any:
    if sync:
        return getattr(llm, method)(*args, **kwargs)
    return await getattr(llm, "a" + method)(*args, **kwargs)


async def stream(llm: AzureInferenceLLM, sync: bool, prompt: str, **kwargs: Any) -> list[str]:
    if sync:
        return list(llm.stream(prompt, **kwargs))
    return [c async for c in llm.astream(prompt, **kwargs)]


# -- unit (MockTransport) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_invoke_sends_params_and_reports_usage(sync: bool) -> None:
    rec = Recorder(lambda body: completion(f"echo:{body['prompt']}", tokens=(4, 6)))
    llm = make(rec, sync, temperature=0, seed=0, max_tokens=7, model_kwargs={"best_of": 2}, extra_parameters="drop")
    assert await run(llm, sync, "invoke", "hello", stop=["\n"]) == "echo:hello"
    body = rec.bodies[0]
    assert body["prompt"] == "hello"
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0, 0, 7)
    assert body["stop"] == ["\n"]
    assert body["best_of"] == 2
    assert body["model"] == MODEL
    result = await run(llm, sync, "generate", ["a", "bb"])
    assert [g[0].text for g in result.generations] == ["echo:a", "echo:bb"]
    assert [g[0].generation_info["finish_reason"] for g in result.generations] == ["stop", "stop"]
    assert result.llm_output["token_usage"] == {"prompt_tokens": 8, "completion_tokens": 12, "total_tokens": 20}
    assert result.llm_output["model_name"] == MODEL


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_yields_pieces_in_order_and_the_finish_reason(sync: bool) -> None:
    pieces = ["Once", " upon", " a", " time", ",", " there"]
    rec = Recorder(lambda body: sse(pieces, finish="length") if body.get("stream") else completion("".join(pieces)))
    llm = make(rec, sync)
    chunks: list[Any] = list(llm._stream("tell")) if sync else [c async for c in llm._astream("tell")]
    assert [c.text for c in chunks if c.text] == pieces
    assert chunks[-1].generation_info == {"finish_reason": "length"}
    streamed = await stream(llm, sync, "tell")
    assert "".join(streamed) == await run(llm, sync, "invoke", "tell")
    assert rec.bodies[0]["stream"] is True
    assert "stream" not in rec.bodies[-1]


@pytest.mark.parametrize("sync", [True, False])
async def test_batch_keeps_prompt_order(sync: bool) -> None:
    rec = Recorder(lambda body: completion(body["prompt"].upper()))
    llm = make(rec, sync)
    prompts = [f"p{i}" for i in range(6)]
    out = await run(llm, sync, "batch", prompts, config={"max_concurrency": 3})
    assert out == [p.upper() for p in prompts]
    assert sorted(b["prompt"] for b in rec.bodies) == prompts


@pytest.mark.parametrize("sync", [True, False])
async def test_errors_are_the_transports_typed_errors(sync: bool) -> None:
    answers = [
        httpx.Response(400, json={"error": {"code": "content_filter", "message": "filtered", "status": 400}}),
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
        httpx.Response(401, json={"error": {"code": "Unauthorized", "message": "bad key", "status": 401}}),
    ]
    rec = Recorder(lambda body: answers.pop(0))
    llm = make(rec, sync, seed=1)
    with pytest.raises(ContentFilterError):
        await run(llm, sync, "invoke", "x")
    with pytest.raises(UnsupportedParameterError) as info:
        await stream(llm, sync, "x")
    assert [p.name for p in info.value.params] == ["seed"]
    with pytest.raises(AuthenticationError) as auth:
        await run(llm, sync, "invoke", "x")
    assert "llm-secret-key" not in str(auth.value)


# -- end to end (emulator) ------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_invoke_stream_batch_and_usage(emu: EmulatorHandle, sync: bool) -> None:
    llm = AzureInferenceLLM(endpoint=emu.endpoint, model=MODEL, max_retries=0)
    try:
        whole = await run(llm, sync, "invoke", "Write one sentence about the sea.")
        streamed = await stream(llm, sync, "Write one sentence about the sea.")
        result = await run(llm, sync, "generate", ["Say hi.", "Write one sentence about the sea."])
        batch = await run(llm, sync, "batch", ["Say hi.", "Write one sentence about the sea."])
    finally:
        await llm.aclose()
    assert whole
    assert len([s for s in streamed if s]) > 1
    assert "".join(streamed) == whole
    assert result.generations[1][0].text == whole
    assert batch == [result.generations[0][0].text, whole]
    usage = result.llm_output["token_usage"]
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert result.llm_output["model_name"] == MODEL
    bodies = [r["body"] for r in emu.control.requests("/completions")]
    assert len(bodies) == 6
    assert {b["model"] for b in bodies} == {MODEL}


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_stop_and_max_tokens_set_the_finish_reason(emu: EmulatorHandle, sync: bool) -> None:
    llm = AzureInferenceLLM(endpoint=emu.endpoint, model=MODEL, max_retries=0)
    prompt = "Write one sentence about the sea."
    try:
        free = (await run(llm, sync, "generate", [prompt])).generations[0][0]
        words = free.text.split()
        assert len(words) > 4, free.text
        stop_word = words[3]
        stopped = (await run(llm, sync, "generate", [prompt], stop=[stop_word])).generations[0][0]
        short = (await run(llm, sync, "generate", [prompt], max_tokens=2)).generations[0][0]
        short_stream = await stream(llm, sync, prompt, max_tokens=2)
    finally:
        await llm.aclose()
    assert free.generation_info["finish_reason"] == "stop"
    assert stopped.text == free.text[: free.text.find(stop_word)]
    assert stopped.generation_info["finish_reason"] == "stop"
    assert short.generation_info["finish_reason"] == "length"
    assert len(short.text) < len(free.text)
    assert free.text.startswith(short.text)
    assert "".join(short_stream) == short.text
    sent = [r["body"] for r in emu.control.requests("/completions")]
    assert sent[1]["stop"] == [stop_word]
    assert sent[2]["max_tokens"] == 2


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_errors_are_typed(emu: EmulatorHandle, sync: bool) -> None:
    emu.control.set_blocklists(prompt=["forbidden-word"])
    llm = AzureInferenceLLM(endpoint=emu.endpoint, model=MODEL, max_retries=0)
    try:
        with pytest.raises(ContentFilterError):
            await run(llm, sync, "invoke", "say forbidden-word")
        with pytest.raises(ContentFilterError):
            await stream(llm, sync, "say forbidden-word")
    finally:
        await llm.aclose()
