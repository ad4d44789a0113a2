"""The whole-attempt deadline while the status line and headers arrive, on the sync client's own httpx client.

httpx's read timeout bounds each read, not the call: headers trickled one byte at a time would take the read
timeout per byte. The client's ``httpx.Client`` gets a network backend whose streams cap every read and write at
the time left before the attempt's deadline, which ``HttpxSender.open`` sets in a context variable around
``send`` (docs/transport.md, hardening). Outside ``send`` (the body, read in pieces with its own deadline
check) the variable is unset and the streams behave as httpcore's own.
"""

from __future__ import annotations

import time
import typing
from contextvars import ContextVar

import httpcore
import httpx

__all__ = ["DEADLINE", "install"]

DEADLINE: ContextVar[float | None] = ContextVar("azure_inference_deadline", default=None)
"""``time.monotonic()`` value by which the headers must have arrived, while ``send`` runs."""


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    end = DEADLINE.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise error("the whole-attempt deadline passed before the response headers arrived")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose reads and writes end by the attempt's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: typing.Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: typing.Iterable[typing.Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """Give ``transport``'s connection pool the deadline-aware backend (left as it is if httpx changes shape)."""
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend):
        pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport
