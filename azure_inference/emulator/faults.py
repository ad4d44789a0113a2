"""Fault injection: what can go wrong on the wire, and how the emulator makes it happen.

A :class:`Fault` is configured per emulator (``--fault``, the ``[[emulator.faults]]`` TOML table, or
``PUT /_emulator/faults``) or queued for one request (``POST /_emulator/script`` with ``{"fault": ...}``).

Kinds:

- ``status``: an error status (429, 500, 502, 503, ...) in Azure's shape, with ``Retry-After`` (seconds)
  and/or ``retry-after-ms`` when set (docs/wire.md §9 explains which of them azure-core honours).
- ``latency``: wait ``latency_ms`` and then answer normally (any fault can also carry ``latency_ms``).
- ``drop``: close the TCP connection before any response byte (the client sees a connection error).
- ``stream_cut``: end a streamed body cleanly after ``after_chunks`` chunks, with no ``finish_reason`` and no
  ``data: [DONE]``.
- ``stream_reset``: abort the TCP connection after ``after_chunks`` chunks (an incomplete chunked body).
- ``malformed_chunk``: emit ``data: {"id": ...`` (broken JSON) after ``after_chunks`` chunks, then go on.
- ``stream_error``: emit ``data: {"error": {...}}`` after ``after_chunks`` chunks and end without ``[DONE]``.
- ``html``: an HTML page with ``status`` (200 or 502, as a proxy in front of a model would send).
- ``malformed_json``: a 200 ``application/json`` body that is not JSON.
- ``nested_embedding``: embeddings as ``[[...]]`` (a list inside the list, as some OpenAI-compatible
  servers send).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from . import rendering

FAULT_KINDS = (
    "status",
    "latency",
    "drop",
    "stream_cut",
    "stream_reset",
    "malformed_chunk",
    "stream_error",
    "html",
    "malformed_json",
    "nested_embedding",
)
ROUTES = (
    *("chat", "embeddings", "image_embeddings", "completions", "info", "image_generations", "models"),
    "responses",
)
STREAM_KINDS = ("stream_cut", "stream_reset", "malformed_chunk", "stream_error")


@dataclass
class Fault:
    """One injected fault.

    Attributes:
        kind: One of :data:`FAULT_KINDS` (see the module docstring).
        status: Status for ``status`` and ``html`` faults.
        retry_after: ``Retry-After`` header value in seconds (``status`` faults).
        retry_after_ms: ``retry-after-ms`` header value (``status`` faults).
        message: ``error.message`` of ``status`` faults and ``stream_error`` events.
        headers: Extra response headers.
        latency_ms: Delay before responding (for every kind).
        after_chunks: For stream faults: how many chunks are sent first.
        chunk_delay_ms: Pause before each streamed chunk (any kind; e.g. ``latency`` for a slow stream).
        times: How many requests the fault applies to; ``None`` means every request.
        route: Only requests of this route (see :data:`ROUTES`); ``None`` means any.
        model: Only requests for this model name; ``None`` means any.
    """

    kind: str
    status: int = 500
    retry_after: float | None = None
    retry_after_ms: int | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    latency_ms: int = 0
    after_chunks: int = 2
    chunk_delay_ms: int = 0
    times: int | None = None
    route: str | None = None
    model: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")
        if self.route is not None and self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; expected one of {', '.join(ROUTES)}")
        if not 100 <= int(self.status) <= 599:
            raise ValueError(f"status must be an HTTP status, got {self.status}")
        if self.kind == "html" and self.status not in (200, 502):
            raise ValueError("html faults use status 200 or 502")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fault:
        """Build from JSON/TOML keys (same names as the attributes); raises ``ValueError`` when invalid."""
        known = set(cls.__dataclass_fields__)
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise ValueError("a fault needs a 'kind'")
        try:
            return cls(**dict(data))
        except TypeError as exc:
            raise ValueError(str(exc)) from exc

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (inverse of :meth:`from_dict`)."""
        return asdict(self)

    def matches(self, route: str, model: str | None) -> bool:
        """Whether the fault applies to a request of ``route`` for ``model``."""
        if self.route is not None and self.route != route:
            return False
        return not (self.model is not None and (model is None or self.model.lower() != model.lower()))

    def response_headers(self) -> dict[str, str]:
        """Headers of a ``status`` fault (Retry-After, retry-after-ms, extras)."""
        headers = dict(self.headers)
        if self.retry_after is not None:
            ra = self.retry_after
            headers["Retry-After"] = str(int(ra)) if float(ra).is_integer() else str(ra)
        if self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(int(self.retry_after_ms))
        return headers


HTML_BODY = (
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1><p>The upstream model server did not respond.</p></body></html>\n"
)
MALFORMED_JSON = b'{"id": "chatcmpl-emulator", "object": "chat.completion", "choices": [{"index": 0,'
MALFORMED_CHUNK = b'data: {"id": "chatcmpl-emulator", "choices": [{"delta": {"content": "oops"\n\n'


# --- dropping connections -------------------------------------------------------------------------------
# An ASGI app cannot close its socket, and uvicorn answers 500 when an app fails before responding. So the
# emulator runs uvicorn with a protocol subclass that records each connection's transport under the peer
# address, which the app finds again through scope["client"] and aborts (a TCP RST, no response bytes).

_TRANSPORTS: MutableMapping[tuple[str, int], asyncio.BaseTransport] = {}


class DroppableHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol, plus a registry of live transports for :func:`drop_connection`."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # Responses go out as two writes (headers, body); without TCP_NODELAY Nagle holds the body until
            # the client's delayed ACK (~40 ms per keep-alive request on Linux loopback).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self._peer = (str(peer[0]), int(peer[1]))
            _TRANSPORTS[self._peer] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        peer = getattr(self, "_peer", None)
        if peer is not None:
            _TRANSPORTS.pop(peer, None)
        super().connection_lost(exc)


async def drop_connection(scope: Mapping[str, Any]) -> bool:
    """Abort the connection of ``scope``; False when the server is not using :class:`DroppableHTTPProtocol`."""
    client = scope.get("client")
    if not client:
        return False
    transport = _TRANSPORTS.get((str(client[0]), int(client[1])))
    if transport is None or not isinstance(transport, asyncio.Transport):
        return False
    transport.abort()
    # Let connection_lost run so uvicorn marks the cycle disconnected and does not try to send a 500.
    for _ in range(3):
        await asyncio.sleep(0)
    return True


async def stream_with_faults(
    chunks: Iterable[dict[str, Any]], fault: Fault | None, scope: Mapping[str, Any]
) -> AsyncIterator[bytes]:
    """SSE bytes of ``chunks`` ending in ``[DONE]``, with a stream fault applied after ``after_chunks``."""
    kind = fault.kind if fault is not None and fault.kind in STREAM_KINDS else None
    after = fault.after_chunks if fault is not None else 0
    delay = fault.chunk_delay_ms / 1000 if fault is not None else 0.0
    for i, chunk in enumerate(chunks):
        if delay:
            await asyncio.sleep(delay)
        if kind is not None and i == after:
            if kind == "stream_cut":
                return
            if kind == "stream_reset":
                await drop_connection(scope)
                return
            if kind == "malformed_chunk":
                yield MALFORMED_CHUNK
            if kind == "stream_error":
                assert fault is not None
                yield rendering.sse(
                    {
                        "error": {
                            "code": "server_error",
                            "message": fault.message or "The model server failed while streaming.",
                        }
                    }
                )
                return
        yield rendering.sse(chunk)
    yield rendering.DONE
