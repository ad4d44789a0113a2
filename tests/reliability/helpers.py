"""Helpers shared by the reliability cases: sessions on the emulator, request-log timing, socket counts."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import psutil

from azure_inference import Deployment
from azure_inference.emulator import EmulatorHandle

from .drivers import Driver, Session

CHAT_MODEL = "gpt-4o-mini"
EMBED_MODEL = "text-embedding-3-small"


def deployment(emu: EmulatorHandle, model: str = CHAT_MODEL, **fields: Any) -> Deployment:
    """A deployment on the emulator's model-inference endpoint (no key: loopback needs none)."""
    return Deployment(endpoint=emu.endpoint, model=model, **fields)


@asynccontextmanager
async def session(driver: Driver, dep: Deployment) -> AsyncIterator[Session]:
    """Open ``driver`` on ``dep`` and release its clients afterwards."""
    s = driver.open(dep)
    try:
        yield s
    finally:
        await s.aclose()


def model_requests(emu: EmulatorHandle, route: str = "/chat/completions") -> list[dict[str, Any]]:
    """The model requests the emulator received on ``route`` (control calls are not logged)."""
    return [dict(r) for r in emu.control.requests(route)]


def arrival_gaps(emu: EmulatorHandle, route: str = "/chat/completions") -> list[float]:
    """Seconds between consecutive request arrivals, from the emulator's monotonic clock."""
    times = [r["monotonic"] for r in model_requests(emu, route)]
    return [b - a for a, b in itertools.pairwise(times)]


def established_to(url: str) -> int:
    """ESTABLISHED TCP connections from this process to the host:port of ``url``."""
    port = urlsplit(url).port
    conns = psutil.Process().net_connections(kind="tcp")
    return sum(1 for c in conns if c.status == psutil.CONN_ESTABLISHED and c.raddr and c.raddr.port == port)
