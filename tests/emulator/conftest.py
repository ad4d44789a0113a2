"""Fixtures of the emulator suite: an httpx client and helpers bound to the ``emu`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from emu_helpers import Emu

from azure_inference.emulator import EmulatorHandle


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=20) as client:
        yield client


@pytest.fixture
def e(emu: EmulatorHandle, http: httpx.Client) -> Emu:
    return Emu(emu, http)
