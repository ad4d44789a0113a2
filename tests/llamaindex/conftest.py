"""Fixtures for the LlamaIndex adapter tests: adapters pointed at the session emulator, closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding


@pytest.fixture
async def make_llm(emu: EmulatorHandle) -> AsyncIterator[Callable[..., AzureInference]]:
    """Build ``AzureInference`` objects on the emulator; every one is closed (sync and async) at the end."""
    made: list[AzureInference] = []

    def make(model: str = "gpt-4o-mini", **kwargs: Any) -> AzureInference:
        llm = AzureInference(endpoint=emu.endpoint, model=model, **kwargs)
        made.append(llm)
        return llm

    yield make
    for llm in made:
        await llm.aclose()


@pytest.fixture
async def make_embed(emu: EmulatorHandle) -> AsyncIterator[Callable[..., AzureInferenceEmbedding]]:
    """Build ``AzureInferenceEmbedding`` objects on the emulator; closed at the end."""
    made: list[AzureInferenceEmbedding] = []

    def make(model: str = "text-embedding-3-small", **kwargs: Any) -> AzureInferenceEmbedding:
        embed = AzureInferenceEmbedding(endpoint=emu.endpoint, model=model, **kwargs)
        made.append(embed)
        return embed

    yield make
    for embed in made:
        await embed.aclose()
