"""Smoke test of the benchmark pieces: the fast server answers correctly and one tiny measurement runs.

Speed is measured by ``make bench``, never asserted here. These run in the project's ``.venv`` (raw httpx and
our transport only; the competitors live in ``.bench-venv``).
"""

from __future__ import annotations

import argparse
import base64
import struct
import sys
from collections.abc import Iterator

import httpx
import pytest

from benchmarks import worker
from benchmarks.clients import CHAT_REPLY_PREFIX, MODEL
from benchmarks.report import render
from benchmarks.server import CHAT_REPLY, STREAM_TOKEN, run_server


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with run_server(sys.executable) as url:
        httpx.post(url + "/_config", json={"chunks": 50, "dim": 8, "latency": 0}).raise_for_status()
        yield url


def test_server_answers_chat_stream_and_both_embedding_encodings(server: str) -> None:
    with httpx.Client(base_url=server) as http:
        chat = http.post("/models/chat/completions?api-version=x", json={"model": MODEL, "messages": []}).json()
        assert chat["choices"][0]["message"]["content"] == CHAT_REPLY
        assert CHAT_REPLY.startswith(CHAT_REPLY_PREFIX)

        with http.stream("POST", "/v1/chat/completions", json={"stream": True, "messages": []}) as response:
            events = [line[6:] for line in response.iter_lines() if line.startswith("data: ")]
        assert events[-1] == "[DONE]"
        assert sum(STREAM_TOKEN in e for e in events) == 50

        floats = http.post("/models/embeddings", json={"input": ["a", "b", "c"]}).json()["data"]
        packed = http.post("/models/embeddings", json={"input": ["a"], "encoding_format": "base64"}).json()["data"]
        assert [d["index"] for d in floats] == [0, 1, 2]
        decoded = struct.unpack("<8f", base64.b64decode(packed[0]["embedding"]))
        assert decoded == pytest.approx(floats[0]["embedding"], rel=1e-6)
        assert http.get("/nowhere").status_code == 404


@pytest.mark.parametrize("client", ["raw_httpx", "ours"])
@pytest.mark.parametrize("scenario", ["sync_chat", "async_chat", "stream", "stream_responses", "embed"])
def test_one_tiny_measurement_runs(server: str, client: str, scenario: str) -> None:
    args = argparse.Namespace(rounds=1, calls=20, inflight=5, chunks=50, texts=10, dim=8, budget=5.0, no_memory=False)
    result = worker.measure(client, scenario, server, args)
    assert result["value"] > 0
    assert len(result["rounds"]) == 1
    if scenario in ("stream", "stream_responses"):
        assert result["peak_kib"] > 0


def test_a_client_without_the_api_is_reported_as_skipped(server: str) -> None:
    args = argparse.Namespace(rounds=1, calls=1)
    with pytest.raises(LookupError, match="no sync_chat API"):
        worker.measure("raw_aiohttp", "sync_chat", server, args)


def test_report_ratios_come_from_the_same_run() -> None:
    results = {
        "a": {
            "raw_httpx": {"ok": True, "value": 500.0},
            "ours": {"ok": True, "value": 600.0},
            "azure_sdk": {"ok": True, "value": 1000.0},
        }
    }
    info = {
        "machine": {"nproc": "2", "cpu": "x", "memory": "1 GiB", "os": "y", "load_average": "0"},
        "versions": {"httpx": "0"},
        "date": "2026-11-24",
    }
    text = render(results, info)
    row = next(line for line in text.splitlines() if line.startswith("| ours: azure_inference"))
    assert "| 600 | 1.20× | 0.60× | missed (> 1.1×) |" in row


@pytest.mark.parametrize("client", ["lc_floor", "li_floor"])
@pytest.mark.parametrize("scenario", ["sync_chat", "async_chat", "stream", "embed"])
def test_the_framework_floors_do_the_same_work_as_the_clients(client: str, scenario: str) -> None:
    # The worker checks the reply text, the 50 deltas and 10 vectors of 8 floats, as for the real clients.
    args = argparse.Namespace(rounds=1, calls=20, inflight=5, chunks=50, texts=10, dim=8, budget=5.0, no_memory=True)
    result = worker.measure(client, scenario, "http://127.0.0.1:9", args)  # no server: nothing is sent
    assert result["value"] > 0
