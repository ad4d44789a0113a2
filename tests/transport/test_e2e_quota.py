"""The quota budget end to end: our clients against the emulator's quota mode (issue 14; docs/quota.md).

Every test sends more than the emulator's window holds, with ``max_retries=0`` so any 429 would raise: with the
budget nothing is refused; the same burst without it is (the control), so the emulator really is strict here.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from azure_inference import AsyncInferenceClient, InferenceClient, RateLimitError
from azure_inference.emulator import EmulatorHandle
from tests.conftest import QUOTA_CHAT, QUOTA_CHAT_RPM, QUOTA_CHAT_TPM, QUOTA_EMBED, QUOTA_EMBED_TPM, quota_stats

pytestmark = pytest.mark.e2e

TEXTS = [f"{i:04d} " + "q" * 35 for i in range(5)]  # 40 characters: 10 tokens each, 50 per request
REQUESTS = 30  # 1,500 tokens: the client's 1 s window lets 500 go at once, the rest at 500 tokens/s


def embedder(h: EmulatorHandle, budget: bool, **fields: Any) -> dict[str, Any]:
    quota = {"tokens_per_minute": QUOTA_EMBED_TPM, "token_window_s": 1.0} if budget else {}
    return {"endpoint": h.openai_v1, "model": QUOTA_EMBED, "max_retries": 0, **quota, **fields}


def test_threads_of_two_clients_share_one_budget_and_meet_no_429(qemu: EmulatorHandle) -> None:
    a, b = InferenceClient(**embedder(qemu, True)), InferenceClient(**embedder(qemu, True))
    started = time.monotonic()
    with a, b, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: (a if i % 2 else b).embed(TEXTS), range(REQUESTS)))
    elapsed = time.monotonic() - started
    assert all(len(r.vectors) == len(TEXTS) for r in results)
    assert quota_stats(qemu, QUOTA_EMBED) == {"admitted": REQUESTS, "rejected": 0, "tokens": REQUESTS * 50}
    assert elapsed >= (REQUESTS * 50 - 500) / 500 - 0.25  # it ran at the quota: one budget, not one per client


async def test_concurrent_async_calls_meet_no_429(qemu: EmulatorHandle) -> None:
    async with AsyncInferenceClient(**embedder(qemu, True)) as client:
        results = await asyncio.gather(*(client.embed(TEXTS) for _ in range(REQUESTS)))
    assert all(len(r.vectors) == len(TEXTS) for r in results)
    assert quota_stats(qemu, QUOTA_EMBED)["rejected"] == 0


async def test_without_the_budget_the_same_burst_is_refused(qemu: EmulatorHandle) -> None:
    async with AsyncInferenceClient(**embedder(qemu, False)) as client:
        outcomes = await asyncio.gather(*(client.embed(TEXTS) for _ in range(REQUESTS)), return_exceptions=True)
    refused = [o for o in outcomes if isinstance(o, RateLimitError)]
    assert refused
    assert all(o.retry_after is not None and o.retry_after > 0 for o in refused)
    assert quota_stats(qemu, QUOTA_EMBED)["rejected"] == len(refused)


def test_the_headers_tell_the_budget_what_another_consumer_spent(qemu: EmulatorHandle) -> None:
    # Someone else (another process) spends 900 of the window's 1,000 tokens; our budget cannot know it but
    # from the answers' x-ratelimit-remaining-tokens. Without that correction its full 500 would go out at once.
    other = httpx.post(qemu.openai_v1 + "/embeddings", json={"model": QUOTA_EMBED, "input": "w" * 3600}, timeout=10)
    assert other.status_code == 200
    with InferenceClient(**embedder(qemu, True)) as client:
        for _ in range(10):
            client.embed(TEXTS)  # max_retries=0: a 429 would raise
    assert quota_stats(qemu, QUOTA_EMBED) == {"admitted": 11, "rejected": 0, "tokens": 900 + 10 * 50}


def test_chat_is_held_to_the_requests_per_minute(qemu: EmulatorHandle) -> None:
    fields = {
        "endpoint": qemu.openai_v1,
        "model": QUOTA_CHAT,
        "max_retries": 0,
        "tokens_per_minute": QUOTA_CHAT_TPM,
        "requests_per_minute": QUOTA_CHAT_RPM,
        "token_window_s": 1.0,
    }
    calls = 30  # 11 tokens each (1 + max_tokens 10): the tokens fit; 30 requests exceed the window's 20
    with InferenceClient(**fields) as client, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: client.chat([{"role": "user", "content": "hiya"}], max_tokens=10), range(calls))
        )
    assert all(a.content for a in answers)
    assert quota_stats(qemu, QUOTA_CHAT) == {"admitted": calls, "rejected": 0, "tokens": calls * 11}


@pytest.mark.parametrize("adapt", ["auto", "off"])
async def test_after_a_429_naming_the_quota_the_client_paces_itself(qemu: EmulatorHandle, adapt: str) -> None:
    # No tokens_per_minute: the first burst runs into the quota. With adapt="auto" the 429's
    # x-ratelimit-limit-tokens becomes the client's budget, so a second burst, sent at once, meets no 429.
    fields = embedder(qemu, False, token_window_s=1.0, adapt=adapt)
    async with AsyncInferenceClient(**fields) as client:
        first = await asyncio.gather(*(client.embed(TEXTS) for _ in range(REQUESTS)), return_exceptions=True)
        assert any(isinstance(o, RateLimitError) for o in first)
        refused_before = quota_stats(qemu, QUOTA_EMBED)["rejected"]
        second = await asyncio.gather(*(client.embed(TEXTS) for _ in range(REQUESTS)), return_exceptions=True)
    refused_after = quota_stats(qemu, QUOTA_EMBED)["rejected"] - refused_before
    if adapt == "auto":
        assert [type(o).__name__ for o in second] == ["EmbeddingsResult"] * REQUESTS
        assert refused_after == 0
    else:
        assert refused_after > 0  # the control: the same second burst, unpaced, is refused
