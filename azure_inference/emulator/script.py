"""Scripted mode and the request log: the state the control API (``/_emulator/...``) drives.

A test queues :class:`ScriptEntry` objects; each model request takes the first entry that matches its route
and model (FIFO), else the first matching emulator-wide :class:`~.faults.Fault`, else the deterministic
behaviour answers.
"""

from __future__ import annotations

import copy
import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .behaviour import ChatReply
from .config import Blocklist, EmulatorConfig
from .faults import ROUTES, Fault
from .quota import QuotaBook
from .responses_store import ResponseStore

_REPLY_KEYS = {"content", "tool_calls", "reasoning_content", "finish_reason", "usage", "content_filter"}
_ERROR_KEYS = {"status", "body", "headers", "code", "message"}
_COMMON_KEYS = {"route", "model", "latency_ms", "times"}
SECRET_HEADERS = {"api-key", "authorization", "ocp-apim-subscription-key", "x-api-key", "cookie"}


@dataclass
class ScriptEntry:
    """One queued response.

    Attributes:
        kind: ``reply`` (a chat/completions answer), ``error`` (a status and body) or ``fault``.
        reply: The answer of ``reply`` entries.
        status: Status of ``error`` entries.
        body: Body of ``error`` entries (Azure's shape built from code/message when omitted).
        headers: Extra headers of ``error`` entries.
        fault: The fault of ``fault`` entries.
        route: Only requests of this route; ``None``: chat and completions for replies, any for others.
        model: Only requests for this model.
        latency_ms: Delay before responding.
        times: How many requests this entry answers before it is used up.
        source: The JSON the entry was built from (for ``GET /_emulator/script``).
    """

    kind: str
    reply: ChatReply | None = None
    status: int = 500
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    route: str | None = None
    model: str | None = None
    latency_ms: int = 0
    times: int = 1
    source: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScriptEntry:
        """Parse the JSON of ``POST /_emulator/script`` (raises ``ValueError`` when invalid).

        ``{"fault": {...}}`` is a fault; ``{"status": 429, ...}`` an error; anything else a reply.
        """
        keys = set(data)
        common = {k: data[k] for k in keys & _COMMON_KEYS}
        route = common.get("route")
        if route is not None and route not in ROUTES:
            raise ValueError(f"unknown route {route!r}; expected one of {', '.join(ROUTES)}")
        base: dict[str, Any] = {
            "route": route,
            "model": common.get("model"),
            "latency_ms": int(common.get("latency_ms", 0)),
            "times": int(common.get("times", 1)),
            "source": dict(data),
        }
        if base["times"] < 1:
            raise ValueError("times must be >= 1")
        if "fault" in keys:
            if keys - _COMMON_KEYS - {"fault"}:
                raise ValueError(f"unexpected keys with 'fault': {sorted(keys - _COMMON_KEYS - {'fault'})}")
            return cls(kind="fault", fault=Fault.from_dict(data["fault"]), **base)
        if "status" in keys:
            extra = keys - _COMMON_KEYS - _ERROR_KEYS
            if extra:
                raise ValueError(f"unexpected keys for an error: {sorted(extra)}")
            status = int(data["status"])
            if not 100 <= status <= 599:
                raise ValueError("status must be an HTTP status")
            body = data.get("body")
            if body is None:
                from .errors import status_error

                body = status_error(status, data.get("message")).body
                if data.get("code"):
                    body["error"]["code"] = str(data["code"])
            return cls(kind="error", status=status, body=body, headers=dict(data.get("headers") or {}), **base)
        extra = keys - _COMMON_KEYS - _REPLY_KEYS
        if extra:
            raise ValueError(f"unexpected keys for a reply: {sorted(extra)}")
        return cls(kind="reply", reply=_reply(data), **base)

    def matches(self, route: str, model: str | None) -> bool:
        """Whether this entry answers a request of ``route`` for ``model``."""
        if self.route is not None and self.route != route:
            return False
        if self.route is None and self.kind == "reply" and route not in ("chat", "completions"):
            return False
        return not (self.model is not None and (model is None or self.model.lower() != model.lower()))


def _reply(data: Mapping[str, Any]) -> ChatReply:
    calls = []
    for i, call in enumerate(data.get("tool_calls") or []):
        fn = call.get("function", call)
        args = fn.get("arguments", {})
        if "name" not in fn:
            raise ValueError(f"tool_calls[{i}] needs a 'name'")
        calls.append(
            {
                "id": str(call.get("id") or f"call_scripted_{i}"),
                "type": "function",
                "function": {"name": str(fn["name"]), "arguments": args if isinstance(args, str) else json.dumps(args)},
            }
        )
    content = data.get("content")
    finish = data.get("finish_reason") or ("tool_calls" if calls and content is None else "stop")
    if content is None and not calls:
        content = ""
    cf = data.get("content_filter")
    return ChatReply(
        content=content,
        reasoning=data.get("reasoning_content"),
        tool_calls=calls,
        finish_reason=str(finish),
        filtered_category=(cf if isinstance(cf, str) else "violence" if cf else None),
        usage=data.get("usage"),
    )


class EmulatorState:
    """Mutable per-process state: the script queue, active faults, blocklists and the request log."""

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.script: list[ScriptEntry] = []
        self.faults: list[Fault] = copy.deepcopy(config.faults)
        self.log: deque[dict[str, Any]] = deque(maxlen=config.log_limit)
        self._log_sizes: deque[int] = deque(maxlen=config.log_limit)  # body bytes of each log entry
        self.log_bytes = 0
        self.prompt_blocklist = Blocklist(config.prompt_blocklist)
        self.output_blocklist = Blocklist(config.output_blocklist)
        self.counter = 0
        self.internal_errors = 0
        self.responses = ResponseStore()  # stored Responses API answers, for previous_response_id
        self.quota = QuotaBook(config.quota) if config.quota.deployments else None  # quota mode (quota.py)

    def reset(self) -> None:
        """Forget the script and the log; restore the startup faults and blocklists."""
        self.script.clear()
        self.faults = copy.deepcopy(self.config.faults)
        self.clear_log()
        self.prompt_blocklist = Blocklist(self.config.prompt_blocklist)
        self.output_blocklist = Blocklist(self.config.output_blocklist)
        self.responses.clear()
        if self.quota is not None:
            self.quota.reset()

    def take(self, route: str, model: str | None) -> ScriptEntry | Fault | None:
        """Pop the scripted entry (else the fault) that applies to this request, if any."""
        for i, entry in enumerate(self.script):
            if entry.matches(route, model):
                entry.times -= 1
                if entry.times <= 0:
                    del self.script[i]
                return entry
        for i, fault in enumerate(self.faults):
            if fault.matches(route, model):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        del self.faults[i]
                return fault
        return None

    def clear_log(self) -> None:
        """Forget the request log."""
        self.log.clear()
        self._log_sizes.clear()
        self.log_bytes = 0

    def record(self, method: str, path: str, query: str, headers: Mapping[str, str], body: Any, size: int = 0) -> None:
        """Append a request to the log (secret headers masked).

        ``size`` is the body's length in bytes: the log keeps at most ``config.log_max_bytes`` of bodies,
        dropping the oldest entries first, so a flood of large requests cannot fill the memory (issue 12).
        """
        self.counter += 1
        masked = {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}
        while self.log and (self.log_bytes + size > self.config.log_max_bytes or len(self.log) == self.log.maxlen):
            self.log.popleft()
            self.log_bytes -= self._log_sizes.popleft()
        self.log.append(
            {
                "seq": self.counter,
                "method": method,
                "path": path,
                "query": query,
                "headers": masked,
                "body": body,
                "timestamp": time.time(),
                "monotonic": time.monotonic(),
            }
        )
        self._log_sizes.append(size)
        self.log_bytes += size
