"""The clients under test, one module each, and the registry the runner walks.

Each client module defines any of four factories; a missing one means "this client has no such API":

- ``sync_chat(server) -> Harness``: ``run()`` makes one non-streamed chat call and returns the reply text;
- ``async_chat(server) -> AsyncHarness``: the same with ``await run()``;
- ``stream(server) -> Harness``: ``run()`` consumes one streamed chat answer and returns the number of
  content deltas seen;
- ``embed(server) -> Harness``: ``run(texts)`` embeds a list of texts through the client's own batch API
  and returns the vectors.

Every client posts the same request (``MESSAGES`` to ``MODEL`` with ``MAX_TOKENS``) to the same server.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

MODEL = os.environ.get("BENCH_MODEL", "bench-model")
"""The emulator comparison sets ``BENCH_MODEL`` to one of its catalog's models."""
MAX_TOKENS = 64
MESSAGES: list[dict[str, str]] = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Say hello."},
]
CHAT_BODY: dict[str, Any] = {"model": MODEL, "messages": MESSAGES, "max_tokens": MAX_TOKENS}
KEY = "bench-key"
STREAM_TOKEN = "tok "
"""The text of each streamed delta the server sends."""
CHAT_REPLY_PREFIX = os.environ.get("BENCH_REPLY_PREFIX", "Hello!")
"""Every chat reply starts with this (the server's canned answer)."""
API_VERSION = "2024-05-01-preview"


@dataclass
class Harness:
    """A ready client: ``run`` does one unit of work, ``close`` releases the client."""

    run: Callable[..., Any]
    close: Callable[[], None] = lambda: None


@dataclass
class AsyncHarness:
    """An async client: ``await run()`` does one call, ``await close()`` releases it."""

    run: Callable[[], Awaitable[Any]]
    close: Callable[[], Awaitable[None]]


Kind = Literal["floor", "ours", "competitor", "framework"]


@dataclass(frozen=True)
class ClientInfo:
    """One row of the results table."""

    key: str
    """Short name used on the command line and in results.json."""
    label: str
    """Name in the table."""
    kind: Kind
    """``floor`` (raw HTTP), ``ours``, ``competitor`` or ``framework`` (the framework's own machinery with a fake
    model and no network: the floor an adapter is read against in (a)-(d))."""
    import_name: str
    """The module a user imports to use it."""
    embed_label: str = ""
    """Name in the embeddings table, when the embeddings class differs from the chat one."""

    @property
    def module(self) -> str:
        """The benchmark module holding its factories."""
        return f"benchmarks.clients.{self.key}"


CLIENTS: list[ClientInfo] = [
    ClientInfo("raw_httpx", "raw httpx", "floor", "httpx"),
    ClientInfo("raw_aiohttp", "raw aiohttp", "floor", "aiohttp"),
    ClientInfo("ours", "ours: azure_inference", "ours", "azure_inference"),
    ClientInfo(
        "ours_langchain",
        "ours: LangChain ChatAzureInference",
        "ours",
        "langchain_azure_inference",
        "ours: LangChain AzureInferenceEmbeddings",
    ),
    ClientInfo(
        "ours_llamaindex",
        "ours: LlamaIndex AzureInference",
        "ours",
        "llamaindex_azure_inference",
        "ours: LlamaIndex AzureInferenceEmbedding",
    ),
    ClientInfo("azure_sdk", "azure-ai-inference", "competitor", "azure.ai.inference"),
    ClientInfo(
        "lc_azure_ai",
        "langchain-azure-ai AzureAIChatCompletionsModel",
        "competitor",
        "langchain_azure_ai.chat_models",
        "langchain-azure-ai AzureAIEmbeddingsModel",
    ),
    ClientInfo(
        "li_azure_inference",
        "llama-index AzureAICompletionsModel",
        "competitor",
        "llama_index.llms.azure_inference",
        "llama-index AzureAIEmbeddingsModel",
    ),
    ClientInfo(
        "lc_openai",
        "langchain-openai ChatOpenAI",
        "competitor",
        "langchain_openai",
        "langchain-openai OpenAIEmbeddings",
    ),
    ClientInfo(
        "lc_floor",
        "LangChain floor: fake BaseChatModel",
        "framework",
        "langchain_core",
        "LangChain floor: constant Embeddings",
    ),
    ClientInfo(
        "li_floor",
        "LlamaIndex floor: minimal CustomLLM",
        "framework",
        "llama_index.core",
        "LlamaIndex floor: MockEmbedding",
    ),
]
FRAMEWORK_FLOOR = {"ours_langchain": "lc_floor", "ours_llamaindex": "li_floor"}
"""Each adapter's framework floor (the transport under both is ``ours``)."""
BY_KEY = {c.key: c for c in CLIENTS}
