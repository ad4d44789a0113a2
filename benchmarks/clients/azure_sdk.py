"""The official SDK, ``azure-ai-inference`` (sync clients and the ``aio`` ones)."""

from __future__ import annotations

from typing import Any

from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient
from azure.core.credentials import AzureKeyCredential

from . import KEY, MAX_TOKENS, MODEL, AsyncHarness, Harness
from . import MESSAGES as _MESSAGES

MESSAGES: Any = _MESSAGES  # the SDK accepts plain dicts at run time; its annotations name its models


def sync_chat(server: str) -> Harness:
    """``ChatCompletionsClient.complete``."""
    client = ChatCompletionsClient(endpoint=server + "/models", credential=AzureKeyCredential(KEY))

    def run() -> Any:
        return client.complete(messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS).choices[0].message.content

    return Harness(run, client.close)


def async_chat(server: str) -> AsyncHarness:
    """``azure.ai.inference.aio.ChatCompletionsClient.complete``."""
    from azure.ai.inference.aio import ChatCompletionsClient as AsyncChatCompletionsClient

    client = AsyncChatCompletionsClient(endpoint=server + "/models", credential=AzureKeyCredential(KEY))

    async def run() -> Any:
        result = await client.complete(messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS)
        return result.choices[0].message.content

    return AsyncHarness(run, client.close)


def stream(server: str) -> Harness:
    """``complete(stream=True)`` and iterate the updates."""
    client = ChatCompletionsClient(endpoint=server + "/models", credential=AzureKeyCredential(KEY))

    def run() -> int:
        deltas = 0
        for update in client.complete(messages=MESSAGES, model=MODEL, max_tokens=MAX_TOKENS, stream=True):
            if update.choices and update.choices[0].delta.content:
                deltas += 1
        return deltas

    return Harness(run, client.close)


def embed(server: str) -> Harness:
    """``EmbeddingsClient.embed``: one request with every text (the SDK has no batching of its own)."""
    client = EmbeddingsClient(endpoint=server + "/models", credential=AzureKeyCredential(KEY))

    def run(texts: list[str]) -> list[Any]:
        return [item.embedding for item in client.embed(input=texts, model=MODEL).data]

    return Harness(run, client.close)
