"""One small driver layer so each reliability case is written once and run through every stack.

A :class:`Driver` names a stack (the bare transport, the LangChain adapters, the LlamaIndex adapters) and a
mode (sync or async). ``driver.open(deployment)`` gives a :class:`Session` whose methods are all coroutines:
the sync drivers call the blocking API inside them (the emulator is another process, so blocking the test's
event loop is harmless), the async drivers await the async API. Every method returns plain data (text, vectors)
so the cases compare stacks on equal terms, and lets the stack's own exceptions through untouched.

An adapter that is not importable yet (the adapters land in git one by one) makes its cases skip, naming it.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from azure_inference import AsyncInferenceClient, Deployment, InferenceClient

STACKS = ("transport", "langchain", "llamaindex")


@dataclass(frozen=True)
class Driver:
    """A stack and a mode: ``transport-sync``, ``langchain-async``, ..."""

    stack: str
    sync: bool

    @property
    def id(self) -> str:
        """The pytest id."""
        return f"{self.stack}-{'sync' if self.sync else 'async'}"

    def open(self, deployment: Deployment) -> Session:
        """A session on ``deployment`` (skips the test when the adapter is not importable yet)."""
        return _SESSIONS[self.stack](deployment, self.sync)


DRIVERS = [Driver(stack, sync) for stack in STACKS for sync in (True, False)]
ASYNC_DRIVERS = [d for d in DRIVERS if not d.sync]


def drivers(which: list[Driver] | None = None) -> Any:
    """``@drivers()``: parametrize a test over ``driver`` (every stack, sync and async)."""
    chosen = DRIVERS if which is None else which
    return pytest.mark.parametrize("driver", chosen, ids=[d.id for d in chosen])


def _need(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{module}.{name} has not landed yet")


class Session:
    """What every case needs from a stack. Subclasses fill in the calls."""

    def __init__(self, deployment: Deployment, sync: bool) -> None:
        self.deployment = deployment
        self.sync = sync

    async def chat(self, text: str, **params: Any) -> str:
        """One whole chat turn; the assistant's text."""
        raise NotImplementedError

    def stream(self, text: str, **params: Any) -> AsyncIterator[str]:
        """A streamed chat turn: the text pieces as they arrive."""
        raise NotImplementedError

    async def stream_text(self, text: str, **params: Any) -> str:
        """A streamed chat turn, joined."""
        return "".join([piece async for piece in self.stream(text, **params)])

    async def chat_messages(self, messages: list[Any], **params: Any) -> str:
        """A chat turn from stack-native messages (for bad-input cases)."""
        raise NotImplementedError

    def message(self, role: str, content: Any) -> Any:
        """A stack-native message."""
        raise NotImplementedError

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """Embed documents; one vector per text."""
        raise NotImplementedError

    async def embed_image(self, path: str) -> list[float]:
        """Embed one image given by path (multimodal embeddings)."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release the stack's HTTP clients."""


class TransportSession(Session):
    """``InferenceClient`` / ``AsyncInferenceClient``."""

    def __init__(self, deployment: Deployment, sync: bool) -> None:
        super().__init__(deployment, sync)
        self.sync_client = InferenceClient(deployment)
        self.async_client = AsyncInferenceClient(deployment)

    def message(self, role: str, content: Any) -> Any:
        return {"role": role, "content": content}

    async def chat_messages(self, messages: list[Any], **params: Any) -> str:
        if self.sync:
            return str(self.sync_client.chat(messages, **params).content or "")
        return str((await self.async_client.chat(messages, **params)).content or "")

    async def chat(self, text: str, **params: Any) -> str:
        return await self.chat_messages([self.message("user", text)], **params)

    async def stream(self, text: str, **params: Any) -> AsyncIterator[str]:
        messages = [self.message("user", text)]
        if self.sync:
            with self.sync_client.stream_chat(messages, **params) as stream:
                for chunk in stream:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content
            return
        async with await self.async_client.stream_chat(messages, **params) as astream:
            async for chunk in astream:
                for choice in chunk.choices:
                    if choice.delta.content:
                        yield choice.delta.content

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if self.sync:
            result = self.sync_client.embed(texts)
        else:
            result = await self.async_client.embed(texts)
        return [list(map(float, item.embedding)) for item in result.data]

    async def embed_image(self, path: str) -> list[float]:
        if self.sync:
            result = self.sync_client.embed_images([path])
        else:
            result = await self.async_client.embed_images([path])
        return list(map(float, result.data[0].embedding))

    async def aclose(self) -> None:
        self.sync_client.close()
        await self.async_client.close()


class LangChainSession(Session):
    """``ChatAzureInference`` and ``AzureInferenceEmbeddings``."""

    def __init__(self, deployment: Deployment, sync: bool) -> None:
        super().__init__(deployment, sync)
        self.chat_cls = _need("langchain_azure_inference", "ChatAzureInference")
        self.model = self.chat_cls(deployment=deployment)
        self._embedder: Any = None

    def message(self, role: str, content: Any) -> Any:
        from langchain_core.messages import AIMessage, ChatMessage, HumanMessage, SystemMessage

        known: dict[str, Callable[..., Any]] = {"user": HumanMessage, "system": SystemMessage, "assistant": AIMessage}
        if role in known:
            return known[role](content=content)
        return ChatMessage(role=role, content=content)

    def _bound(self, params: dict[str, Any]) -> Any:
        tools = params.pop("tools", None)
        model = self.model.bind_tools(tools) if tools else self.model
        return model.bind(**params) if params else model

    async def chat_messages(self, messages: list[Any], **params: Any) -> str:
        model = self._bound(dict(params))
        reply = model.invoke(messages) if self.sync else await model.ainvoke(messages)
        return str(reply.content)

    async def chat(self, text: str, **params: Any) -> str:
        return await self.chat_messages([self.message("user", text)], **params)

    async def stream(self, text: str, **params: Any) -> AsyncIterator[str]:
        model = self._bound(dict(params))
        messages = [self.message("user", text)]
        if self.sync:
            for chunk in model.stream(messages):
                if chunk.content:
                    yield str(chunk.content)
            return
        async for chunk in model.astream(messages):
            if chunk.content:
                yield str(chunk.content)

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if self._embedder is None:
            self._embedder = _need("langchain_azure_inference", "AzureInferenceEmbeddings")(deployment=self.deployment)
        if self.sync:
            return [list(v) for v in self._embedder.embed_documents(texts)]
        return [list(v) for v in await self._embedder.aembed_documents(texts)]

    async def embed_image(self, path: str) -> list[float]:
        embedder = _need("langchain_azure_inference", "AzureInferenceEmbeddings")(deployment=self.deployment)
        try:
            if self.sync:
                return list(embedder.embed_images([path])[0])
            return list((await embedder.aembed_images([path]))[0])
        finally:
            await embedder.aclose()

    async def aclose(self) -> None:
        for obj in (self.model, self._embedder):
            if obj is not None:
                await obj.aclose()


class LlamaIndexSession(Session):
    """``AzureInference`` and ``AzureInferenceEmbedding``."""

    def __init__(self, deployment: Deployment, sync: bool) -> None:
        super().__init__(deployment, sync)
        self.llm = _need("llamaindex_azure_inference", "AzureInference")(deployment=deployment)
        self._embedder: Any = None

    def message(self, role: str, content: Any) -> Any:
        from llama_index.core.llms import ChatMessage

        return ChatMessage(role=role, content=content)

    async def chat_messages(self, messages: list[Any], **params: Any) -> str:
        reply = self.llm.chat(messages, **params) if self.sync else await self.llm.achat(messages, **params)
        return str(reply.message.content or "")

    async def chat(self, text: str, **params: Any) -> str:
        return await self.chat_messages([self.message("user", text)], **params)

    async def stream(self, text: str, **params: Any) -> AsyncIterator[str]:
        messages = [self.message("user", text)]
        if self.sync:
            for part in self.llm.stream_chat(messages, **params):
                if part.delta:
                    yield part.delta
            return
        async for part in await self.llm.astream_chat(messages, **params):
            if part.delta:
                yield part.delta

    async def embed(self, texts: list[str]) -> list[list[float]]:
        if self._embedder is None:
            self._embedder = _need("llamaindex_azure_inference", "AzureInferenceEmbedding")(deployment=self.deployment)
        if self.sync:
            return [list(v) for v in self._embedder.get_text_embedding_batch(texts)]
        return [list(v) for v in await self._embedder.aget_text_embedding_batch(texts)]

    async def embed_image(self, path: str) -> list[float]:
        embedder = _need("llamaindex_azure_inference", "AzureInferenceEmbedding")(deployment=self.deployment)
        try:
            if self.sync:
                return list(embedder.get_image_embedding(path))
            return list(await embedder.aget_image_embedding(path))
        finally:
            await embedder.aclose()

    async def aclose(self) -> None:
        for obj in (self.llm, self._embedder):
            if obj is not None:
                await obj.aclose()


_SESSIONS: dict[str, Callable[[Deployment, bool], Session]] = {
    "transport": TransportSession,
    "langchain": LangChainSession,
    "llamaindex": LlamaIndexSession,
}


def constructors(stack: str) -> dict[str, Callable[[str, str | None], Any]]:
    """Every public object of ``stack``, built from a bare endpoint and key (for configuration checks)."""
    if stack == "transport":
        return {
            "InferenceClient": lambda e, k: InferenceClient(endpoint=e, credential=k),
            "AsyncInferenceClient": lambda e, k: AsyncInferenceClient(endpoint=e, credential=k),
        }
    if stack == "langchain":
        names = ("ChatAzureInference", "AzureInferenceLLM", "AzureInferenceEmbeddings")
        return {n: _field_ctor("langchain_azure_inference", n, "api_key") for n in names}
    names = ("AzureInference", "AzureInferenceEmbedding")
    return {n: _field_ctor("llamaindex_azure_inference", n, "credential") for n in names}


def _field_ctor(module: str, name: str, key_field: str) -> Callable[[str, str | None], Any]:
    def build(endpoint: str, key: str | None) -> Any:
        cls = _need(module, name)
        return cls(endpoint=endpoint, model=CHAT_MODEL_FOR_CONFIG, **{key_field: key})

    return build


CHAT_MODEL_FOR_CONFIG = "gpt-4o-mini"
