"""The issue's own words for copies (issue 18): ``copy.deepcopy(chain)`` and another process (multiprocessing,
as Ray does) work, and the key stays a ``SecretStr`` on the other side. The adapters' copy mechanics are
tested in ``test_copies.py``; this checks the uses the issue names, end to end."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import pytest
from langchain_core.prompts import ChatPromptTemplate
from pydantic import SecretStr

from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import ChatAzureInference
from tests.conftest import KEYED_EMULATOR_KEY

pytestmark = pytest.mark.e2e


def _answer(blob: bytes) -> tuple[str, bool]:
    """Run in a spawned process: unpickle the model and call the emulator with it."""
    llm = pickle.loads(blob)
    return str(llm.invoke("Hello there").content), isinstance(llm.api_key, SecretStr)


async def test_deepcopy_of_a_chain_calls_the_emulator(keyed_emulator: EmulatorHandle) -> None:
    llm = ChatAzureInference(endpoint=keyed_emulator.endpoint, api_key=KEYED_EMULATOR_KEY, model="gpt-4o-mini")
    chain = ChatPromptTemplate.from_messages([("user", "{question}")]) | llm
    twin = copy.deepcopy(chain)
    original_answer = chain.invoke({"question": "Hello there"}).content
    assert twin.invoke({"question": "Hello there"}).content == original_answer
    assert isinstance(twin.last.api_key, SecretStr)  # type: ignore[attr-defined]
    await llm.aclose()
    await twin.last.aclose()  # type: ignore[attr-defined]


def test_a_pickled_model_works_in_another_process(keyed_emulator: EmulatorHandle) -> None:
    llm = ChatAzureInference(endpoint=keyed_emulator.endpoint, api_key=KEYED_EMULATOR_KEY, model="gpt-4o-mini")
    expected = str(llm.invoke("Hello there").content)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        answer, secret = pool.apply(_answer, (pickle.dumps(llm),))
    assert (answer, secret) == (expected, True)
    llm.close()
