"""429 storms, 5xx and dropped connections are retried within max_retries; 4xx never are.

Delays are measured on the emulator's own clock (the monotonic timestamp of each request's arrival), so the
waits stay tiny (tens of milliseconds) and the bounds are one-sided: a retry may come later, never sooner.
"""

from __future__ import annotations

from typing import Any

import pytest

from azure_inference import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnsupportedParameterError,
)
from azure_inference.emulator import EmulatorHandle

from .drivers import Driver, drivers
from .helpers import arrival_gaps, deployment, model_requests, session

pytestmark = pytest.mark.e2e

# (fault options, the wait the client must honour, the retry_after the error must carry)
STORMS: dict[str, tuple[dict[str, Any], float, float | None]] = {
    "retry-after-ms": ({"retry_after_ms": 60}, 0.060, 0.060),
    "Retry-After": ({"retry_after": 0.1}, 0.100, 0.100),
    # No hint: jittered exponential backoff from RetryPolicy.initial_delay (0.5 s, jitter 25%) => >= 0.375 s.
    "none": ({}, 0.375, None),
}
SLACK = 0.01  # timestamps come from two clocks in two processes; allow 10 ms of skew, never more.


@pytest.mark.parametrize("header", list(STORMS))
@drivers()
async def test_429_storm_is_retried_then_succeeds(driver: Driver, emu: EmulatorHandle, header: str) -> None:
    opts, wait, _ = STORMS[header]
    retries = 1 if header == "none" else 2  # keep the unhinted backoff to one wait
    emu.control.queue_fault("status", status=429, times=retries, route="chat", **opts)
    async with session(driver, deployment(emu, max_retries=retries)) as s:
        reply = await s.chat("storm-ok-token please")
    assert "storm-ok-token" in reply
    assert len(model_requests(emu)) == retries + 1
    gaps = arrival_gaps(emu)
    assert all(g >= wait - SLACK for g in gaps), f"retried sooner than asked: {gaps} < {wait}"
    assert all(g < wait + 3.0 for g in gaps), f"waited far longer than asked: {gaps}"


@pytest.mark.parametrize("header", list(STORMS))
@drivers()
async def test_429_storm_exhausts_retries_with_rate_limit_error(
    driver: Driver, emu: EmulatorHandle, header: str
) -> None:
    opts, wait, retry_after = STORMS[header]
    retries = 1 if header == "none" else 2
    emu.control.set_faults([{"kind": "status", "status": 429, "route": "chat", **opts}])
    async with session(driver, deployment(emu, max_retries=retries)) as s:
        with pytest.raises(RateLimitError) as info:
            await s.chat("never answered")
    err = info.value
    assert err.status_code == 429
    assert err.retry_after == (pytest.approx(retry_after) if retry_after is not None else None)
    assert len(model_requests(emu)) == retries + 1, "max_retries bounds the attempts"
    assert all(g >= wait - SLACK for g in arrival_gaps(emu))


@pytest.mark.parametrize("status", [500, 502, 503])
@drivers()
async def test_5xx_is_retried(driver: Driver, emu: EmulatorHandle, status: int) -> None:
    emu.control.queue_fault("status", status=status, retry_after_ms=10, times=2, route="chat")
    async with session(driver, deployment(emu, max_retries=2)) as s:
        assert "five-hundred-token" in await s.chat("five-hundred-token")
    assert len(model_requests(emu)) == 3


@drivers()
async def test_5xx_exhausted_raises_server_error(driver: Driver, emu: EmulatorHandle) -> None:
    emu.control.set_faults([{"kind": "status", "status": 503, "retry_after_ms": 10, "route": "chat"}])
    async with session(driver, deployment(emu, max_retries=1)) as s:
        with pytest.raises(ServerError) as info:
            await s.chat("x")
    assert info.value.status_code == 503
    assert len(model_requests(emu)) == 2


@drivers()
async def test_dropped_connection_is_retried(driver: Driver, emu: EmulatorHandle) -> None:
    emu.control.queue_fault("drop", times=1, route="chat")
    async with session(driver, deployment(emu, max_retries=1)) as s:
        assert "dropped-once-token" in await s.chat("dropped-once-token")
    assert len(model_requests(emu)) == 2


@drivers()
async def test_dropped_connection_exhausted_raises_connection_error(driver: Driver, emu: EmulatorHandle) -> None:
    emu.control.set_faults([{"kind": "drop", "route": "chat"}])
    async with session(driver, deployment(emu, max_retries=1)) as s:
        with pytest.raises(APIConnectionError) as info:
            await s.chat("x")
    assert "127.0.0.1" in str(info.value), "the error names where it failed"
    assert len(model_requests(emu)) == 2


NOT_RETRIED: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    422: UnsupportedParameterError,
}


@pytest.mark.parametrize("status", list(NOT_RETRIED))
@drivers()
async def test_4xx_is_never_retried(driver: Driver, emu: EmulatorHandle, status: int) -> None:
    emu.control.queue_error(status, code=f"code{status}", message=f"refused with {status}", route="chat", times=5)
    async with session(driver, deployment(emu, max_retries=3)) as s:
        with pytest.raises(NOT_RETRIED[status]) as info:
            await s.chat("x")
    assert info.value.status_code == status
    assert f"refused with {status}" in str(info.value)
    assert len(model_requests(emu)) == 1, "a client error must not be retried"
