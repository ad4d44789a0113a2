"""Issue 12 against real sockets on 127.0.0.1: a stream dropped unread gives its connection back, one async client
serves two threads with their own loops, a plain-http key never reaches an environment proxy, and the async
client's own (aiohttp) sender bounds bodies and gzip bombs as the httpx senders do."""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from azure_inference import (
    APITimeoutError,
    AsyncInferenceClient,
    InferenceClient,
    ResponseValidationError,
    ServerError,
)
from azure_inference.emulator import EmulatorHandle

from .helpers import CHAT_MODEL, deployment
from .stub_server import serve

pytestmark = pytest.mark.e2e

MSGS = [{"role": "user", "content": "Hi"}]
KEY = "sk-hostile-SECRET-9c1d2e3f4a"


def test_stream_dropped_without_iterating_releases_its_connection(emu: EmulatorHandle) -> None:
    # Two pooled connections: without the finalizer the third stream_chat waits for a free one forever.
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)
    with (
        httpx.Client(limits=limits, timeout=httpx.Timeout(5.0, pool=2.0)) as http,
        InferenceClient(deployment(emu, max_retries=0), http_client=http) as client,
    ):
        for _ in range(6):
            stream = client.stream_chat(MSGS)
            del stream
            gc.collect()
        assert client.chat(MSGS).content


def test_async_client_shared_by_two_threads_with_their_own_loops(emu: EmulatorHandle) -> None:
    client = AsyncInferenceClient(deployment(emu, max_retries=0))
    failures: list[BaseException] = []

    async def calls() -> None:
        for _ in range(10):
            await asyncio.gather(*(client.chat(MSGS) for _ in range(5)))

    def run() -> None:
        try:
            asyncio.run(calls())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures[:1]


@contextmanager
def recording_proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A loopback "proxy" that records what it is sent and answers 502."""
    seen: list[bytes] = []
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    seen.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    finally:
        stop.set()
        worker.join(5)
        server.close()


@pytest.mark.parametrize("sync", [True, False])
def test_plain_http_key_never_goes_to_an_environment_proxy(
    emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, sync: bool
) -> None:
    with recording_proxy() as (proxy, seen):
        for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(var, proxy)
        for var in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(var, raising=False)
        dep = deployment(emu, credential=KEY, max_retries=0)
        if sync:
            with InferenceClient(dep) as client:
                assert client.chat(MSGS).content
        else:

            async def call() -> str | None:
                aclient = AsyncInferenceClient(dep)
                try:
                    return (await aclient.chat(MSGS)).content
                finally:
                    await aclient.close()

            assert asyncio.run(call())
    assert not any(KEY.encode() in data for data in seen)
    assert seen == []  # the request went straight to the loopback endpoint


def _answer(status: int, body: bytes, *, gzip_it: bool = False) -> Callable[[socket.socket, threading.Event], None]:
    payload = gzip.compress(body) if gzip_it else body
    head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    if gzip_it:
        head += "Content-Encoding: gzip\r\n"
    data = head.encode() + b"\r\n" + payload

    def respond(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)

    return respond


async def test_aiohttp_sender_bounds_a_gzip_bomb() -> None:
    bomb = b'{"id": "' + b"0" * 30_000_000 + b'"}'
    with serve(_answer(200, bomb, gzip_it=True)) as url:
        client = AsyncInferenceClient(
            endpoint=url + "/models", model=CHAT_MODEL, max_retries=0, max_response_bytes=1_000_000
        )
        try:
            with pytest.raises(ResponseValidationError, match="max_response_bytes"):
                await client.chat(MSGS)
        finally:
            await client.close()


async def test_aiohttp_sender_reads_an_error_body_only_in_part() -> None:
    size = 50_000_000
    head = json.dumps({"error": {"code": "Boom", "message": "boom"}}).encode()
    sent: list[int] = []

    def respond(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(f"HTTP/1.1 500 X\r\nContent-Length: {len(head) + size}\r\n\r\n".encode() + head)
        total = 0
        piece = b" " * 65536
        try:
            while total < size:
                conn.sendall(piece)
                total += len(piece)
        finally:
            sent.append(total)

    with serve(respond) as url:
        client = AsyncInferenceClient(endpoint=url + "/models", model=CHAT_MODEL, max_retries=0)
        try:
            with pytest.raises(ServerError, match="Boom: boom"):
                await asyncio.wait_for(client.chat(MSGS), 10)
        finally:
            await client.close()
    # The client hung up after the start: only what the socket buffers held was sent, not the 50 MB.
    assert sent
    assert sent[0] < size // 2


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    """A status line and headers sent one byte every 50 ms (each read is quick; the headers never end)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 10_000
    for byte in head:
        if stop.wait(0.05):
            return
        conn.sendall(bytes([byte]))


def test_headers_trickled_byte_by_byte_time_out_at_the_deadline() -> None:
    with serve(trickle_headers) as url:
        client = InferenceClient(
            endpoint=url + "/models", model=CHAT_MODEL, max_retries=0, timeout=1.0, connect_timeout=1.0
        )
        try:
            started = time.monotonic()
            with pytest.raises(APITimeoutError):
                client.chat(MSGS)
            assert time.monotonic() - started < 1.0 + 2.0
        finally:
            client.close()
