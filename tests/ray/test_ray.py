"""azure_inference.ray on a local Ray cluster against the emulator in quota mode (issue 14).

Two dataset runs share one ``ray.init(num_cpus=2)``: the quota run (two actors, one cluster budget, results
equal to the single-process path) and the fault run (injected 429/5xx, a killed actor, a checkpoint that makes
the rerun send nothing). Marked ``ray``: ``pytest -m 'not ray'`` skips them.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

from azure_inference import AsyncInferenceClient, Deployment  # noqa: E402
from azure_inference.emulator import EmulatorHandle, run_emulator  # noqa: E402
from azure_inference.ray import complete_dataset, embed_dataset  # noqa: E402
from azure_inference.ray._budget import ACTOR_NAME, ActorStore  # noqa: E402

pytestmark = [
    pytest.mark.ray,
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    # Ray's own deprecation notices about its internal settings are not ours to fix.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),
    pytest.mark.filterwarnings("ignore::FutureWarning:ray"),
]

QUOTA_MODEL, FAULT_MODEL = "text-embedding-3-small", "text-embedding-3-large"
# 500 tokens/s. The emulator's 2 s window holds 1,000; the workers' budget uses a 1 s window (500), so requests
# that the loaded machine delays and then delivers together still fit (docs/quota.md, "Jitter").
TPM, EMULATOR_WINDOW_S, CLIENT_WINDOW_S = 30_000, 2, 1


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    args = ("--quota", f"{QUOTA_MODEL}={TPM}", "--quota-token-window-s", str(EMULATOR_WINDOW_S))
    with run_emulator(*args) as handle:
        yield handle


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def single_process(deployment: Deployment, texts: list[str]) -> list[list[float]]:
    async def main() -> list[list[float]]:
        async with AsyncInferenceClient(deployment) as client:
            return (await client.embed(texts)).vectors

    return asyncio.run(main())


def test_two_actors_hold_one_quota_and_match_the_single_process_path(emu: EmulatorHandle, cluster: None) -> None:
    emu.control.reset()
    texts = [f"row {i:03d} " + "q" * 92 for i in range(120)]  # 25 tokens each: 3,000 tokens, 6 s at the quota
    deployment = Deployment(endpoint=emu.openai_v1, model=QUOTA_MODEL)
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
    out = embed_dataset(
        ds,
        deployment,
        column="text",
        tokens_per_minute=TPM,
        token_window_s=CLIENT_WINDOW_S,
        concurrency=2,
        batch_size=20,
        inputs_per_request=4,
        lease_tokens=200,
    )
    rows = sorted(out.take_all(), key=lambda r: r["id"])
    log = [dict[str, Any](e) for e in emu.control.requests("/embeddings")]
    stats = httpx.get(emu.url + "/_emulator/quota", timeout=10).json()["deployments"][QUOTA_MODEL]
    assert [r["id"] for r in rows] == list(range(120))  # nothing lost, nothing twice
    assert {r["embedding_error"] for r in rows} == {None}
    assert stats["rejected"] == 0  # the cluster budget kept every request inside the quota
    charged = sum(e["quota_charged"] for e in log)
    assert charged == 3_000
    # The emulator's own clock: what it admitted never ran ahead of one window plus the refill.
    start = min(e["monotonic"] for e in log)
    running = 0
    for e in sorted(log, key=lambda e: e["monotonic"]):
        running += e["quota_charged"]
        assert running <= 1_000 + 500 * (e["monotonic"] - start) + 1
    assert max(e["monotonic"] for e in log) - start >= (3_000 - 1_000) / 500 - 0.5  # it was held back
    expected = single_process(deployment, texts)
    assert [r["embedding"] for r in rows] == expected  # float64 all the way: exactly equal

    # The budget actor outlives the run's dataset and workers (it once died with them, and the next run's lookup
    # found it dying): the cluster's budget, and what it knows, stays for the next run of this driver.
    del out
    gc.collect()
    time.sleep(1.0)
    usage = ActorStore(ray.get_actor(ACTOR_NAME)).usage(f"{emu.openai_v1}#{QUOTA_MODEL}")
    assert usage["taken_tokens"] >= 3_000
    again = embed_dataset(
        ray.data.from_items([{"text": t} for t in texts[:8]]),
        deployment,
        column="text",
        tokens_per_minute=TPM,
        token_window_s=CLIENT_WINDOW_S,
        concurrency=1,
    )
    assert [r["embedding_error"] for r in again.take_all()] == [None] * 8


def _kill_one_worker_when_busy(emu: EmulatorHandle, done: threading.Event, killed: list[int]) -> None:
    """SIGKILL one of our map workers once the emulator has seen some of its requests."""
    while not done.is_set() and not killed:
        if len(emu.control.requests("/embeddings")) >= 6:
            me = psutil.Process(os.getpid())
            for proc in me.children(recursive=True):
                try:
                    if "MapWorker" in " ".join(proc.cmdline()):
                        os.kill(proc.pid, signal.SIGKILL)
                        killed.append(proc.pid)
                        return
                except psutil.Error:
                    continue
        time.sleep(0.05)


def test_faults_and_a_killed_actor_lose_no_row_and_the_checkpoint_resumes(
    emu: EmulatorHandle, cluster: None, tmp_path: Path
) -> None:
    emu.control.reset()
    emu.control.set_faults(
        [
            {"kind": "status", "status": 429, "retry_after_ms": 20, "times": 2, "model": FAULT_MODEL},
            {"kind": "status", "status": 503, "retry_after_ms": 20, "times": 2, "model": FAULT_MODEL},
            {"kind": "latency", "latency_ms": 60, "model": FAULT_MODEL},
        ]
    )
    texts = [f"doc {i % 50}" for i in range(60)]  # ten duplicates
    deployment = Deployment(endpoint=emu.openai_v1, model=FAULT_MODEL, max_retries=6)
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
    ckpt = tmp_path / "ckpt"
    done, killed = threading.Event(), []  # type: ignore[var-annotated]
    killer = threading.Thread(target=_kill_one_worker_when_busy, args=(emu, done, killed))
    killer.start()
    try:
        out = embed_dataset(
            ds, deployment, column="text", concurrency=2, batch_size=5, inputs_per_request=1, checkpoint_dir=ckpt
        )
        rows = sorted(out.take_all(), key=lambda r: r["id"])
    finally:
        done.set()
        killer.join(10)
    assert killed, "the test did not manage to kill a worker"
    assert [r["id"] for r in rows] == list(range(60))
    assert [r["embedding_error"] for r in rows] == [None] * 60
    emu.control.clear_faults()
    by_text = dict(zip(sorted(set(texts)), single_process(deployment, sorted(set(texts))), strict=True))
    assert [r["embedding"] for r in rows] == [by_text[t] for t in texts]

    emu.control.reset()
    rerun = embed_dataset(ds, deployment, column="text", concurrency=1, batch_size=30, checkpoint_dir=ckpt)
    again = sorted(rerun.take_all(), key=lambda r: r["id"])
    assert emu.control.requests("/embeddings") == []  # every row came from the checkpoint
    assert [r["embedding"] for r in again] == [r["embedding"] for r in rows]


def test_complete_dataset_with_a_template_and_dedup(emu: EmulatorHandle, cluster: None) -> None:
    emu.control.reset()
    ds = ray.data.from_items([{"id": i, "topic": f"topic {i % 3}"} for i in range(9)])
    deployment = Deployment(endpoint=emu.openai_v1, model="gpt-4o-mini")
    out = complete_dataset(ds, deployment, prompt="Say {topic}", concurrency=1, batch_size=9, max_tokens=30)
    rows = sorted(out.take_all(), key=lambda r: r["id"])
    assert [r["completion_error"] for r in rows] == [None] * 9
    assert all(f"Say topic {r['id'] % 3}" in r["completion"] for r in rows)
    bodies = [e["body"] for e in emu.control.requests("/chat/completions")]
    assert len(bodies) == 3  # one call per distinct prompt
    assert all(b["max_tokens"] == 30 for b in bodies)
    with pytest.raises(ValueError, match="neither a column"):
        complete_dataset(ds, deployment, prompt="no such column")
    with pytest.raises(ValueError, match=r"names \['nope'\]"):
        complete_dataset(ds, deployment, prompt="Say {nope}")
