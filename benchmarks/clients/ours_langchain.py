"""Our LangChain adapters: ``ChatAzureInference`` and ``AzureInferenceEmbeddings``."""

from __future__ import annotations

from typing import Any

from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

from . import KEY, MAX_TOKENS, MODEL, STREAM_TOKEN, AsyncHarness, Harness
from ._frameworks import langchain_achat, langchain_chat, langchain_messages, langchain_stream


def _chat(server: str) -> Any:
    return ChatAzureInference(endpoint=server + "/models", credential=KEY, model=MODEL, max_tokens=MAX_TOKENS)


def sync_chat(server: str) -> Harness:
    """``ChatAzureInference.invoke``."""
    return langchain_chat(_chat(server))


def async_chat(server: str) -> AsyncHarness:
    """``ChatAzureInference.ainvoke``."""
    return langchain_achat(_chat(server))


def stream(server: str) -> Harness:
    """``ChatAzureInference.stream``."""
    return langchain_stream(_chat(server))


def embed(server: str) -> Harness:
    """``AzureInferenceEmbeddings.embed_documents`` with its default batching."""
    model = AzureInferenceEmbeddings(endpoint=server + "/models", credential=KEY, model=MODEL, timeout=120)
    return Harness(model.embed_documents)


def stream_responses(server: str) -> Harness:
    """``ChatAzureInference(use_responses_api=True).stream``: one chunk per Responses text event.

    Sent to the server's ``/v1`` (an OpenAI-compatible surface): the model-inference surface has no Responses API.
    Counted by text (``chunk.text``): on this API the content is a list of standard blocks.
    """
    model = ChatAzureInference(
        endpoint=server + "/v1", credential=KEY, model=MODEL, max_tokens=MAX_TOKENS, use_responses_api=True, timeout=120
    )
    messages = langchain_messages()

    def run() -> int:
        text = "".join(chunk.text for chunk in model.stream(messages))
        return len(text) // len(STREAM_TOKEN)

    return Harness(run)
