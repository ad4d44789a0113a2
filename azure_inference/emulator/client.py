"""A typed client for the control API (:mod:`.control`), to drive an emulator from tests and notebooks.

Example:
    >>> control = EmulatorControl("http://127.0.0.1:54321")  # doctest: +SKIP
    >>> control.queue_chat(content="Hi!")                      # doctest: +SKIP
    >>> control.queue_error(429, headers={"Retry-After": "1"})  # doctest: +SKIP
    >>> control.requests()[-1]["body"]                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TypedDict

import httpx

from .faults import Fault


class RecordedRequest(TypedDict):
    """One entry of ``GET /_emulator/requests``."""

    seq: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    timestamp: float
    monotonic: float


class EmulatorControl:
    """Synchronous client of an emulator's ``/_emulator`` control API.

    Args:
        url: The emulator base URL (``http://127.0.0.1:<port>``).
        timeout: Seconds per control call.
    """

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url + "/_emulator", timeout=timeout)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, method: str, path: str, json: Any = None, params: Mapping[str, str] | None = None) -> Any:
        return _check(self._http.request(method, path, json=json, params=params))

    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "internal_errors": n}``."""
        result: dict[str, Any] = self._call("GET", "/health")
        return result

    def config(self) -> dict[str, Any]:
        """The emulator's catalog and settings."""
        result: dict[str, Any] = self._call("GET", "/config")
        return result

    def reset(self) -> None:
        """Clear the script and the request log; restore startup faults and blocklists."""
        self._call("POST", "/reset")

    def queue(self, *entries: Mapping[str, Any]) -> int:
        """Queue raw script entries (see :class:`~.script.ScriptEntry`); returns the pending count."""
        result = self._call("POST", "/script", json={"responses": list(entries)})
        return int(result["pending"])

    def queue_chat(self, content: str | None = None, **options: Any) -> int:
        """Queue an exact assistant reply for the next chat (or completions) request.

        Args:
            content: Message content.
            **options: See :func:`chat_entry` (tool_calls, reasoning_content, finish_reason, usage,
                content_filter, route, model, latency_ms, times).
        """
        return self.queue(chat_entry(content, **options))

    def queue_error(self, status: int, **options: Any) -> int:
        """Queue an error response; ``options`` as in :func:`error_entry` (code, message, body, headers, ...)."""
        return self.queue(error_entry(status, **options))

    def queue_fault(self, kind: str, **options: Any) -> int:
        """Queue a one-off fault; ``options`` as in :func:`fault_entry` (and :class:`~.faults.Fault`)."""
        return self.queue(fault_entry(kind, **options))

    def script(self) -> list[dict[str, Any]]:
        """Pending script entries."""
        result: list[dict[str, Any]] = self._call("GET", "/script")["pending"]
        return result

    def set_faults(self, faults: Sequence[Fault | Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Replace the emulator-wide faults."""
        items = [f.to_dict() if isinstance(f, Fault) else dict(f) for f in faults]
        result: list[dict[str, Any]] = self._call("PUT", "/faults", json={"faults": items})["faults"]
        return result

    def clear_faults(self) -> None:
        """Remove every emulator-wide fault."""
        self._call("DELETE", "/faults")

    def set_blocklists(
        self,
        *,
        prompt: Mapping[str, str] | Sequence[str] | None = None,
        output: Mapping[str, str] | Sequence[str] | None = None,
    ) -> None:
        """Replace the prompt and/or output content-filter blocklists (``term`` or ``term:category``)."""
        data: dict[str, Any] = {}
        if prompt is not None:
            data["prompt"] = prompt if isinstance(prompt, Mapping) else list(prompt)
        if output is not None:
            data["output"] = output if isinstance(output, Mapping) else list(output)
        self._call("PUT", "/blocklists", json=data)

    def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """The request log, oldest first (``path``: keep only paths containing it)."""
        result: list[RecordedRequest] = self._call("GET", "/requests", params={"path": path} if path else None)[
            "requests"
        ]
        return result

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._call("DELETE", "/requests")


def chat_entry(
    content: str | None = None,
    *,
    tool_calls: Sequence[Mapping[str, Any]] | None = None,
    reasoning_content: str | None = None,
    finish_reason: str | None = None,
    usage: Mapping[str, Any] | None = None,
    content_filter: bool | str = False,
    route: str | None = None,
    model: str | None = None,
    latency_ms: int = 0,
    times: int = 1,
) -> dict[str, Any]:
    """A scripted reply entry.

    Args:
        content: Message content.
        tool_calls: ``[{"name": ..., "arguments": {...} or "json", "id": optional}]``.
        reasoning_content: ``reasoning_content`` to return.
        finish_reason: Override (defaults to ``tool_calls`` for tool-only replies, else ``stop``).
        usage: A usage object to return verbatim.
        content_filter: True or a category: mark the reply as filtered (``finish_reason: content_filter``).
        route: Only for this route (``chat``, ``completions``).
        model: Only for requests to this model.
        latency_ms: Delay before answering.
        times: How many requests get this reply.
    """
    entry: dict[str, Any] = {"content": content, "times": times, "latency_ms": latency_ms}
    optional = {
        "tool_calls": list(tool_calls) if tool_calls else None,
        "reasoning_content": reasoning_content,
        "finish_reason": finish_reason,
        "usage": dict(usage) if usage else None,
        "content_filter": content_filter or None,
        "route": route,
        "model": model,
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    return entry


def error_entry(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    route: str | None = None,
    model: str | None = None,
    times: int = 1,
) -> dict[str, Any]:
    """A scripted error entry (Azure's shape from ``code``/``message`` unless ``body`` is given verbatim)."""
    entry: dict[str, Any] = {"status": status, "times": times}
    optional = {
        "code": code,
        "message": message,
        "body": dict(body) if body else None,
        "headers": dict(headers) if headers else None,
        "route": route,
        "model": model,
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    return entry


def fault_entry(
    kind: str, *, route: str | None = None, model: str | None = None, times: int = 1, **options: Any
) -> dict[str, Any]:
    """A scripted one-off fault entry (``kind`` and ``options`` as in :class:`~.faults.Fault`)."""
    fault = Fault(kind=kind, **options).to_dict()
    entry: dict[str, Any] = {"fault": {k: v for k, v in fault.items() if v is not None}, "times": times}
    if route:
        entry["route"] = route
    if model:
        entry["model"] = model
    return entry


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        req = response.request
        raise ValueError(f"control API {req.method} {req.url.path} failed ({response.status_code}): {response.text}")
    return response.json()


class AsyncEmulatorControl:
    """Asynchronous client of the control API (the most used calls of :class:`EmulatorControl`).

    Args:
        url: The emulator base URL.
        timeout: Seconds per control call.
    """

    def __init__(self, url: str, *, timeout: float = 10.0):
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.url + "/_emulator", timeout=timeout)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncEmulatorControl:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, json: Any = None, params: Mapping[str, str] | None = None) -> Any:
        return _check(await self._http.request(method, path, json=json, params=params))

    async def health(self) -> dict[str, Any]:
        """``{"status": "ok", "internal_errors": n}``."""
        result: dict[str, Any] = await self._call("GET", "/health")
        return result

    async def reset(self) -> None:
        """Clear the script and the request log; restore startup faults and blocklists."""
        await self._call("POST", "/reset")

    async def queue(self, *entries: Mapping[str, Any]) -> int:
        """Queue raw script entries; returns the pending count."""
        return int((await self._call("POST", "/script", json={"responses": list(entries)}))["pending"])

    async def queue_chat(self, content: str | None = None, **options: Any) -> int:
        """Queue a reply (:func:`chat_entry`)."""
        return await self.queue(chat_entry(content, **options))

    async def queue_error(self, status: int, **options: Any) -> int:
        """Queue an error (:func:`error_entry`)."""
        return await self.queue(error_entry(status, **options))

    async def queue_fault(self, kind: str, **options: Any) -> int:
        """Queue a one-off fault (:func:`fault_entry`)."""
        return await self.queue(fault_entry(kind, **options))

    async def set_faults(self, faults: Sequence[Fault | Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Replace the emulator-wide faults."""
        items = [f.to_dict() if isinstance(f, Fault) else dict(f) for f in faults]
        result: list[dict[str, Any]] = (await self._call("PUT", "/faults", json={"faults": items}))["faults"]
        return result

    async def requests(self, path: str | None = None) -> list[RecordedRequest]:
        """The request log, oldest first."""
        params = {"path": path} if path else None
        result: list[RecordedRequest] = (await self._call("GET", "/requests", params=params))["requests"]
        return result
