"""Pickled and deep-copied LangChain adapters rebuild their clients and still reach the (keyed) emulator."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, AzureInferenceLLM, ChatAzureInference
from tests.conftest import KEYED_EMULATOR_KEY

pytestmark = pytest.mark.e2e

COPIES: dict[str, Callable[[Any], Any]] = {
    "pickle": lambda obj: pickle.loads(pickle.dumps(obj)),
    "deepcopy": copy.deepcopy,
}
ADAPTERS: dict[str, tuple[type[Any], str, Callable[[Any], Any]]] = {
    "chat": (ChatAzureInference, "gpt-4o-mini", lambda m: m.invoke("Hello").content),
    "llm": (AzureInferenceLLM, "gpt-35-turbo-instruct", lambda m: m.invoke("Once upon a time")),
    "embeddings": (AzureInferenceEmbeddings, "text-embedding-3-small", lambda m: m.embed_query("hello")),
}


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
