"""Our LlamaIndex adapters: ``AzureInference`` and ``AzureInferenceEmbedding``."""

from __future__ import annotations

from typing import Any

from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

from . import KEY, MAX_TOKENS, MODEL, AsyncHarness, Harness
from ._frameworks import llamaindex_achat, llamaindex_chat, llamaindex_stream


def _llm(server: str) -> Any:
    return AzureInference(endpoint=server + "/models", credential=KEY, model=MODEL, max_tokens=MAX_TOKENS)


def sync_chat(server: str) -> Harness:
    """``AzureInference.chat``."""
    return llamaindex_chat(_llm(server))


def async_chat(server: str) -> AsyncHarness:
    """``AzureInference.achat``."""
    return llamaindex_achat(_llm(server))


def stream(server: str) -> Harness:
    """``AzureInference.stream_chat``."""
    return llamaindex_stream(_llm(server))


def embed(server: str) -> Harness:
    """``AzureInferenceEmbedding.get_text_embedding_batch`` with its default batching."""
    model = AzureInferenceEmbedding(endpoint=server + "/models", credential=KEY, model=MODEL, timeout=120)
    return Harness(model.get_text_embedding_batch)


def stream_responses(server: str) -> Harness:
    """``AzureInference(use_responses_api=True).stream_chat``: one response per Responses text event.

    Sent to the server's ``/v1`` (an OpenAI-compatible surface): the model-inference surface has no Responses API.
    """
    llm = AzureInference(
        endpoint=server + "/v1", credential=KEY, model=MODEL, max_tokens=MAX_TOKENS, use_responses_api=True, timeout=120
    )
    return llamaindex_stream(llm)
