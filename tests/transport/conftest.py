"""Fixtures of the transport unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .helpers import Factory


@pytest.fixture(params=["httpx", "sender"])
async def make(request: pytest.FixtureRequest) -> AsyncIterator[Factory]:
    """``make(sync, server, **deployment_fields)``: a client answered by ``server``; closed at teardown.

    Every test body runs twice: over ``httpx.MockTransport`` and over a fake sender (``helpers.Factory``).
    """
    factory = Factory(request.param)
    yield factory
    await factory.aclose()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Configuration tests read the environment; a developer's own AZURE_INFERENCE_* must not leak in.
    import os

    for var in list(os.environ):
        if var.startswith("AZURE_INFERENCE_"):
            monkeypatch.delenv(var)
