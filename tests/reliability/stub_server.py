"""Tiny misbehaving HTTP servers on 127.0.0.1 for faults the emulator cannot produce: a port that never
accepts (connect timeout), a body that drips (whole-request timeout) and a stream that stalls mid-way.

Each is a context manager yielding its base URL; every socket is closed on exit.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_CHUNK = {
    "id": "chatcmpl-stub",
    "object": "chat.completion.chunk",
    "created": 0,
    "model": "stub",
    "choices": [{"index": 0, "delta": {"role": "assistant", "content": "partial "}, "finish_reason": None}],
}


@contextmanager
def blackhole() -> Iterator[str]:
    """A listening port whose accept queue is full, so new connections hang in SYN_SENT (no RST, no answer)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        for _ in range(8):  # listen(0) queues about one; the rest are dropped SYNs the kernel keeps retrying
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            fillers.append(filler)
            filler.connect_ex(("127.0.0.1", port))
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return
        data += part
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        part = conn.recv(65536)
        if not part:
            return
        rest += part


@contextmanager
def serve(respond: Callable[[socket.socket, threading.Event], None]) -> Iterator[str]:
    """Accept connections on a free port; ``respond(conn, stop)`` writes the answer after the request is read."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.05)
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                respond(conn, stop)
            except OSError:
                pass  # the client went away: that is the point of most of these servers

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            conn.settimeout(10)
            worker = threading.Thread(target=handle, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept_loop, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(5)
        for worker in workers:
            worker.join(5)
        server.close()


def drip_json(conn: socket.socket, stop: threading.Event) -> None:
    """A 200 JSON answer whose body arrives one byte every 50 ms (each read is quick; the whole never ends)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not stop.wait(0.05):
        conn.sendall(b" ")


def stall_sse(conn: socket.socket, stop: threading.Event) -> None:
    """Two valid chunks of a chat stream, then silence until the client hangs up (or the server stops)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
    for _ in range(2):
        conn.sendall(b"data: " + json.dumps(_CHUNK).encode() + b"\n\n")
    conn.settimeout(0.05)
    deadline = time.monotonic() + 10
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if not conn.recv(1):
                return  # the client closed its end
        except TimeoutError:
            continue
