"""``langchain-openai`` ``ChatOpenAI`` / ``OpenAIEmbeddings`` pointed at the same server's ``/v1``."""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from . import KEY, MAX_TOKENS, MODEL, AsyncHarness, Harness
from ._frameworks import langchain_achat, langchain_chat, langchain_stream


def _chat(server: str) -> Any:
    return ChatOpenAI(base_url=server + "/v1", api_key=KEY, model=MODEL, max_tokens=MAX_TOKENS)


def sync_chat(server: str) -> Harness:
    """``ChatOpenAI.invoke``."""
    return langchain_chat(_chat(server))


def async_chat(server: str) -> AsyncHarness:
    """``ChatOpenAI.ainvoke``."""
    return langchain_achat(_chat(server))


def stream(server: str) -> Harness:
    """``ChatOpenAI.stream``."""
    return langchain_stream(_chat(server))


def embed(server: str) -> Harness:
    """``OpenAIEmbeddings.embed_documents`` (the openai SDK asks for base64 itself).

    ``check_embedding_ctx_length=False``: the default tokenizes with tiktoken, which downloads its
    encoding files; texts this short never need splitting.
    """
    model = OpenAIEmbeddings(
        base_url=server + "/v1", api_key=KEY, model=MODEL, check_embedding_ctx_length=False, timeout=120
    )
    return Harness(model.embed_documents)
