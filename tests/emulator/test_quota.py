"""Quota mode of the emulator (issue 14; docs/quota.md), end to end over loopback, and our budget against it."""

from __future__ import annotations

import asyncio
import math
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from azure_inference.budget import Budget, Limits, estimate_cost
from azure_inference.emulator import EmulatorHandle, run_emulator
from azure_inference.emulator.testing import emulator_command

pytestmark = pytest.mark.e2e

CHAT, EMBED = "gpt-4o-mini", "text-embedding-3-small"
QUOTA_ARGS = (
    "--quota",
    f"{CHAT}=1200:60",  # 20 tokens/s, a 5 s token window holds 100; 1 request/s, a 10 s window holds 10
    "--quota",
    f"{EMBED}=60000",  # 1,000 tokens/s, the window holds 5,000; requests not limited
    "--quota-token-window-s",
    "5",
)


@pytest.fixture(scope="module")
def quota_emulator() -> Iterator[EmulatorHandle]:
    with run_emulator(*QUOTA_ARGS) as handle:
        yield handle


@pytest.fixture
def qe(quota_emulator: EmulatorHandle) -> Iterator[EmulatorHandle]:
    quota_emulator.control.reset()  # refills every window
    yield quota_emulator
    assert quota_emulator.control.health()["internal_errors"] == 0


def chat(h: EmulatorHandle, text: str, **body: Any) -> httpx.Response:
    payload = {"model": CHAT, "messages": [{"role": "user", "content": text}], **body}
    return httpx.post(h.openai_v1 + "/chat/completions", json=payload, timeout=10)


def test_every_answer_carries_the_rate_limit_headers(qe: EmulatorHandle) -> None:
    r = chat(qe, "x" * 40, max_tokens=20)  # charged ceil(40 / 4) + 20 = 30
    assert r.status_code == 200
    assert r.headers["x-ratelimit-limit-tokens"] == "1200"
    assert r.headers["x-ratelimit-limit-requests"] == "60"
    assert int(r.headers["x-ratelimit-remaining-tokens"]) in (70, 71)  # 100 - 30, plus what refilled meanwhile
    assert r.headers["x-ratelimit-remaining-requests"] == "9"
    assert r.headers["x-ratelimit-reset-tokens"].endswith("s")
    bad = httpx.post(qe.openai_v1 + "/chat/completions", json={"model": CHAT, "messages": "no"}, timeout=10)
    assert bad.status_code == 400
    assert "x-ratelimit-remaining-tokens" in bad.headers  # errors too
    plain = httpx.post(qe.openai_v1 + "/chat/completions", json={"model": "gpt-4o", "messages": []}, timeout=10)
    assert "x-ratelimit-limit-tokens" not in plain.headers  # a deployment without a quota has none


def test_reservation_is_prompt_plus_requested_output(qe: EmulatorHandle) -> None:
    first = chat(qe, "y" * 8, max_tokens=50)  # 2 + 50
    second = chat(qe, "y" * 8)  # 2: no limit sent, nothing reserved for output
    assert first.status_code == second.status_code == 200
    log = qe.control.requests("/chat/completions")
    charged = [dict[str, Any](entry)["quota_charged"] for entry in log]
    assert charged == [52, 2]
    assert charged[0] == estimate_cost({"messages": [{"content": "y" * 8}], "max_tokens": 50})  # client agrees


def test_429_with_retry_after_when_the_window_is_short(qe: EmulatorHandle) -> None:
    assert chat(qe, "z" * 4, max_tokens=90).status_code == 200  # 91 of 100
    refused = chat(qe, "z" * 4, max_tokens=90)
    assert refused.status_code == 429
    err = refused.json()["error"]
    assert err["code"] == "429"  # the string, as observed (docs/wire.md §V1.5)
    assert "token rate limit" in err["message"]
    assert "Please retry after" in err["message"]
    wait_ms = int(refused.headers["retry-after-ms"])
    assert 4000 <= wait_ms <= 4600  # 91 tokens short at 20 tokens/s, minus what refilled meanwhile
    assert refused.headers["retry-after"] == str(math.ceil(wait_ms / 1000))
    assert "x-ratelimit-remaining-tokens" in refused.headers
    stats = httpx.get(qe.url + "/_emulator/quota", timeout=10).json()
    assert stats["deployments"][CHAT] == {"admitted": 1, "rejected": 1, "tokens": 91}  # the 429 was not charged


def test_requests_per_minute_window(qe: EmulatorHandle) -> None:
    answers = [chat(qe, "") for _ in range(11)]  # the 10 s window of 60 RPM holds 10 (docs/wire.md §V1.5)
    assert [r.status_code for r in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert "call rate limit" in answers[10].json()["error"]["message"]


def test_the_window_refills_after_the_wait(qe: EmulatorHandle) -> None:
    assert chat(qe, "", max_tokens=100).status_code == 200
    refused = chat(qe, "", max_tokens=20)
    assert refused.status_code == 429
    time.sleep(int(refused.headers["retry-after-ms"]) / 1000 + 0.05)
    assert chat(qe, "", max_tokens=20).status_code == 200


def test_reset_refills_the_windows(qe: EmulatorHandle) -> None:
    assert chat(qe, "", max_tokens=100).status_code == 200
    assert chat(qe, "", max_tokens=100).status_code == 429
    qe.control.reset()
    assert chat(qe, "", max_tokens=100).status_code == 200


def _embed_burst(h: EmulatorHandle, budget: Budget | None, n: int, chars: int) -> list[int]:
    async def main() -> list[int]:
        async with httpx.AsyncClient(timeout=30) as http:

            async def one(i: int) -> int:
                body = {"model": EMBED, "input": f"{i:04d}" + "e" * (chars - 4)}
                if budget is not None:
                    reservation = await budget.acquire_async(estimate_cost(body))
                    reservation.sent()
                r = await http.post(h.openai_v1 + "/embeddings", json=body)
                if budget is not None:
                    budget.observe(r.headers)
                return r.status_code

            return list(await asyncio.gather(*(one(i) for i in range(n))))

    return asyncio.run(main())


def test_our_budget_keeps_a_burst_under_the_quota(qe: EmulatorHandle) -> None:
    n, chars = 30, 1200  # 300 tokens each: 9,000 tokens against a 5,000 window refilled at 1,000/s
    without = _embed_burst(qe, None, n, chars)
    assert without.count(429) >= 10  # the quota bites when nothing holds the budget back
    qe.control.reset()
    limits = Limits(tokens_per_minute=60_000, token_window_s=5)
    start = time.monotonic()
    statuses = _embed_burst(qe, Budget("emu", limits), n, chars)
    elapsed = time.monotonic() - start
    assert statuses == [200] * n
    log: list[dict[str, Any]] = [dict(e) for e in qe.control.requests("/embeddings")]
    charged = sum(int(e["quota_charged"]) for e in log)
    assert charged == n * 300
    assert elapsed >= (charged - 5_000) / 1_000 - 0.2  # it waited as the quota demands, no more than needed
    assert elapsed < (charged - 5_000) / 1_000 + 3.0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--quota", "gpt"], "expected NAME=TPM[:RPM]"),
        (["--quota", "gpt=-5"], "is not a positive integer"),
        (["--quota", "*=10", "--quota-token-window-s", "0"], "token_window_s must be a number > 0"),
    ],
)
def test_bad_quota_flags_exit_2_with_the_fix(flags: list[str], message: str) -> None:
    proc = subprocess.run(emulator_command(flags), capture_output=True, timeout=30)
    assert proc.returncode == 2
    assert message in proc.stderr.decode()


def test_quota_from_the_catalog_toml(tmp_path: Any) -> None:
    toml = tmp_path / "catalog.toml"
    toml.write_text(
        '[emulator.quota]\ntoken_window_s = 60\n[emulator.quota.deployments]\n"*" = { requests_per_minute = 6 }\n'
    )
    with run_emulator(catalog=toml) as h:
        r = chat(h, "hi")
        assert r.headers["x-ratelimit-limit-requests"] == "6"
        assert "x-ratelimit-limit-tokens" not in r.headers
        assert chat(h, "hi").status_code == 429  # a 10 s window of 6 RPM holds one request
