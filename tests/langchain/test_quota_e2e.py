"""LangChain under a quota: ``tokens_per_minute`` / ``requests_per_minute`` against the emulator's quota mode.

Each call would raise on a 429 (``max_retries=0``); the bursts are larger than the emulator's windows, so only the
budget keeps them clean, and the control without it is refused (docs/quota.md; issue 14).
"""

from __future__ import annotations

import pytest

from azure_inference import Deployment, RateLimitError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
from tests.conftest import QUOTA_CHAT, QUOTA_CHAT_RPM, QUOTA_CHAT_TPM, QUOTA_EMBED, QUOTA_EMBED_TPM, quota_stats

pytestmark = pytest.mark.e2e

DOCS = [f"{i:04d} " + "d" * 35 for i in range(150)]  # 10 tokens each: 1,500 tokens, the window holds 1,000


def embeddings(h: EmulatorHandle, **fields: object) -> AzureInferenceEmbeddings:
    # The window comes with the Deployment (or a profile); the quota is the class's own field.
    dep = Deployment(endpoint=h.openai_v1, model=QUOTA_EMBED, token_window_s=1.0, max_retries=0)
    return AzureInferenceEmbeddings(deployment=dep, chunk_size=5, max_concurrency=4, **fields)


@pytest.mark.parametrize("sync", [True, False])
async def test_embed_documents_at_the_quota_without_a_429(sync: bool, qemu: EmulatorHandle) -> None:
    model = embeddings(qemu, tokens_per_minute=QUOTA_EMBED_TPM)
    vectors = model.embed_documents(DOCS) if sync else await model.aembed_documents(DOCS)
    assert len(vectors) == len(DOCS)
    assert all(len(v) == len(vectors[0]) > 0 for v in vectors)
    assert quota_stats(qemu, QUOTA_EMBED) == {"admitted": 30, "rejected": 0, "tokens": 1_500}


async def test_the_same_burst_without_the_budget_is_refused(qemu: EmulatorHandle) -> None:
    with pytest.raises(RateLimitError):
        await embeddings(qemu).aembed_documents(DOCS)
    assert quota_stats(qemu, QUOTA_EMBED)["rejected"] > 0


def test_batch_of_chats_is_held_to_the_requests_per_minute(qemu: EmulatorHandle) -> None:
    dep = Deployment(endpoint=qemu.openai_v1, model=QUOTA_CHAT, token_window_s=1.0, max_retries=0)
    llm = ChatAzureInference(
        deployment=dep, tokens_per_minute=QUOTA_CHAT_TPM, requests_per_minute=QUOTA_CHAT_RPM, max_tokens=10
    )
    answers = llm.batch(["hiya"] * 30, config={"max_concurrency": 8})  # 30 requests; the window holds 20
    assert all(a.content for a in answers)
    assert quota_stats(qemu, QUOTA_CHAT) == {"admitted": 30, "rejected": 0, "tokens": 30 * 11}
