"""Load: 2,000 async requests, 100 in flight, through the transport and each adapter against the emulator.

Every result is matched to its request (a unique token echoed back, or the emulator's deterministic vector of
the unique text), no connection is left open beyond the pool, and traced memory returns to its baseline.
The figures are logged, and written to a Markdown table at ``$LOAD_REPORT`` when that variable is set.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from azure_inference import AsyncInferenceClient
from azure_inference.emulator import EmulatorHandle
from azure_inference.emulator.embeddings import text_embedding

from .helpers import EMBED_MODEL, deployment, established_to, model_requests

pytestmark = pytest.mark.e2e

REQUESTS = 2_000
IN_FLIGHT = 100
WARMUP = 200
MEMORY_SLACK = 20_000  # live memory blocks allowed to remain: 10 per request, a fraction of one leaked response
# The figures go to the log always, and to a Markdown table only when asked (LOAD_REPORT=path), so a test run
# never leaves the work tree modified.
LOAD_FILE = Path(os.environ["LOAD_REPORT"]) if os.environ.get("LOAD_REPORT") else None
log = logging.getLogger("tests.reliability.load")

Call = Callable[[int], Awaitable[None]]


_EXPECTED: dict[str, list[float]] = {}


def _expect_vectors(count: int, start: int) -> None:
    # The emulator's vectors are a pure function of the text; computed before measuring memory, since the
    # emulator module caches them in this process too.
    for i in range(start, start + count):
        text = f"document number {i}"
        if text not in _EXPECTED:
            _EXPECTED[text] = text_embedding(text, 1536)[:8]


def _vector_ok(text: str, vector: list[float]) -> None:
    assert len(vector) == 1536
    assert vector[:8] == pytest.approx(_EXPECTED[text], rel=1e-5, abs=1e-6), f"vector of {text!r} mismatched"


async def _transport(emu: EmulatorHandle) -> tuple[Call, Any]:
    client = AsyncInferenceClient(deployment(emu))

    async def call(i: int) -> None:
        token = f"tok{i}x"
        reply = await client.chat([{"role": "user", "content": f"echo {token}"}])
        assert token in (reply.content or ""), f"request {i} got {reply.content!r}"

    return call, client.close


async def _langchain_chat(emu: EmulatorHandle) -> tuple[Call, Any]:
    from langchain_azure_inference import ChatAzureInference

    model = ChatAzureInference(deployment=deployment(emu))

    async def call(i: int) -> None:
        token = f"tok{i}x"
        reply = await model.ainvoke(f"echo {token}")
        assert token in str(reply.content), f"request {i} got {reply.content!r}"

    return call, model.aclose


async def _langchain_llm(emu: EmulatorHandle) -> tuple[Call, Any]:
    from langchain_azure_inference import AzureInferenceLLM

    model = AzureInferenceLLM(deployment=deployment(emu, model="gpt-35-turbo-instruct"))

    async def call(i: int) -> None:
        token = f"tok{i}x"
        reply = await model.ainvoke(f"echo {token}")
        assert token in reply, f"request {i} got {reply!r}"

    return call, model.aclose


async def _langchain_embeddings(emu: EmulatorHandle) -> tuple[Call, Any]:
    from langchain_azure_inference import AzureInferenceEmbeddings

    model = AzureInferenceEmbeddings(deployment=deployment(emu, model=EMBED_MODEL))

    async def call(i: int) -> None:
        text = f"document number {i}"
        _vector_ok(text, await model.aembed_query(text))

    return call, model.aclose


async def _llamaindex_chat(emu: EmulatorHandle) -> tuple[Call, Any]:
    from llama_index.core.llms import ChatMessage

    from llamaindex_azure_inference import AzureInference

    llm = AzureInference(deployment=deployment(emu))

    async def call(i: int) -> None:
        token = f"tok{i}x"
        reply = await llm.achat([ChatMessage(role="user", content=f"echo {token}")])
        assert token in str(reply.message.content), f"request {i} got {reply.message.content!r}"

    return call, llm.aclose


async def _llamaindex_embedding(emu: EmulatorHandle) -> tuple[Call, Any]:
    from llamaindex_azure_inference import AzureInferenceEmbedding

    model = AzureInferenceEmbedding(deployment=deployment(emu, model=EMBED_MODEL))

    async def call(i: int) -> None:
        text = f"document number {i}"
        _vector_ok(text, await model.aget_text_embedding(text))

    return call, model.aclose


TARGETS: dict[str, tuple[Callable[[EmulatorHandle], Awaitable[tuple[Call, Any]]], str]] = {
    "transport AsyncInferenceClient.chat": (_transport, "/chat/completions"),
    "langchain ChatAzureInference.ainvoke": (_langchain_chat, "/chat/completions"),
    "langchain AzureInferenceLLM.ainvoke": (_langchain_llm, "/completions"),
    "langchain AzureInferenceEmbeddings.aembed_query": (_langchain_embeddings, "/embeddings"),
    "llamaindex AzureInference.achat": (_llamaindex_chat, "/chat/completions"),
    "llamaindex AzureInferenceEmbedding.aget_text_embedding": (_llamaindex_embedding, "/embeddings"),
}


async def _run(call: Call, start: int, count: int) -> list[BaseException]:
    gate = asyncio.Semaphore(IN_FLIGHT)
    peak = 0
    active = 0

    async def one(i: int) -> None:
        nonlocal peak, active
        async with gate:
            active += 1
            peak = max(peak, active)
            try:
                await call(i)
            finally:
                active -= 1

    results = await asyncio.gather(*(one(start + i) for i in range(count)), return_exceptions=True)
    assert peak == min(IN_FLIGHT, count), f"only {peak} requests were ever in flight"
    return [r for r in results if isinstance(r, BaseException)]


def _report(name: str, row: dict[str, Any]) -> None:
    line = (
        f"| {name} | {row['requests']} | {IN_FLIGHT} | {row['seconds']:.2f} | {row['rps']:.0f} | {row['errors']} "
        f"| {row['open_after']} | {row['leaked']} | {row['memory_delta']:+,} |"
    )
    log.warning("load %s", line)
    if LOAD_FILE is None:
        return
    rows = {}
    if LOAD_FILE.exists():
        for existing in LOAD_FILE.read_text().splitlines():
            if existing.startswith("| ") and not existing.startswith(("| target", "|---")):
                rows[existing.split(" | ")[0][2:]] = existing
    rows[name] = line
    header = (
        "# Load figures\n\nWritten by `tests/reliability/test_load.py` on every run: 2,000 async requests, 100 in "
        "flight, per target, against the emulator subprocess on loopback (after a 200-request warm-up).\n"
        "`open after` is the keep-alive pool left open before closing the client; `leaked` is what stays "
        "ESTABLISHED after closing it. `memory blocks` is the growth of `sys.getallocatedblocks()` "
        "(live Python memory blocks) across the run, after "
        "finished tasks are collected; a leak of one response per request would add well over 50,000.\n\n"
        "| target | requests | in flight | seconds | req/s | errors | open after | leaked | memory blocks |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    LOAD_FILE.write_text(header + "\n".join(rows[k] for k in TARGETS if k in rows) + "\n")


async def _settled_memory() -> int:
    """Live Python memory blocks once finished tasks are gone (asyncio drops them a few loop turns late)."""
    for _ in range(5):
        await asyncio.sleep(0.01)
    gc.collect()
    return sys.getallocatedblocks()


@pytest.mark.parametrize("name", list(TARGETS))
async def test_load(emu: EmulatorHandle, name: str) -> None:
    factory, route = TARGETS[name]
    if route == "/embeddings":
        _expect_vectors(WARMUP, 10_000_000)
        _expect_vectors(REQUESTS, 0)
    baseline_conns = established_to(emu.url)
    call, close = await factory(emu)
    try:
        assert await _run(call, 10_000_000, WARMUP) == []
        emu.control.clear_requests()
        before = await _settled_memory()
        start = time.perf_counter()
        errors = await _run(call, 0, REQUESTS)
        seconds = time.perf_counter() - start
        after = await _settled_memory()
        open_after = established_to(emu.url) - baseline_conns
    finally:
        await close()
    await asyncio.sleep(0.05)
    leaked = max(0, established_to(emu.url) - baseline_conns)
    row = {
        "requests": REQUESTS,
        "seconds": seconds,
        "rps": REQUESTS / seconds,
        "errors": len(errors),
        "open_after": open_after,
        "leaked": leaked,
        "memory_delta": after - before,
    }
    _report(name, row)
    assert errors == [], f"{len(errors)} failed, first: {errors[0]!r}"
    assert len(model_requests(emu, route)) == REQUESTS, "every request reached the server exactly once"
    assert open_after <= IN_FLIGHT, "the pool never holds more connections than requests in flight"
    assert leaked <= 0, f"{leaked} connection(s) left open after closing the client"
    assert after - before < MEMORY_SLACK, f"{after - before:,} memory blocks stayed allocated"
