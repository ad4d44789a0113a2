"""``get_num_tokens`` / ``get_num_tokens_from_messages`` without ``transformers`` (issue 18).

LangChain's default counts with a GPT-2 tokenizer from ``transformers``, so ``trim_messages(token_counter=llm)``
failed where it is missing. tiktoken's files come from llama-index-core's bundled cache (no download).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage, trim_messages

from azure_inference.tokens import count_messages, estimate_tokens
from langchain_azure_inference import AzureInferenceLLM, ChatAzureInference
from langchain_azure_inference._convert import messages_to_wire


def _bundled_cache() -> str | None:
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "_static" / "tiktoken_cache"
    return str(path) if path.is_dir() else None


CACHE = _bundled_cache()
if CACHE is not None:  # set at collection, before anything loads an encoding
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", CACHE)
try:
    import tiktoken
except ImportError:
    tiktoken = None
needs_files = pytest.mark.skipif(CACHE is None or tiktoken is None, reason="tiktoken or its local files missing")

ENDPOINT = "http://127.0.0.1:9/models"
TEXT = "Die Straßenbahnhaltestelle liegt gegenüber dem Rathaus; 東京都庁舎は新宿にあります。"
HISTORY = [
    SystemMessage("You answer in one sentence."),
    HumanMessage("Tell me about trams in Vienna. " * 10),
    AIMessage("Vienna has one of the largest tram networks in the world. " * 5),
    HumanMessage("And in Zurich?"),
]


@needs_files
@pytest.mark.parametrize(("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")])
def test_openai_models_count_exactly(model: str, encoding: str) -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, model=model)
    ids = tiktoken.get_encoding(encoding).encode(TEXT)
    assert llm.get_num_tokens(TEXT) == len(ids)
    assert llm.get_token_ids(TEXT) == ids
    text_llm = AzureInferenceLLM(endpoint=ENDPOINT, model=model)
    assert text_llm.get_num_tokens(TEXT) == len(ids)


def test_other_models_get_the_documented_estimate() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, model="Mistral-large-2411")
    assert llm.get_num_tokens(TEXT) == estimate_tokens(TEXT)
    with pytest.raises(ValueError, match=r"no exact tokenizer for model 'Mistral-large-2411'.*get_num_tokens\(\)"):
        llm.get_token_ids(TEXT)


@needs_files
def test_messages_are_counted_as_sent() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, model="gpt-4o")
    history = [*HISTORY, AIMessage("", tool_calls=[{"id": "c1", "name": "look", "args": {"x": 1}}])]
    history.append(ToolMessage("a cat", tool_call_id="c1"))
    assert llm.get_num_tokens_from_messages(history) == count_messages(messages_to_wire(history), "gpt-4o")
    with_tools = llm.get_num_tokens_from_messages(history, tools=[{"type": "function", "function": {"name": "look"}}])
    assert with_tools > llm.get_num_tokens_from_messages(history)


@pytest.mark.parametrize("model", ["gpt-4o", "Mistral-large-2411"])
def test_trim_messages_with_the_model_as_counter(model: str) -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, model=model)
    budget = llm.get_num_tokens_from_messages(HISTORY[-2:]) + 1
    trimmed = trim_messages(HISTORY, max_tokens=budget, token_counter=llm, strategy="last")
    assert trimmed == HISTORY[-2:]
    assert llm.get_num_tokens_from_messages(trimmed) <= budget


def test_a_custom_tokenizer_wins() -> None:
    llm = ChatAzureInference(endpoint=ENDPOINT, model="gpt-4o", custom_get_token_ids=lambda t: [1] * len(t.split()))
    assert llm.get_num_tokens("one two three") == 3
    assert llm.get_token_ids("one two") == [1, 1]
    assert llm.get_num_tokens_from_messages([HumanMessage("one two three")]) == 3 + 3 + 1 + 3


def test_no_transformers_and_no_tiktoken_needed() -> None:
    code = (
        "import sys; sys.modules['tiktoken'] = None; sys.modules['transformers'] = None\n"
        "from langchain_core.messages import HumanMessage, AIMessage, trim_messages\n"
        "from langchain_azure_inference import ChatAzureInference\n"
        "llm = ChatAzureInference(endpoint='http://127.0.0.1:9/models', model='gpt-4o')\n"
        "msgs = [HumanMessage('a' * 400), AIMessage('b' * 400), HumanMessage('hi')]\n"
        "print(llm.get_num_tokens('a' * 400), len(trim_messages(msgs, max_tokens=20, token_counter=llm)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["100", "1"]
