"""``llama-index-llms-azure-inference`` / ``llama-index-embeddings-azure-inference``."""

from __future__ import annotations

from typing import Any

from llama_index.embeddings.azure_inference import AzureAIEmbeddingsModel
from llama_index.llms.azure_inference import AzureAICompletionsModel

from . import KEY, MAX_TOKENS, MODEL, AsyncHarness, Harness
from ._frameworks import llamaindex_achat, llamaindex_chat, llamaindex_stream


def _llm(server: str) -> Any:
    return AzureAICompletionsModel(endpoint=server + "/models", credential=KEY, model_name=MODEL, max_tokens=MAX_TOKENS)


def sync_chat(server: str) -> Harness:
    """``AzureAICompletionsModel.chat``."""
    return llamaindex_chat(_llm(server))


def async_chat(server: str) -> AsyncHarness:
    """``AzureAICompletionsModel.achat``."""
    return llamaindex_achat(_llm(server))


def stream(server: str) -> Harness:
    """``AzureAICompletionsModel.stream_chat``."""
    return llamaindex_stream(_llm(server))


def embed(server: str) -> Harness:
    """``AzureAIEmbeddingsModel.get_text_embedding_batch`` with its default batch size."""
    model = AzureAIEmbeddingsModel(endpoint=server + "/models", credential=KEY, model_name=MODEL)
    return Harness(model.get_text_embedding_batch)
