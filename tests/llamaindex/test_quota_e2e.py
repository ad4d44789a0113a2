"""LlamaIndex under a quota: ``tokens_per_minute`` / ``requests_per_minute`` against the emulator's quota mode.

Each call would raise on a 429 (``max_retries=0``); the bursts are larger than the emulator's windows, so only the
budget keeps them clean, and the control without it is refused (docs/quota.md; issue 14).
"""

from __future__ import annotations

import asyncio

import pytest
from llama_index.core.llms import ChatMessage

from azure_inference import Deployment, RateLimitError
from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding
from tests.conftest import QUOTA_CHAT, QUOTA_CHAT_RPM, QUOTA_CHAT_TPM, QUOTA_EMBED, QUOTA_EMBED_TPM, quota_stats

pytestmark = pytest.mark.e2e

DOCS = [f"{i:04d} " + "n" * 35 for i in range(150)]  # 10 tokens each: 1,500 tokens, the window holds 1,000


def embedding(h: EmulatorHandle, **fields: object) -> AzureInferenceEmbedding:
    # The window comes with the Deployment (or a profile); the quota is the class's own field.
    dep = Deployment(endpoint=h.openai_v1, model=QUOTA_EMBED, token_window_s=1.0, max_retries=0)
    return AzureInferenceEmbedding(deployment=dep, embed_batch_size=5, **fields)


@pytest.mark.parametrize("sync", [True, False])
async def test_text_embedding_batch_at_the_quota_without_a_429(sync: bool, qemu: EmulatorHandle) -> None:
    model = embedding(qemu, tokens_per_minute=QUOTA_EMBED_TPM)
    if sync:
        vectors = model.get_text_embedding_batch(DOCS)
    else:
        vectors = await model.aget_text_embedding_batch(DOCS)
    assert len(vectors) == len(DOCS)
    assert all(len(v) == len(vectors[0]) > 0 for v in vectors)
    stats = quota_stats(qemu, QUOTA_EMBED)
    assert (stats["rejected"], stats["tokens"]) == (0, 1_500)


async def test_the_same_burst_without_the_budget_is_refused(qemu: EmulatorHandle) -> None:
    with pytest.raises(RateLimitError):
        await embedding(qemu).aget_text_embedding_batch(DOCS)
    assert quota_stats(qemu, QUOTA_EMBED)["rejected"] > 0


async def test_concurrent_chats_are_held_to_the_requests_per_minute(qemu: EmulatorHandle) -> None:
    dep = Deployment(endpoint=qemu.openai_v1, model=QUOTA_CHAT, token_window_s=1.0, max_retries=0)
    llm = AzureInference(
        deployment=dep, tokens_per_minute=QUOTA_CHAT_TPM, requests_per_minute=QUOTA_CHAT_RPM, max_tokens=10
    )
    answers = await asyncio.gather(*(llm.achat([ChatMessage(role="user", content="hiya")]) for _ in range(30)))
    assert all(a.message.content for a in answers)
    assert quota_stats(qemu, QUOTA_CHAT) == {"admitted": 30, "rejected": 0, "tokens": 30 * 11}
