"""Fixtures of the transport unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .helpers import Factory


@pytest.fixture
async def make() -> AsyncIterator[Factory]:
    """``make(sync, server, **deployment_fields)``: a client over MockTransport; closed at teardown."""
    factory = Factory()
    yield factory
    await factory.aclose()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Configuration tests read the environment; a developer's own AZURE_INFERENCE_* must not leak in.
    import os

    for var in list(os.environ):
        if var.startswith("AZURE_INFERENCE_"):
            monkeypatch.delenv(var)
