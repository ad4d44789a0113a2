"""Our bare transport: ``azure_inference.InferenceClient`` / ``AsyncInferenceClient``."""

from __future__ import annotations

from typing import Any

from azure_inference import AsyncInferenceClient, InferenceClient

from . import KEY, MAX_TOKENS, MESSAGES, MODEL, AsyncHarness, Harness


def _kwargs(server: str) -> dict[str, Any]:
    return {"endpoint": server + "/models", "credential": KEY, "model": MODEL, "timeout": 120}


def sync_chat(server: str) -> Harness:
    """``InferenceClient.chat``."""
    client = InferenceClient(**_kwargs(server))

    def run() -> str | None:
        return client.chat(MESSAGES, max_tokens=MAX_TOKENS).content

    return Harness(run, client.close)


def async_chat(server: str) -> AsyncHarness:
    """``AsyncInferenceClient.chat`` (its default HTTP client rides on aiohttp)."""
    client = AsyncInferenceClient(**_kwargs(server))

    async def run() -> str | None:
        return (await client.chat(MESSAGES, max_tokens=MAX_TOKENS)).content

    return AsyncHarness(run, client.close)


def stream(server: str) -> Harness:
    """``InferenceClient.stream_chat``: typed chunks, folded by the stream's accumulator."""
    client = InferenceClient(**_kwargs(server))

    def run() -> int:
        deltas = 0
        with client.stream_chat(MESSAGES, max_tokens=MAX_TOKENS) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    deltas += 1
        return deltas

    return Harness(run, client.close)


def embed(server: str) -> Harness:
    """``InferenceClient.embed``: all texts in one request, base64 by default."""
    client = InferenceClient(**_kwargs(server))

    def run(texts: list[str]) -> list[Any]:
        return [item.embedding for item in client.embed(texts).data]

    return Harness(run, client.close)


def stream_responses(server: str) -> Harness:
    """``InferenceClient.stream_responses``: one ``ResponseDelta`` per event, folded by the stream's accumulator.

    Sent to the server's ``/v1`` (an OpenAI-compatible surface): the model-inference surface has no Responses API.
    """
    client = InferenceClient(endpoint=server + "/v1", credential=KEY, model=MODEL, timeout=120)

    def run() -> int:
        deltas = 0
        with client.stream_responses("Say hello.", max_output_tokens=MAX_TOKENS) as events:
            for delta in events:
                if delta.text:
                    deltas += 1
        return deltas

    return Harness(run, client.close)
