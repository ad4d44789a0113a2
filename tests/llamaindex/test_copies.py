"""Pickled and deep-copied LlamaIndex adapters rebuild their clients and still reach the (keyed) emulator."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding
from tests.conftest import KEYED_EMULATOR_KEY

COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
}
ADAPTERS: dict[str, tuple[type[Any], str, Callable[[Any], Any]]] = {
    "llm": (AzureInference, "gpt-4o-mini", lambda m: m.complete("Hello").text),
    "embedding": (AzureInferenceEmbedding, "text-embedding-3-small", lambda m: m.get_query_embedding("hello")),
}


@pytest.mark.e2e
@pytest.mark.parametrize("how", list(COPIES))
@pytest.mark.parametrize("kind", list(ADAPTERS))
async def test_a_copy_calls_the_emulator_and_never_shows_the_key(
    keyed_emulator: EmulatorHandle, kind: str, how: str
) -> None:
    cls, model, call = ADAPTERS[kind]
    original = cls(endpoint=keyed_emulator.endpoint, credential=KEYED_EMULATOR_KEY, model=model, max_retries=0)
    assert call(original)  # the original's clients exist now: the copy must not share or carry them
    twin = COPIES[how](original)
    assert twin._clients is not original._clients
    assert twin._clients.built == (False, False)
    assert call(twin) == call(original)  # the emulator is deterministic: the same answer, with the same key
    for text in (repr(twin), str(twin), repr(twin.__getstate__())):
        assert KEYED_EMULATOR_KEY not in text
    for obj in (original, twin):
        await obj.aclose()


def test_a_deep_copy_shares_the_callers_http_clients_and_a_pickle_leaves_them_out_saying_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        message = {"role": "assistant", "content": "hi"}
        return httpx.Response(
            200, json={"id": "r", "choices": [{"index": 0, "finish_reason": "stop", "message": message}]}
        )

    http = httpx.Client(transport=httpx.MockTransport(reply))
    original = AzureInference(
        endpoint="https://res.services.ai.azure.com/models", credential="k", model="m", http_client=http
    )
    twin = copy.deepcopy(original)
    assert twin.http_client is http  # the caller's pool is theirs: shared, not copied
    assert twin._clients is not original._clients
    twin._clients.client.chat([{"role": "user", "content": "Hi"}])
    assert sent[-1].headers["api-key"] == "k"
    # LlamaIndex's rule for what cannot be pickled: left out, with a warning; the copy builds its own client.
    revived = pickle.loads(pickle.dumps(original))
    assert "Removing unpickleable attribute http_client" in caplog.text
    assert revived.http_client is None
    assert revived._clients.built == (False, False)
    twin.close()
    http.close()
