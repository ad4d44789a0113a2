"""A minimal, fast HTTP/1.1 loopback server that answers like a chat/embeddings model, for benchmarks.

It is a raw ``asyncio.Protocol`` (on uvloop when installed) that returns canned bytes, so the client under
test, not the server, is what gets measured. Every answer is built once and cached:

- ``POST …/chat/completions``: a canned chat completion, or with ``"stream": true`` an SSE body of
  ``chunks`` content deltas (framed as HTTP chunks, one per event, ending in ``data: [DONE]``);
- ``POST …/responses`` with ``"stream": true``: ``chunks`` text deltas as Responses API events
  (``responses_body``);
- ``POST …/embeddings``: one vector of ``dim`` numbers per input, as floats or, when the body asks for
  ``"encoding_format": "base64"``, as base64 little-endian float32;
- ``GET …/info``: a model-info object;
- ``POST /_config`` sets ``latency`` (seconds added to every answer, to model a remote service),
  ``chunks`` and ``dim``; ``GET /_stats`` returns the request count and the server's CPU seconds, which
  shows the server's own cost per request.

Run ``python -m benchmarks.server`` (it prints its URL), or use :func:`run_server` from Python.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

from .responses_body import responses_stream_body

__all__ = ["CHAT_REPLY", "MODEL", "ServerConfig", "run_server", "serve"]

MODEL = "bench-model"
CHAT_REPLY = "Hello! How can I help you today?"
STREAM_TOKEN = "tok "
_CREATED = 1700000000


class ServerConfig:
    """What the server answers; changed at run time through ``POST /_config``."""

    def __init__(self) -> None:
        self.latency = 0.0
        """Seconds to wait before each answer (a remote service's round trip)."""
        self.chunks = 2000
        """Content deltas in a streamed chat answer."""
        self.dim = 1024
        """Numbers per embedding vector (1024, as cohere-embed-v3 on Azure AI Model Inference)."""
        self.requests = 0
        self._cache: dict[Any, bytes] = {}

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``/_config`` changes and drop cached answers that depended on them."""
        self.latency = float(changes.get("latency", self.latency))
        self.chunks = int(changes.get("chunks", self.chunks))
        self.dim = int(changes.get("dim", self.dim))
        self._cache.clear()

    def cached(self, key: Any, build: Any) -> bytes:
        """The response for ``key``, built once."""
        data = self._cache.get(key)
        if data is None:
            data = self._cache[key] = build()
        return data


def _response(status: str, body: bytes, ctype: str = "application/json") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: {ctype}\r\ncontent-length: {len(body)}\r\nx-request-id: bench\r\n\r\n"
    return head.encode() + body


def _chat_body() -> bytes:
    return _response(
        "200 OK",
        json.dumps(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": _CREATED,
                "model": MODEL,
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": CHAT_REPLY}}
                ],
                "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
            },
            separators=(",", ":"),
        ).encode(),
    )


def _sse_chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> bytes:
    chunk: dict[str, Any] = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": _CREATED,
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if usage is not None:
        chunk["usage"] = usage
    event = b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
    return b"%x\r\n%s\r\n" % (len(event), event)  # one HTTP chunk per event, as a real server flushes them


def _stream_body(chunks: int) -> bytes:
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
    token = _sse_chunk({"content": STREAM_TOKEN})
    usage = {"prompt_tokens": 12, "completion_tokens": chunks, "total_tokens": 12 + chunks}
    done = b"data: [DONE]\n\n"
    return b"".join(
        [
            head,
            _sse_chunk({"role": "assistant", "content": ""}),
            token * chunks,
            _sse_chunk({}, "stop", usage),
            b"%x\r\n%s\r\n" % (len(done), done),
            b"0\r\n\r\n",
        ]
    )


def _vector(dim: int) -> list[float]:
    # Ten significant digits, like real services print float32 values: the float form is ~2.4x the base64 one.
    return [float(f"{math.sin(i * 0.7 + 1) * 0.05:.10g}") for i in range(dim)]


def _embeddings_body(count: int, fmt: str, dim: int) -> bytes:
    vec = _vector(dim)
    if fmt == "base64":
        encoded = '"' + base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode() + '"'
    else:
        encoded = "[" + ",".join(map(repr, vec)) + "]"
    items = ",".join(f'{{"object":"embedding","index":{i},"embedding":{encoded}}}' for i in range(count))
    body = (
        f'{{"id":"emb-bench","object":"list","model":"{MODEL}","data":[{items}],'
        f'"usage":{{"prompt_tokens":{count * 4},"total_tokens":{count * 4}}}}}'
    )
    return _response("200 OK", body.encode())


_INFO = _response(
    "200 OK", b'{"model_name":"bench-model","model_type":"chat-completion","model_provider_name":"bench"}'
)
_NOT_FOUND = _response("404 Not Found", b'{"error":{"code":"NotFound","message":"no such route"}}')


def answer(config: ServerConfig, method: str, path: str, body: bytes) -> bytes:
    """The full HTTP response for one request (pure apart from the cache)."""
    path = path.split("?", 1)[0]
    if method == "POST" and path.endswith("/chat/completions"):
        if b'"stream"' in body and json.loads(body).get("stream"):
            return config.cached(("stream", config.chunks), lambda: _stream_body(config.chunks))
        return config.cached("chat", _chat_body)
    if method == "POST" and path.endswith("/responses"):
        key = ("responses", config.chunks)
        return config.cached(key, lambda: responses_stream_body(config.chunks, STREAM_TOKEN, MODEL, _CREATED))
    if method == "POST" and path.endswith("/embeddings"):
        payload = json.loads(body)
        inputs = payload.get("input")
        count = len(inputs) if isinstance(inputs, list) else 1
        fmt = "base64" if payload.get("encoding_format") == "base64" else "float"
        return config.cached(("emb", count, fmt, config.dim), lambda: _embeddings_body(count, fmt, config.dim))
    if method == "GET" and path.endswith("/info"):
        return _INFO
    if path == "/_config" and method == "POST":
        config.update(json.loads(body or b"{}"))
        return _response("200 OK", b"{}")
    if path == "/_stats":
        stats = {"requests": config.requests, "cpu_seconds": time.process_time()}
        return _response("200 OK", json.dumps(stats).encode())
    return _NOT_FOUND


class _Protocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; bodies by content-length or chunked transfer encoding."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transport is not a subclass
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            request = self._take_request()
            if request is None:
                return
            self._reply(*request)

    def _take_request(self) -> tuple[str, str, bytes, bool] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = self.buffer[:end].decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        start = end + 4
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parsed = _dechunk(self.buffer, start)
            if parsed is None:
                return None
            body, consumed = parsed
        else:
            length = int(headers.get("content-length", "0") or 0)
            if len(self.buffer) < start + length:
                return None
            body, consumed = self.buffer[start : start + length], start + length
        self.buffer = self.buffer[consumed:]
        return method, path, body, headers.get("connection", "").lower() == "close"

    def _reply(self, method: str, path: str, body: bytes, close: bool) -> None:
        self.config.requests += 1
        response = answer(self.config, method, path, body)
        if self.config.latency > 0 and not path.startswith("/_"):
            asyncio.get_running_loop().call_later(self.config.latency, self._write, response, close)
        else:
            self._write(response, close)

    def _write(self, response: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(response)
        if close:
            self.transport.close()


def _dechunk(buffer: bytes, pos: int) -> tuple[bytes, int] | None:
    parts = []
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(buffer[pos:eol].split(b";")[0], 16)
        if len(buffer) < eol + 2 + size + 2:
            return None
        parts.append(buffer[eol + 2 : eol + 2 + size])
        pos = eol + 2 + size + 2
        if size == 0:
            return b"".join(parts), pos


async def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve forever, printing ``http://host:port`` on stdout once listening."""
    loop = asyncio.get_running_loop()
    config = ServerConfig()
    server = await loop.create_server(lambda: _Protocol(config), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()
    print(f"http://{bound[0]}:{bound[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    """Entry point: ``python -m benchmarks.server [port]``; uses uvloop when installed."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    try:
        import uvloop

        uvloop.run(serve(port=port))
    except ImportError:
        asyncio.run(serve(port=port))
    except KeyboardInterrupt:
        pass


@contextlib.contextmanager
def run_server(python: str = sys.executable, cwd: str | None = None) -> Iterator[str]:
    """Start the server in a subprocess of ``python`` and yield its base URL; stop it on exit."""
    proc = subprocess.Popen(
        [python, "-m", "benchmarks.server"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=cwd
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().strip()
        if not url.startswith("http://"):
            raise RuntimeError(f"benchmark server did not start (exit code {proc.poll()})")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


if __name__ == "__main__":
    main()
