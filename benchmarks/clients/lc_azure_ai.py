"""``langchain-azure-ai``: ``AzureAIChatCompletionsModel`` and its inference-based ``AzureAIEmbeddingsModel``."""

from __future__ import annotations

import warnings
from typing import Any

from . import KEY, MAX_TOKENS, MODEL, AsyncHarness, Harness
from ._frameworks import langchain_achat, langchain_chat, langchain_stream

with warnings.catch_warnings():  # the class is deprecated upstream; it is still what many users run
    warnings.simplefilter("ignore")
    from langchain_azure_ai.chat_models.inference import AzureAIChatCompletionsModel
    from langchain_azure_ai.embeddings.inference import AzureAIEmbeddingsModel


def _chat(server: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AzureAIChatCompletionsModel(
            endpoint=server + "/models", credential=KEY, model=MODEL, max_tokens=MAX_TOKENS
        )


def sync_chat(server: str) -> Harness:
    """``AzureAIChatCompletionsModel.invoke``."""
    return langchain_chat(_chat(server))


def async_chat(server: str) -> AsyncHarness:
    """``AzureAIChatCompletionsModel.ainvoke``."""
    return langchain_achat(_chat(server))


def stream(server: str) -> Harness:
    """``AzureAIChatCompletionsModel.stream``."""
    return langchain_stream(_chat(server))


def embed(server: str) -> Harness:
    """``AzureAIEmbeddingsModel.embed_documents`` with its default batch size."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AzureAIEmbeddingsModel(endpoint=server + "/models", credential=KEY, model=MODEL)
    return Harness(model.embed_documents)
