"""LlamaIndex batch embedding: large framework batches, split into bounded concurrent requests, order kept."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest

from azure_inference.errors import ResponseValidationError
from llamaindex_azure_inference import AzureInferenceEmbedding

ENDPOINT = "https://unit.services.ai.azure.com/models"


class Server:
    """Answers ``/embeddings`` with ``[n, 0.5]`` for the text ``"t<n>"``, after a short delay; counts in-flight."""

    def __init__(self, delay: float = 0.01, shuffle: bool = False, broken_index: bool = False) -> None:
        self.delay = delay
        self.shuffle = shuffle  # answer items out of order (their "index" still right), as servers may
        self.broken_index = broken_index  # repeat the first index in place of the last
        self.sizes: list[int] = []
        self.inflight = self.peak = 0
        self._lock = threading.Lock()

    def _answer(self, request: httpx.Request) -> httpx.Response:
        texts = json.loads(request.content)["input"]
        data = [{"index": i, "embedding": [float(t[1:]), 0.5]} for i, t in enumerate(texts)]
        if self.shuffle:
            data = data[1::2][::-1] + data[::2]
        if self.broken_index and len(data) > 1:
            data[-1]["index"] = data[0]["index"]
        body = {"data": data, "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}
        return httpx.Response(200, json=body)

    def _enter(self, request: httpx.Request) -> None:
        with self._lock:
            self.sizes.append(len(json.loads(request.content)["input"]))
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)

    def _leave(self) -> None:
        with self._lock:
            self.inflight -= 1

    def sync_handler(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            time.sleep(self.delay)
            return self._answer(request)
        finally:
            self._leave()

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        self._enter(request)
        try:
            await asyncio.sleep(self.delay)
            return self._answer(request)
        finally:
            self._leave()


def make(server: Server, **kwargs: Any) -> AzureInferenceEmbedding:
    return AzureInferenceEmbedding(
        endpoint=ENDPOINT,
        credential="unit-key",
        model="text-embedding-3-small",
        encoding_format="float",
        http_client=httpx.Client(transport=httpx.MockTransport(server.sync_handler)),
        async_http_client=httpx.AsyncClient(transport=httpx.MockTransport(server.async_handler)),
        **kwargs,
    )


def test_defaults_let_the_framework_hand_over_large_batches() -> None:
    embed = make(Server())
    assert embed.embed_batch_size == 2048  # LlamaIndex's own upper bound for the field
    assert embed.request_batch_size <= 96
    with pytest.raises(ValueError, match="embed_batch_size"):
        make(Server(), embed_batch_size=4096)


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
@pytest.mark.parametrize(
    ("embed_batch_size", "sizes"),
    [
        (2048, [64] * 15 + [40]),  # one framework batch of 1,000: 16 requests
        (300, ([64] * 4 + [44]) * 3 + [64, 36]),  # four framework batches: 300, 300, 300, 100
    ],
)
async def test_requests_are_bounded_concurrent_and_vectors_keep_input_order(
    sync: bool, embed_batch_size: int, sizes: list[int]
) -> None:
    server = Server()
    embed = make(server, embed_batch_size=embed_batch_size, request_batch_size=64, max_concurrency=3)
    texts = [f"t{i}" for i in range(1000)]
    try:
        if sync:
            vectors = embed.get_text_embedding_batch(texts)
        else:
            vectors = await embed.aget_text_embedding_batch(texts)
    finally:
        await embed.aclose()
    assert vectors == [[float(i), 0.5] for i in range(1000)]
    assert sorted(server.sizes) == sorted(sizes)
    assert 2 <= server.peak <= 3  # requests overlap, never more than max_concurrency of them


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
async def test_a_single_text_is_one_request(sync: bool) -> None:
    server = Server(delay=0)
    embed = make(server)
    try:
        vector = embed.get_text_embedding("t7") if sync else await embed.aget_text_embedding("t7")
        empty = embed.get_text_embedding_batch([]) if sync else await embed.aget_text_embedding_batch([])
    finally:
        await embed.aclose()
    assert vector == [7.0, 0.5]
    assert empty == []
    assert server.sizes == [1]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
async def test_vectors_answered_out_of_order_come_back_in_input_order(sync: bool) -> None:
    server = Server(delay=0, shuffle=True)
    embed = make(server, request_batch_size=7, max_concurrency=2)
    texts = [f"t{i}" for i in range(30)]
    try:
        vectors = embed.get_text_embedding_batch(texts) if sync else await embed.aget_text_embedding_batch(texts)
    finally:
        await embed.aclose()
    assert sorted(server.sizes) == [2, 7, 7, 7, 7]
    assert vectors == [[float(i), 0.5] for i in range(30)]


@pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
async def test_an_answer_with_a_repeated_index_is_refused_not_reordered(sync: bool) -> None:
    # The adapter hands the transport's vectors over without copying and orders them by index: it relies on the
    # transport refusing an answer whose indexes are not exactly 0..n-1.
    embed = make(Server(delay=0, broken_index=True), request_batch_size=4)
    texts = [f"t{i}" for i in range(6)]

    async def run() -> list[list[float]]:
        return embed.get_text_embedding_batch(texts) if sync else await embed.aget_text_embedding_batch(texts)

    try:
        with pytest.raises(ResponseValidationError, match="index 0 is repeated"):
            await run()
    finally:
        await embed.aclose()
