"""LangChain's own machinery alone: a minimal fake ``BaseChatModel`` and ``Embeddings`` (no network).

The "framework floor" of (a)-(d): what ``invoke`` / ``ainvoke`` / ``stream`` / ``embed_documents`` cost when the
model does no work at all, so an adapter's overhead is read against (floor + our transport). The chat model
answers the server's canned reply and streams ``BENCH_CHUNKS`` chunks of ``STREAM_TOKEN``, reporting each to the
callbacks as an integration does (``GenericFakeChatModel`` splits its text on whitespace, doubling the chunk
count, so it is not used). The embeddings return one shared constant vector per text (``DeterministicFakeEmbedding``
spends its time drawing random vectors, which is not the framework's cost).
"""

from __future__ import annotations

import os
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from ..server import CHAT_REPLY
from . import STREAM_TOKEN, AsyncHarness, Harness
from ._frameworks import langchain_achat, langchain_chat, langchain_stream


class FloorChat(BaseChatModel):
    """Answers at once: the canned reply, or ``chunks`` stream chunks."""

    chunks: int = 2000

    @property
    def _llm_type(self) -> str:
        return "bench-floor"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(CHAT_REPLY))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(CHAT_REPLY))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Any:
        for _ in range(self.chunks):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=STREAM_TOKEN))
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk


class FloorEmbeddings(Embeddings):
    """One shared constant vector per text."""

    def __init__(self, dim: int) -> None:
        self.vector = [0.5] * dim

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.vector] * len(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.vector


def _chat() -> FloorChat:
    return FloorChat(chunks=int(os.environ.get("BENCH_CHUNKS", "2000")))


def sync_chat(server: str) -> Harness:
    """``FloorChat.invoke``."""
    return langchain_chat(_chat())


def async_chat(server: str) -> AsyncHarness:
    """``FloorChat.ainvoke``."""
    return langchain_achat(_chat())


def stream(server: str) -> Harness:
    """``FloorChat.stream``."""
    return langchain_stream(_chat())


def embed(server: str) -> Harness:
    """``FloorEmbeddings.embed_documents``."""
    return Harness(FloorEmbeddings(int(os.environ.get("BENCH_DIM", "1024"))).embed_documents)
