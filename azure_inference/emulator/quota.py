"""Quota mode: per-deployment TPM / RPM limits as the service enforces them (docs/wire.md §V1.5; docs/quota.md).

Each deployment with a quota has two token buckets refilled continuously: tokens (``tokens_per_minute / 60``
per second, holding ``token_window_s`` seconds' worth) and requests (``requests_per_minute / 60`` per second,
holding ``request_window_s`` seconds' worth: RPM is enforced over short windows, docs/wire.md §V1.5). A request is
charged on arrival, after validation: its prompt tokens estimated from characters (``ceil(chars / 4)`` per
text, as the service estimates, not counts) plus the output limit it asks for. When either bucket is short it
gets 429 with ``retry-after-ms`` and ``retry-after`` and is not charged; every answer of a deployment with a
quota carries the ``x-ratelimit-*`` headers. A request larger than a whole token window passes once the bucket
is full, into debt, so no request is refused for ever.

Written apart from ``azure_inference.budget`` on purpose: the client's budget is tested against this, so the
two must not share the code they check each other with.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .errors import ApiError

# The Azure OpenAI operation names in the observed 429 message (docs/wire.md §V1.5).
OPERATIONS = {"chat": "ChatCompletions_Create", "embeddings": "Embeddings_Create", "completions": "Completions_Create"}
OUTPUT_LIMIT_KEYS = ("max_completion_tokens", "max_tokens", "max_output_tokens")


class QuotaConfigError(ValueError):
    """A quota setting is malformed (the message names the setting and the fix)."""


@dataclass(frozen=True)
class QuotaLimit:
    """One deployment's quota (``None`` = that dimension is not limited)."""

    tokens_per_minute: int | None = None
    requests_per_minute: int | None = None


@dataclass
class QuotaSettings:
    """Quota mode's settings: limits per deployment name (``*`` for every other) and the window lengths."""

    deployments: dict[str, QuotaLimit] = field(default_factory=dict)
    token_window_s: float = 60.0
    request_window_s: float = 10.0

    def limit_for(self, name: str) -> QuotaLimit | None:
        """The quota of deployment ``name``, if any."""
        return self.deployments.get(name) or self.deployments.get("*")

    def add_flag(self, spec: str) -> None:
        """Parse ``--quota NAME=TPM[:RPM]`` (``NAME`` may be ``*``; ``TPM`` may be empty: ``gpt=:60``)."""
        name, sep, rest = spec.partition("=")
        tpm, _, rpm = rest.partition(":")
        if not sep or not name:
            raise QuotaConfigError(f"--quota {spec!r}: expected NAME=TPM[:RPM], e.g. --quota '*=60000:600'")
        self.deployments[name] = QuotaLimit(_positive(tpm, spec), _positive(rpm, spec))

    def apply(self, table: Mapping[str, Any]) -> None:
        """Apply an ``[emulator.quota]`` TOML table: ``token_window_s``, ``request_window_s``, ``deployments``."""
        for key, value in table.items():
            if key in ("token_window_s", "request_window_s"):
                if not isinstance(value, (int, float)) or value <= 0:
                    raise QuotaConfigError(f"[emulator.quota] {key} must be a number > 0, got {value!r}")
                setattr(self, key, float(value))
            elif key == "deployments":
                if not isinstance(value, Mapping):
                    raise QuotaConfigError("[emulator.quota] deployments must be a table of name = { ... }")
                for name, limit in value.items():
                    if not isinstance(limit, Mapping) or set(limit) - {"tokens_per_minute", "requests_per_minute"}:
                        raise QuotaConfigError(
                            f"[emulator.quota.deployments] {name!r}: expected a table with tokens_per_minute "
                            "and/or requests_per_minute"
                        )
                    tpm, rpm = limit.get("tokens_per_minute"), limit.get("requests_per_minute")
                    self.deployments[str(name)] = QuotaLimit(
                        _positive(str(tpm or ""), name), _positive(str(rpm or ""), name)
                    )
            else:
                raise QuotaConfigError(f"[emulator.quota] unknown key {key!r}")


def _positive(text: str, spec: str) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise QuotaConfigError(f"quota {spec!r}: {text!r} is not a positive integer")
    return value


def _texts_chars(value: Any) -> int:
    """The service's token estimate of a prompt: ``ceil(chars / 4)`` per text; a token array counts its length."""
    if isinstance(value, str):
        return math.ceil(len(value) / 4)
    if isinstance(value, Mapping):
        return sum(_texts_chars(value[k]) for k in ("content", "text", "input", "prompt") if k in value)
    if isinstance(value, list):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return len(value)
        return sum(_texts_chars(v) for v in value)
    return 0


def charge_of(body: Mapping[str, Any]) -> int:
    """Tokens a request is charged on arrival: estimated prompt tokens + the output limit it asks for."""
    output = next(
        (v for k in OUTPUT_LIMIT_KEYS if isinstance(v := body.get(k), int) and not isinstance(v, bool) and v > 0), 0
    )
    return sum(_texts_chars(body.get(k)) for k in ("messages", "input", "prompt")) + output


@dataclass
class _Window:
    rate: float  # per second
    capacity: float
    level: float
    stamp: float

    def refill(self, now: float) -> float:
        self.level = min(self.capacity, self.level + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now
        return self.level

    def short_by(self, amount: float) -> float:
        """Seconds until ``amount`` (at most a full window) is there; 0 when it is."""
        need = min(amount, self.capacity)
        return 0.0 if self.level >= need else (need - self.level) / self.rate


@dataclass
class QuotaBook:
    """The live windows of every deployment with a quota, and what they admitted and refused."""

    settings: QuotaSettings
    clock: Callable[[], float] = time.monotonic
    windows: dict[str, tuple[_Window | None, _Window | None]] = field(default_factory=dict)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Refill every window and forget the counts (``POST /_emulator/reset``)."""
        with self._lock:
            self.windows.clear()
            self.stats.clear()

    def _windows(self, name: str, limit: QuotaLimit, now: float) -> tuple[_Window | None, _Window | None]:
        if name not in self.windows:
            s = self.settings
            tpm, rpm = limit.tokens_per_minute, limit.requests_per_minute
            tok = _Window(tpm / 60, max(1.0, tpm * s.token_window_s / 60), 0.0, now) if tpm else None
            req = _Window(rpm / 60, max(1.0, rpm * s.request_window_s / 60), 0.0, now) if rpm else None
            for w in (tok, req):
                if w is not None:
                    w.level = w.capacity
            self.windows[name] = (tok, req)
        return self.windows[name]

    def charge(self, name: str, route: str, body: Mapping[str, Any]) -> int | None:
        """Charge one request of deployment ``name``.

        Returns:
            ``None`` when the deployment has no quota; else the tokens charged.

        Raises:
            ApiError: 429 with ``retry-after-ms`` when a window is short (the request is not charged).
        """
        limit = self.settings.limit_for(name)
        if limit is None:
            return None
        cost = charge_of(body)
        with self._lock:
            now = self.clock()
            tok, req = self._windows(name, limit, now)
            stats = self.stats.setdefault(name, {"admitted": 0, "rejected": 0, "tokens": 0})
            for w in (tok, req):
                if w is not None:
                    w.refill(now)
            short_tokens = tok.short_by(cost) if tok else 0.0
            wait = max(short_tokens, req.short_by(1) if req else 0.0)
            if wait > 0:
                stats["rejected"] += 1
                raise _too_many(name, route, short_tokens > 0, wait, self._headers(limit, tok, req))
            if tok is not None:
                tok.level -= cost
            if req is not None:
                req.level -= 1
            stats["admitted"] += 1
            stats["tokens"] += cost
            return cost

    @staticmethod
    def _headers(limit: QuotaLimit, tok: _Window | None, req: _Window | None) -> dict[str, str]:
        """The ``x-ratelimit-*`` headers from refilled windows (the caller holds the lock)."""
        out: dict[str, str] = {}
        for kind, per_minute, w in (
            ("tokens", limit.tokens_per_minute, tok),
            ("requests", limit.requests_per_minute, req),
        ):
            if per_minute is None or w is None:
                continue
            out[f"x-ratelimit-limit-{kind}"] = str(per_minute)
            out[f"x-ratelimit-remaining-{kind}"] = str(max(0, math.floor(w.level)))
            out[f"x-ratelimit-reset-{kind}"] = f"{max(0, math.ceil((w.capacity - w.level) / w.rate))}s"
        return out

    def headers_now(self, name: str) -> dict[str, str]:
        """``x-ratelimit-*`` of deployment ``name`` as they stand now (empty without a quota)."""
        limit = self.settings.limit_for(name)
        if limit is None:
            return {}
        with self._lock:
            now = self.clock()
            tok, req = self._windows(name, limit, now)
            for w in (tok, req):
                if w is not None:
                    w.refill(now)
            return self._headers(limit, tok, req)


def annotate(log: Any, seq: int, charged: int) -> None:
    """Note on request ``seq``'s log entry what quota mode charged it (the Ray tests sum this per minute)."""
    for entry in reversed(log):
        if entry["seq"] == seq:
            entry["quota_charged"] = charged
            return
        if entry["seq"] < seq:
            return


def _too_many(name: str, route: str, tokens: bool, wait: float, headers: dict[str, str]) -> ApiError:
    seconds = max(1, math.ceil(wait))
    kind = "token rate limit" if tokens else "call rate limit"
    op = OPERATIONS.get(route, "Inference")
    # The observed body: `code` is the string "429" and the message names the wait (docs/wire.md §V1.5).
    message = (
        f"Requests to the {op} Operation under Azure OpenAI API version v1 have exceeded {kind} of deployment "
        f"{name}. Please retry after {seconds} seconds."
    )
    retry = {"retry-after-ms": str(math.ceil(wait * 1000)), "retry-after": str(seconds)}
    return ApiError(429, {"error": {"code": "429", "message": message}}, {**headers, **retry})


def routes(book: QuotaBook | None) -> list[BaseRoute]:
    """``GET /_emulator/quota``: per deployment, admitted and refused requests and tokens charged."""

    async def quota(request: Request) -> Response:
        import json

        stats = {} if book is None else {k: dict(v) for k, v in book.stats.items()}
        return Response(json.dumps({"enabled": book is not None, "deployments": stats}), media_type="application/json")

    return [Route("/_emulator/quota", quota, methods=["GET"])]
