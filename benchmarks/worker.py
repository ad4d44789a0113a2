"""One measurement of one client, in a fresh interpreter: ``python -m benchmarks.worker CLIENT SCENARIO SERVER``.

It prints one JSON object on its last stdout line. Each result is checked (the reply text, the number of
stream deltas, the number and length of vectors) so a client that fails quietly cannot post a fast number.

Scenarios:
    sync_chat   per-call µs of sequential non-streamed chat calls, ``--rounds`` rounds of ``--calls``
    async_chat  calls/s of ``--calls`` calls with ``--inflight`` in flight, ``--rounds`` rounds
    stream      ms to consume one streamed answer of ``--chunks`` deltas, then its tracemalloc peak
    embed       wall seconds to embed ``--texts`` short texts through the client's batch API
    quota       figure (q): one bulk embedding of ``--texts`` texts by a row of ``quota_clients.ROWS`` (CLIENT is
                the row's key) against the emulator in quota mode, timed once (no warm-up: it would spend quota);
                rows lost are counted here, the quota figures are read from the emulator by the runner
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import statistics
import sys
import time
import tracemalloc
from typing import Any

from .clients import CHAT_REPLY_PREFIX, AsyncHarness, Harness

__all__ = ["main", "measure"]


def _check_reply(text: Any) -> None:
    if not (isinstance(text, str) and text.startswith(CHAT_REPLY_PREFIX)):
        raise AssertionError(f"unexpected reply {text!r}")


def sync_chat(harness: Harness, rounds: int, calls: int) -> dict[str, Any]:
    """Median per-call microseconds of sequential calls (median of the rounds' medians)."""
    for _ in range(max(20, calls // 10)):
        _check_reply(harness.run())
    medians = []
    for _ in range(rounds):
        times = []
        for _ in range(calls):
            start = time.perf_counter_ns()
            text = harness.run()
            times.append(time.perf_counter_ns() - start)
        _check_reply(text)
        medians.append(statistics.median(times) / 1000)
    return {"value": statistics.median(medians), "unit": "µs/call", "rounds": medians}


async def _async_chat(harness: AsyncHarness, rounds: int, calls: int, inflight: int) -> dict[str, Any]:
    async def batch(n: int) -> None:
        queue = iter(range(n))

        async def worker() -> None:
            for _ in queue:
                _check_reply(await harness.run())

        await asyncio.gather(*(worker() for _ in range(inflight)))

    try:
        await batch(max(inflight * 2, calls // 5))  # warm up: open the pool's connections
        rates = []
        for _ in range(rounds):
            start = time.perf_counter()
            await batch(calls)
            rates.append(calls / (time.perf_counter() - start))
    finally:
        await harness.close()
    return {"value": statistics.median(rates), "unit": "calls/s", "rounds": rates}


def stream(harness: Harness, rounds: int, chunks: int, memory: bool = True) -> dict[str, Any]:
    """Median ms to consume one stream, then (a separate run, since tracing slows Python) its tracemalloc peak."""

    def consume() -> None:
        seen = harness.run()
        if seen != chunks:
            raise AssertionError(f"expected {chunks} deltas, got {seen}")

    consume()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        consume()
        times.append((time.perf_counter() - start) * 1000)
    result: dict[str, Any] = {"value": statistics.median(times), "unit": "ms", "rounds": times}
    if memory:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        consume()
        result["peak_kib"] = (tracemalloc.get_traced_memory()[1] - base) / 1024
        tracemalloc.stop()
    return result


def embed(harness: Harness, rounds: int, texts: int, dim: int, budget: float) -> dict[str, Any]:
    """Wall seconds for the whole batch; fewer rounds when a round is slow (``budget`` seconds in all)."""
    inputs = [f"short text number {i} about a topic" for i in range(texts)]
    harness.run(inputs[:2])  # connect (and let adapters learn what the server accepts)
    times: list[float] = []
    while len(times) < rounds and sum(times) < budget:
        start = time.perf_counter()
        vectors = harness.run(inputs)
        times.append(time.perf_counter() - start)
        if len(vectors) != texts or len(vectors[0]) != dim or len(vectors[-1]) != dim:
            raise AssertionError(f"expected {texts} vectors of {dim}, got {len(vectors)} of {len(vectors[0])}")
        del vectors
        gc.collect()
    return {"value": statistics.median(times), "unit": "s", "rounds": times}


def quota(row_key: str, server: str, args: argparse.Namespace) -> dict[str, Any]:
    """One timed bulk embedding; a client that raises is reported with its rows lost, not as a failed worker."""
    from .quota import quota_texts, rows_lost
    from .quota_clients import ROW_BY_KEY, QuotaRun

    row = ROW_BY_KEY.get(row_key)
    if row is None:
        raise LookupError(f"no quota row {row_key!r}")
    texts = quota_texts(args.texts)
    budget = args.quota_tpm if row.budget else 0
    harness = row.factory(server, QuotaRun(args.model, budget, args.quota_window, getattr(args, "adapt", "auto")))
    error = None
    vectors = None
    try:
        start = time.perf_counter()
        try:
            vectors = harness.run(texts)
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
        wall = time.perf_counter() - start
    finally:
        harness.close()
    result = {"value": wall, "unit": "s", "rows_lost": rows_lost(vectors, len(texts), args.dim)}
    if error:
        result["client_error"] = error
    return result


def measure(client: str, scenario: str, server: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run ``scenario`` for ``client`` against ``server``; raises ``LookupError`` if the client lacks it."""
    if scenario == "quota":
        return quota(client, server, args)
    # The framework floors (no server) make as many chunks and vectors as the real clients get.
    os.environ["BENCH_CHUNKS"] = str(getattr(args, "chunks", 2000))
    os.environ["BENCH_DIM"] = str(getattr(args, "dim", 1024))
    module = importlib.import_module(f"benchmarks.clients.{client}")
    factory = getattr(module, scenario, None)
    if factory is None:
        raise LookupError(f"{client} has no {scenario} API")
    harness = factory(server)
    if scenario == "async_chat":
        return asyncio.run(_async_chat(harness, args.rounds, args.calls, args.inflight))
    try:
        if scenario == "sync_chat":
            return sync_chat(harness, args.rounds, args.calls)
        if scenario in ("stream", "stream_responses"):
            return stream(harness, args.rounds, args.chunks, memory=not args.no_memory)
        if scenario == "embed":
            return embed(harness, args.rounds, args.texts, args.dim, args.budget)
        raise LookupError(f"unknown scenario {scenario}")
    finally:
        harness.close()


def main(argv: list[str] | None = None) -> int:
    """Command line; prints ``{"ok": true, ...}`` or ``{"ok": false, "error": ...}``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker")
    parser.add_argument("client")
    parser.add_argument("scenario", choices=["sync_chat", "async_chat", "stream", "stream_responses", "embed", "quota"])
    parser.add_argument("server")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--inflight", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--budget", type=float, default=20.0, help="embed: stop adding rounds after this many s")
    parser.add_argument("--model", default="bench-embed", help="quota: the embeddings deployment")
    parser.add_argument("--quota-tpm", type=int, default=0, help="quota: the client budget's TPM (budget rows)")
    parser.add_argument("--quota-window", type=float, default=4.0, help="quota: the client budget's window, s")
    parser.add_argument("--no-memory", action="store_true", help="stream: skip the tracemalloc pass")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile to stderr")
    args = parser.parse_args(argv)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    try:
        result = {"ok": True, **measure(args.client, args.scenario, args.server, args)}
    except LookupError as exc:
        result = {"ok": False, "skipped": True, "error": str(exc)}
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
