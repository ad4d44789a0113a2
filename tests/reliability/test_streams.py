"""A broken stream raises StreamError saying how much arrived; it is never a silently short answer and never
retried once a chunk was yielded."""

from __future__ import annotations

import pytest

from azure_inference import StreamError
from azure_inference.emulator import EmulatorHandle

from .drivers import Driver, drivers
from .helpers import deployment, model_requests, session

pytestmark = pytest.mark.e2e

PROMPT = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima"

# fault kind -> words that must appear in the StreamError message
STREAM_FAULTS = {
    "stream_cut": "ended early",
    "malformed_chunk": "malformed",
    "stream_error": "error mid-stream",
    "stream_reset": "broke mid-stream",
}


@pytest.mark.parametrize("kind", list(STREAM_FAULTS))
@drivers()
async def test_broken_stream_raises_stream_error(driver: Driver, emu: EmulatorHandle, kind: str) -> None:
    async with session(driver, deployment(emu, max_retries=3)) as s:
        whole = await s.stream_text(PROMPT)
        assert PROMPT in whole
        emu.control.clear_requests()
        emu.control.queue_fault(kind, after_chunks=3, route="chat", message="model server crashed")
        received: list[str] = []

        async def consume() -> None:
            async for piece in s.stream(PROMPT):
                received.append(piece)

        with pytest.raises(StreamError) as info:
            await consume()
    err = info.value
    assert STREAM_FAULTS[kind] in str(err)
    assert f"after {err.chunks_received} chunks" in str(err), "the message says how much was received"
    assert err.chunks_received >= 1
    got = "".join(received)
    assert got != whole, "a broken stream must not look complete"
    assert err.content_received == got or err.content_received.startswith(got)
    assert whole.startswith(err.content_received)
    if kind == "stream_error":
        assert err.error_code == "server_error"
        assert "model server crashed" in str(err)
    assert len(model_requests(emu)) == 1, "no retry after the first chunk was yielded"
