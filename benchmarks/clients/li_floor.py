"""LlamaIndex's own machinery alone: a minimal chat ``CustomLLM`` and ``MockEmbedding`` (no network).

The "framework floor" of (a)-(d). The LLM's ``chat`` / ``achat`` / ``stream_chat`` carry LlamaIndex's
``llm_chat_callback`` (its callback and instrumentation wrapper, as every integration's do) and build the
objects its API requires: per streamed chunk a ``ChatResponse`` holding the ``ChatMessage`` so far and the
delta. ``MockLLM`` is not used: it re-joins its whole text on every chunk (quadratic in the stream length).
The embeddings are ``MockEmbedding`` handing out one shared vector (its own builds a fresh ``[0.5] * dim`` per
text, ~0.16 s for 5,000 × 1,024, an allocation our transport's decoding already pays), with our adapter's batch
size (``embed_batch_size`` 2,048), so the floor runs LlamaIndex's batching, callbacks and events as our adapter does.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback

from ..server import CHAT_REPLY
from . import STREAM_TOKEN, AsyncHarness, Harness
from ._frameworks import llamaindex_achat, llamaindex_chat, llamaindex_stream


class FloorLLM(CustomLLM):
    """Answers at once: the canned reply, or ``chunks`` stream chunks."""

    chunks: int = 2000

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, model_name="bench-floor")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=CHAT_REPLY)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        yield CompletionResponse(text=CHAT_REPLY, delta=CHAT_REPLY)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=CHAT_REPLY))

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=CHAT_REPLY))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            text = ""
            for _ in range(self.chunks):
                text += STREAM_TOKEN
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=STREAM_TOKEN)

        return gen()


class FloorEmbedding(MockEmbedding):
    """``MockEmbedding`` with one shared vector for every text."""

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vector = self._get_vector()
        return [vector] * len(texts)


def _llm() -> FloorLLM:
    return FloorLLM(chunks=int(os.environ.get("BENCH_CHUNKS", "2000")))


def sync_chat(server: str) -> Harness:
    """``FloorLLM.chat``."""
    return llamaindex_chat(_llm())


def async_chat(server: str) -> AsyncHarness:
    """``FloorLLM.achat``."""
    return llamaindex_achat(_llm())


def stream(server: str) -> Harness:
    """``FloorLLM.stream_chat``."""
    return llamaindex_stream(_llm())


def embed(server: str) -> Harness:
    """``FloorEmbedding.get_text_embedding_batch`` with our adapter's ``embed_batch_size``."""
    model = FloorEmbedding(embed_dim=int(os.environ.get("BENCH_DIM", "1024")), embed_batch_size=2048)
    return Harness(model.get_text_embedding_batch)
