"""Shared drivers for the LangChain and LlamaIndex chat models (ours and the competitors use the same ones)."""

from __future__ import annotations

from typing import Any

from . import MESSAGES, STREAM_TOKEN, AsyncHarness, Harness


def langchain_messages() -> list[Any]:
    """``MESSAGES`` as LangChain message objects."""
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(MESSAGES[0]["content"]), HumanMessage(MESSAGES[1]["content"])]


def langchain_chat(model: Any) -> Harness:
    """``model.invoke(messages)``."""
    messages = langchain_messages()
    return Harness(lambda: model.invoke(messages).content)


def langchain_achat(model: Any) -> AsyncHarness:
    """``await model.ainvoke(messages)``."""
    messages = langchain_messages()

    async def run() -> Any:
        return (await model.ainvoke(messages)).content

    async def close() -> None:
        return None

    return AsyncHarness(run, close)


def langchain_stream(model: Any) -> Harness:
    """``for chunk in model.stream(messages)``, counting chunks with content."""
    messages = langchain_messages()

    def run() -> int:
        # Count by text, not by chunk: an adapter may hold back whitespace (think-tag splitting) and so
        # emit one chunk more than the server sent deltas; the text must still all arrive.
        text = "".join(str(chunk.content) for chunk in model.stream(messages))
        return len(text) // len(STREAM_TOKEN)

    return Harness(run)


def llamaindex_messages() -> list[Any]:
    """``MESSAGES`` as LlamaIndex ``ChatMessage`` objects."""
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in MESSAGES]


def llamaindex_chat(llm: Any) -> Harness:
    """``llm.chat(messages)``."""
    messages = llamaindex_messages()
    return Harness(lambda: llm.chat(messages).message.content)


def llamaindex_achat(llm: Any) -> AsyncHarness:
    """``await llm.achat(messages)``."""
    messages = llamaindex_messages()

    async def run() -> Any:
        return (await llm.achat(messages)).message.content

    async def close() -> None:
        return None

    return AsyncHarness(run, close)


def llamaindex_stream(llm: Any) -> Harness:
    """``for response in llm.stream_chat(messages)``, counting responses with a delta."""
    messages = llamaindex_messages()

    def run() -> int:
        text = "".join(response.delta or "" for response in llm.stream_chat(messages))
        return len(text) // len(STREAM_TOKEN)

    return Harness(run)
