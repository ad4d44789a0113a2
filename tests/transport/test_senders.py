"""The sender interface (``azure_inference._sender``): one contract, run against each of the three real senders.

A small threaded HTTP/1.1 server on 127.0.0.1 answers each path in one way (a JSON body, a body in several
pieces, a connection dropped mid-body, a body that stalls); httpx sync, httpx async and aiohttp must each turn
it into the same view, bytes, chunks and typed errors.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from azure_inference import APIConnectionError, APITimeoutError
from azure_inference._aiohttp import AiohttpSender
from azure_inference._httpx import AsyncHttpxSender, HttpxSender
from azure_inference._response import BodyReadError
from azure_inference._sender import PreparedRequest

PARTS = [b"data: one\n\n", b"data: two\n\n", b"data: three\n\n"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.split("?")[0]
        if path == "/echo":
            self._send(200, b'{"got": ' + body + b"}", {"Retry-After": "3", "APIM-Request-Id": "rid-7"})
        elif path == "/parts":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in PARTS:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.01)
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/drop":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            self.close_connection = True
        elif path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.flush()
            time.sleep(1.0)
            self.close_connection = True
        else:
            self._send(404, b'{"error": {"code": "NotFound", "message": "no"}}', {})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def request(url: str, *, read: float = 2.0) -> PreparedRequest:
    timeout = httpx.Timeout(read, connect=1.0)
    headers = {"Content-Type": "application/json"}
    return PreparedRequest("POST", url, headers, b'{"n": 1}', timeout, read, "/echo")


class Driver:
    """Runs one sender through the interface with awaits where it needs them, so one test body serves all."""

    def __init__(self, kind: str, base: str) -> None:
        self.kind = kind
        self.sender: Any
        if kind == "httpx":
            self.sender = HttpxSender(httpx.Client(), owned=True)
        elif kind == "httpx-async":
            self._http = httpx.AsyncClient()
            self.sender = AsyncHttpxSender(self._http)
        else:
            self.sender = AiohttpSender(base)

    async def open(self, req: PreparedRequest, stream: bool = False) -> Any:
        if self.kind == "httpx":
            return self.sender.open(req, stream)
        return await self.sender.open(req, stream)

    async def read(self, reply: Any) -> bytes:
        body = reply.read()
        return await body if self.kind != "httpx" else body  # type: ignore[no-any-return]

    async def chunks(self, reply: Any) -> list[bytes]:
        if self.kind == "httpx":
            return list(reply.chunks())
        return [part async for part in reply.chunks()]

    async def close_reply(self, reply: Any) -> None:
        done = reply.close()
        if self.kind != "httpx":
            await done

    async def aclose(self) -> None:
        if self.kind == "httpx":
            self.sender.close()
            return
        await self.sender.close()
        if self.kind == "httpx-async":
            await self._http.aclose()


@pytest.fixture(params=["httpx", "httpx-async", "aiohttp"])
async def driver(request: pytest.FixtureRequest, base: str) -> AsyncIterator[Driver]:
    made = Driver(request.param, base)
    yield made
    await made.aclose()


async def test_open_gives_the_view_then_read_gives_the_body(driver: Driver, base: str) -> None:
    reply = await driver.open(request(base + "/echo?api-version=1"))
    assert (reply.status_code, reply.method, reply.url) == (200, "POST", base + "/echo?api-version=1")
    assert reply.path == "/echo"
    assert reply.headers.get("retry-after") == "3"  # case-insensitive lookups on every sender
    assert reply.request_id == "rid-7"
    assert reply.raw is not None
    assert await driver.read(reply) == b'{"got": {"n": 1}}'


async def test_a_status_error_still_has_its_body(driver: Driver, base: str) -> None:
    reply = await driver.open(request(base + "/missing"))
    assert reply.status_code == 404
    assert b"NotFound" in await driver.read(reply)


async def test_chunks_arrive_as_sent_and_close_is_idempotent(driver: Driver, base: str) -> None:
    reply = await driver.open(request(base + "/parts"), stream=True)
    assert reply.headers["content-type"] == "text/event-stream"
    assert b"".join(await driver.chunks(reply)) == b"".join(PARTS)
    await driver.close_reply(reply)
    await driver.close_reply(reply)


async def test_a_refused_connection_is_a_connection_error(driver: Driver) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/echo?api-version=secret-free"
    with pytest.raises(APIConnectionError) as info:
        await driver.open(request(url))
    assert not isinstance(info.value, APITimeoutError)
    assert str(info.value).startswith(f"POST http://127.0.0.1:{port}/echo failed before a response (")
    assert "api-version" not in str(info.value)


async def test_a_body_cut_short_fails_the_read_and_breaks_the_chunks(driver: Driver, base: str) -> None:
    reply = await driver.open(request(base + "/drop"))
    with pytest.raises(APIConnectionError, match="failed before a response"):
        await driver.read(reply)
    reply = await driver.open(request(base + "/drop"), stream=True)
    with pytest.raises(BodyReadError) as info:
        await driver.chunks(reply)
    assert info.value.timed_out is False
    await driver.close_reply(reply)


async def test_a_stalled_body_is_a_timeout(driver: Driver, base: str) -> None:
    reply = await driver.open(request(base + "/stall", read=0.2), stream=True)
    with pytest.raises(BodyReadError) as info:
        await driver.chunks(reply)
    assert info.value.timed_out is True
    await driver.close_reply(reply)


async def test_the_aiohttp_sender_keeps_one_session_per_loop(base: str) -> None:
    sender = AiohttpSender(base)
    assert sender.session is None  # nothing is built before the first request
    reply = await sender.open(request(base + "/echo"), False)
    await reply.read()
    first = sender.session
    reply = await sender.open(request(base + "/echo"), False)
    await reply.read()
    assert sender.session is first
    await sender.close()
    assert sender.session is None
    assert first is not None
    assert first.closed
