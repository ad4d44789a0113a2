"""``AzureInference.tokenizer`` / ``count_tokens``: the model's own counts in LlamaIndex's tokenizer contract.

tiktoken's files come from llama-index-core's bundled cache (no download).
"""

from __future__ import annotations

import os
from pathlib import Path

import llama_index.core
import pytest
import tiktoken
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.tools import FunctionTool

from azure_inference.tokens import count_messages, estimate_tokens
from llamaindex_azure_inference import AzureInference
from llamaindex_azure_inference._convert import to_wire_messages, to_wire_tools

CACHE = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(CACHE))  # at collection, before anything loads an encoding

ENDPOINT = "http://127.0.0.1:9/models"
TEXT = "Die Straßenbahnhaltestelle liegt gegenüber dem Rathaus; 東京都庁舎は新宿にあります。"


@pytest.mark.parametrize(("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-35-turbo", "cl100k_base")])
def test_openai_models_count_in_their_own_encoding(model: str, encoding: str) -> None:
    llm = AzureInference(endpoint=ENDPOINT, model=model)
    ids = tiktoken.get_encoding(encoding).encode(TEXT)
    assert llm.tokenizer(TEXT) == ids
    assert llm.count_tokens(TEXT) == len(ids)


def test_other_models_get_the_estimate_with_the_tokenizer_contract() -> None:
    llm = AzureInference(endpoint=ENDPOINT, model="Mistral-large-2411")
    assert llm.count_tokens(TEXT) == len(llm.tokenizer(TEXT)) == estimate_tokens(TEXT)


def test_message_counts_include_tools() -> None:
    def look(x: int) -> str:
        """Look at x."""
        return str(x)

    llm = AzureInference(endpoint=ENDPOINT, model="gpt-4o")
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content=TEXT)]
    tools = [FunctionTool.from_defaults(look)]
    assert llm.count_message_tokens(messages) == count_messages(to_wire_messages(messages), "gpt-4o")
    assert llm.count_message_tokens(messages, tools) == count_messages(
        to_wire_messages(messages), "gpt-4o", to_wire_tools(tools)
    )


def test_memory_trims_with_the_models_tokenizer() -> None:
    llm = AzureInference(endpoint=ENDPOINT, model="gpt-4o")
    memory = ChatMemoryBuffer.from_defaults(llm=llm, token_limit=30, tokenizer_fn=llm.tokenizer)
    for i in range(6):
        memory.put(ChatMessage(role="user", content=f"message number {i} with a few more words in it"))
    kept = memory.get()
    assert 0 < len(kept) < 6
    assert kept[-1].content == "message number 5 with a few more words in it"
