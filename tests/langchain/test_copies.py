"""Pickled and deep-copied LangChain adapters rebuild their clients and still reach the (keyed) emulator."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, AzureInferenceLLM, ChatAzureInference
from tests.conftest import KEYED_EMULATOR_KEY

COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
}
ADAPTERS: dict[str, tuple[type[Any], str, Callable[[Any], Any]]] = {
    "chat": (ChatAzureInference, "gpt-4o-mini", lambda m: m.invoke("Hello").content),
    "llm": (AzureInferenceLLM, "gpt-35-turbo-instruct", lambda m: m.invoke("Once upon a time")),
    "embeddings": (AzureInferenceEmbeddings, "text-embedding-3-small", lambda m: m.embed_query("hello")),
}


@pytest.mark.e2e
@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("kind", list(ADAPTERS))
async def test_a_copy_calls_the_emulator_and_never_shows_the_key(
    keyed_emulator: EmulatorHandle, kind: str, how: str
) -> None:
    cls, model, call = ADAPTERS[kind]
    original = cls(endpoint=keyed_emulator.endpoint, api_key=KEYED_EMULATOR_KEY, model=model, max_retries=0)
    assert call(original)  # the original's clients exist now: the copy must not share or carry them
    twin = COPIES[how](original)
    assert twin._clients is not original._clients
    assert twin._clients.built == (False, False)
    assert call(twin) == call(original)  # the emulator is deterministic: the same answer, with the same key
    for text in (repr(twin), str(twin), repr(twin.__getstate__())):
        assert KEYED_EMULATOR_KEY not in text
    for obj in (original, twin):
        await obj.aclose()


def test_a_deep_copy_shares_the_callers_http_clients_and_pickling_them_says_what_to_do() -> None:
    sent: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        message = {"role": "assistant", "content": "hi"}
        return httpx.Response(
            200, json={"id": "r", "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}
        )

    http = httpx.Client(transport=httpx.MockTransport(reply))
    original = ChatAzureInference(
        endpoint="https://res.services.ai.azure.com/models", api_key="k", model="m", http_client=http
    )
    twin = copy.deepcopy(original)
    assert twin.http_client is http  # the caller's pool is theirs: shared, not copied
    assert twin._clients is not original._clients
    twin._clients.client.chat([{"role": "user", "content": "Hi"}])
    assert sent[-1].headers["api-key"] == "k"
    with pytest.raises(TypeError, match="build it without them where it must be pickled"):
        pickle.dumps(original)
    twin.close()
    http.close()
