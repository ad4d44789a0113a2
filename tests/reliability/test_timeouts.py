"""Connect, read and whole-request timeouts raise APITimeoutError within the configured bound, and an async
caller that cancels mid-stream leaves no connection open."""

from __future__ import annotations

import asyncio
import time

import pytest

from azure_inference import APITimeoutError, Deployment
from azure_inference.emulator import EmulatorHandle

from .drivers import ASYNC_DRIVERS, Driver, drivers
from .helpers import CHAT_MODEL, deployment, established_to, model_requests, session
from .stub_server import blackhole, drip_json, serve, stall_sse

pytestmark = pytest.mark.e2e

SLACK = 1.5  # generous: CI machines stall; the point is "bounded", not "precise"


def stub(url: str, **fields: float) -> Deployment:
    return Deployment(endpoint=url + "/models", model=CHAT_MODEL, max_retries=0, **fields)


@drivers()
async def test_connect_timeout(driver: Driver) -> None:
    with blackhole() as url:
        async with session(driver, stub(url, timeout=5.0, connect_timeout=0.3)) as s:
            start = time.monotonic()
            with pytest.raises(APITimeoutError) as info:
                await s.chat("x")
            elapsed = time.monotonic() - start
    assert elapsed < 0.3 + SLACK, f"connect timeout of 0.3 s took {elapsed:.2f} s"
    assert "0.3" in str(info.value), "the error names the bound"


@drivers()
async def test_read_timeout(driver: Driver, emu: EmulatorHandle) -> None:
    emu.control.queue_fault("latency", latency_ms=3000, route="chat")
    async with session(driver, deployment(emu, timeout=0.4, max_retries=0)) as s:
        start = time.monotonic()
        with pytest.raises(APITimeoutError):
            await s.chat("x")
        elapsed = time.monotonic() - start
    assert elapsed < 0.4 + SLACK, f"read timeout of 0.4 s took {elapsed:.2f} s"
    assert len(model_requests(emu)) == 1


@drivers()
async def test_timeouts_are_retried_within_the_bound(driver: Driver, emu: EmulatorHandle) -> None:
    emu.control.queue_fault("latency", latency_ms=3000, route="chat")
    async with session(driver, deployment(emu, timeout=0.4, max_retries=1)) as s:
        start = time.monotonic()
        assert "after-a-timeout" in await s.chat("after-a-timeout")
        elapsed = time.monotonic() - start
    assert len(model_requests(emu)) == 2
    assert elapsed < 0.4 + 0.5 + SLACK  # one timeout, one backoff (<= 0.5 s), one quick answer


@drivers()
async def test_whole_request_timeout_on_a_dripping_body(driver: Driver) -> None:
    # Each read succeeds within the read timeout; only the whole-request deadline can stop this.
    with serve(drip_json) as url:
        async with session(driver, stub(url, timeout=0.6)) as s:
            start = time.monotonic()
            with pytest.raises(APITimeoutError) as info:
                await s.chat("x")
            elapsed = time.monotonic() - start
    assert elapsed < 0.6 + SLACK, f"a 0.6 s request deadline took {elapsed:.2f} s"
    assert "0.6" in str(info.value)


@drivers()
async def test_stalled_stream_times_out(driver: Driver) -> None:
    with serve(stall_sse) as url:
        # 1 s: the two chunks sent at once must be read before the deadline even on a loaded machine (at 0.5 s a
        # run at load 5+ once timed out before reading them).
        async with session(driver, stub(url, timeout=1.0)) as s:
            start = time.monotonic()
            with pytest.raises(APITimeoutError) as info:
                await s.stream_text("x")
            elapsed = time.monotonic() - start
    assert elapsed < 1.0 + SLACK
    assert "2 chunks" in str(info.value), "the error says how much arrived"


@drivers(ASYNC_DRIVERS)
async def test_cancel_mid_stream_leaves_no_connection(driver: Driver) -> None:
    with serve(stall_sse) as url:
        async with session(driver, stub(url, timeout=30.0)) as s:
            first = asyncio.Event()

            async def consume() -> None:
                async for _ in s.stream("x"):
                    first.set()

            task = asyncio.create_task(consume())
            await asyncio.wait_for(first.wait(), 5)
            assert established_to(url) == 1, "the stream is open while it is consumed"
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            for _ in range(50):  # the close is immediate; allow the loop a few turns to run it
                if established_to(url) == 0:
                    break
                await asyncio.sleep(0.02)
            assert established_to(url) == 0, "cancelling mid-stream must close the connection"
