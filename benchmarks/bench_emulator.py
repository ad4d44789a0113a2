"""Requests/second the emulator sustains on this machine (loopback, one emulator subprocess).

Starts ``python -m azure_inference.emulator --port 0`` and drives it with a bounded async load generator
(``--concurrency`` requests in flight, ``--requests`` per scenario after a warm-up) using aiohttp (the cheaper
client, so the numbers say more about the server) or httpx (``--client httpx``). Streamed chat reads every SSE
byte up to ``data: [DONE]``. The generator shares the machine's cores with the server.

Usage:
    python benchmarks/bench_emulator.py [--requests 2000] [--concurrency 16] [--client aiohttp|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from azure_inference.emulator import run_emulator

API = {"api-version": "2025-05-01"}
CHAT = {
    "messages": [
        {"role": "system", "content": "You are concise."},
        {"role": "user", "content": "Summarise the benefits of deterministic test servers."},
    ]
}
EMBED = {"input": ["The quick brown fox jumps over the lazy dog.", "Lorem ipsum dolor sit amet."]}


async def _chat_json(client: httpx.AsyncClient) -> None:
    r = await client.post("/models/chat/completions", params=API, json=CHAT)
    r.raise_for_status()
    r.json()


async def _chat_stream(client: httpx.AsyncClient) -> None:
    async with client.stream("POST", "/models/chat/completions", params=API, json={**CHAT, "stream": True}) as r:
        r.raise_for_status()
        tail = b""
        async for chunk in r.aiter_bytes():
            tail = (tail + chunk)[-32:]
        assert tail.endswith(b"data: [DONE]\n\n")


async def _embeddings(client: httpx.AsyncClient) -> None:
    r = await client.post("/models/embeddings", params=API, json=EMBED)
    r.raise_for_status()
    r.json()


async def _aio_chat_json(session: Any) -> None:
    async with session.post("/models/chat/completions", params=API, json=CHAT) as r:
        r.raise_for_status()
        await r.json()


async def _aio_chat_stream(session: Any) -> None:
    async with session.post("/models/chat/completions", params=API, json={**CHAT, "stream": True}) as r:
        r.raise_for_status()
        body = await r.read()
        assert body.endswith(b"data: [DONE]\n\n")


async def _aio_embeddings(session: Any) -> None:
    async with session.post("/models/embeddings", params=API, json=EMBED) as r:
        r.raise_for_status()
        await r.json()


AIOHTTP_SCENARIOS: dict[str, Callable[[Any], Any]] = {
    "chat (JSON)": _aio_chat_json,
    "chat (streamed)": _aio_chat_stream,
    "embeddings (2 inputs, 1536 d)": _aio_embeddings,
}

SCENARIOS: dict[str, Callable[[httpx.AsyncClient], Any]] = {
    "chat (JSON)": _chat_json,
    "chat (streamed)": _chat_stream,
    "embeddings (2 inputs, 1536 d)": _embeddings,
}


async def _drive(client: Any, fn: Callable[[Any], Any], total: int, concurrency: int) -> tuple[float, list[float]]:
    for _ in range(min(50, total)):  # warm-up: connections, validator caches
        await fn(client)
    latencies: list[float] = []
    queue = iter(range(total))

    async def worker() -> None:
        for _ in queue:
            t0 = time.perf_counter()
            await fn(client)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - start, latencies


async def _run(url: str, name: str, total: int, concurrency: int, client_kind: str) -> tuple[float, list[float]]:
    if client_kind == "aiohttp":
        import aiohttp

        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(base_url=url, connector=connector) as session:
            return await _drive(session, AIOHTTP_SCENARIOS[name], total, concurrency)
    transport = httpx.AsyncHTTPTransport(
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)], limits=httpx.Limits(max_connections=concurrency)
    )
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as client:
        return await _drive(client, SCENARIOS[name], total, concurrency)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario (default 2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (default 16)")
    parser.add_argument("--client", choices=["aiohttp", "httpx"], default="aiohttp", help="load generator")
    args = parser.parse_args()
    with run_emulator() as emu:
        rows = []
        for name in SCENARIOS:
            elapsed, lat = asyncio.run(_run(emu.url, name, args.requests, args.concurrency, args.client))
            lat.sort()
            rows.append(
                (name, args.requests / elapsed, statistics.median(lat) * 1000, lat[int(len(lat) * 0.99) - 1] * 1000)
            )
        assert emu.control.health()["internal_errors"] == 0
    print(
        f"emulator throughput: {args.requests} requests per scenario, {args.concurrency} in flight, "
        f"{args.client} client, loopback, {os.cpu_count()} cores"
    )
    print(f"{'scenario':<32}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, rps, p50, p99 in rows:
        print(f"{name:<32}{rps:>10.0f}{p50:>10.1f}{p99:>10.1f}")


if __name__ == "__main__":
    main()
