"""Where a budget's buckets live: the store interface, the in-process store and a leasing store.

A store holds, per deployment key, two token buckets (docs/quota.md, "Model"): tokens, refilled continuously at
``tokens_per_minute / 60`` per second up to one token window's worth, and requests, refilled at
``requests_per_minute / 60`` per second up to one request window's worth (docs/wire.md §V1.5: RPM is enforced over 1 s
or 10 s windows). :class:`LocalStore` keeps them in this process; :class:`LeasingStore` takes budget from another
store (the Ray actor, ``azure_inference.ray``) in batches, so the remote store is asked once per lease, not once
per request. Every store answers :meth:`BudgetStore.take` with how long to wait, never by blocking: the waiting,
and its fairness, belong to :class:`~azure_inference.budget.Budget`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

Clock = Callable[[], float]
_EPSILON = 1e-9  # float dust left by refill arithmetic; a bucket that short counts as full enough


@dataclass(frozen=True)
class Limits:
    """The quota of one deployment.

    Attributes:
        tokens_per_minute: TPM; ``None`` means tokens are not limited.
        requests_per_minute: RPM; ``None`` means requests are not limited.
        token_window_s: How many seconds of TPM the token bucket holds when full (the largest burst).
        request_window_s: How many seconds of RPM the request bucket holds (docs/wire.md §V1.5: 1 s or 10 s).
    """

    tokens_per_minute: int | None = None
    requests_per_minute: int | None = None
    token_window_s: float = 60.0
    request_window_s: float = 10.0

    def __post_init__(self) -> None:
        for name in ("tokens_per_minute", "requests_per_minute"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"Limits.{name} must be a positive integer or None, got {value!r}")
        for name in ("token_window_s", "request_window_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be > 0 seconds, got {getattr(self, name)!r}")


@dataclass
class Bucket:
    """A token bucket refilled continuously (pure: the caller passes the time).

    Attributes:
        rate: Units added per second.
        capacity: The most the bucket holds.
        level: Units available now; negative after a charge larger than what was there (a debt).
        stamp: The time ``level`` was last brought up to date.
    """

    rate: float
    capacity: float
    level: float
    stamp: float

    @classmethod
    def full(cls, per_minute: int, window_s: float, now: float) -> Bucket:
        """A full bucket for ``per_minute`` units per minute holding ``window_s`` seconds' worth."""
        capacity = max(1.0, per_minute * window_s / 60.0)
        return cls(per_minute / 60.0, capacity, capacity, now)

    def refill(self, now: float) -> None:
        """Add what the time since the last update earned, up to the capacity."""
        if now > self.stamp:
            self.level = min(self.capacity, self.level + (now - self.stamp) * self.rate)
            self.stamp = now

    def wait_for(self, amount: float, now: float) -> float:
        """Seconds until ``amount`` can be taken (0 when it can now).

        An amount above the capacity waits for a full bucket and then takes it into debt: otherwise a request
        larger than one window could never be sent (docs/quota.md, "Requests larger than a window").
        """
        self.refill(now)
        need = min(amount, self.capacity)
        if self.level >= need - _EPSILON:
            return 0.0
        # At least a microsecond: a shorter wait can vanish in the float sum of a late clock (t + 1e-17 == t).
        return max((need - self.level) / self.rate, 1e-6)


class BudgetStore(Protocol):
    """The interface every budget store implements (in-process, leased, or a Ray actor)."""

    def configure(self, key: str, limits: Limits) -> None:
        """Create the buckets of ``key`` (a no-op when they exist with the same limits)."""

    def take(self, key: str, tokens: int, requests: int) -> float:
        """Take ``tokens`` and ``requests`` if both are available; else take nothing.

        Returns:
            0.0 when taken; otherwise the seconds to wait before asking again.
        """

    def adjust(self, key: str, tokens: int, requests: int) -> None:
        """Give back (positive) or charge (negative, possibly into debt) tokens and requests."""

    def correct(self, key: str, remaining_tokens: int | None, remaining_requests: int | None) -> None:
        """Lower the levels to what the service says remains (``x-ratelimit-remaining-*``, docs/wire.md §V1.5)."""

    def block(self, key: str, seconds: float) -> None:
        """Take nothing for ``seconds`` (a 429's ``retry-after-ms``, docs/wire.md §V1.5)."""


@dataclass
class _Entry:
    limits: Limits
    tokens: Bucket | None
    requests: Bucket | None
    blocked_until: float = float("-inf")
    taken_tokens: int = 0
    taken_requests: int = 0


@dataclass
class LocalStore:
    """The in-process store: buckets in a dict, behind one lock, timed by an injectable clock.

    Attributes:
        clock: Monotonic seconds (``time.monotonic``; tests pass a fake).
    """

    clock: Clock = time.monotonic
    _entries: dict[str, _Entry] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def configure(self, key: str, limits: Limits) -> None:
        """Create the buckets of ``key``; raise when it exists with other limits."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry.limits != limits:
                    raise ValueError(
                        f"the budget {key!r} already exists with {entry.limits}, not {limits}. Fix: give every "
                        "client of one deployment the same tokens_per_minute / requests_per_minute."
                    )
                return
            now = self.clock()
            tpm, rpm = limits.tokens_per_minute, limits.requests_per_minute
            self._entries[key] = _Entry(
                limits,
                Bucket.full(tpm, limits.token_window_s, now) if tpm else None,
                Bucket.full(rpm, limits.request_window_s, now) if rpm else None,
            )

    def _entry(self, key: str) -> _Entry:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"no budget {key!r} in this store; configure() it first") from None

    def take(self, key: str, tokens: int, requests: int) -> float:
        """Take both amounts, or return the seconds until both are there (see :class:`BudgetStore`)."""
        with self._lock:
            entry, now = self._entry(key), self.clock()
            wait = max(0.0, entry.blocked_until - now)
            for bucket, amount in ((entry.tokens, tokens), (entry.requests, requests)):
                if bucket is not None and amount > 0:
                    wait = max(wait, bucket.wait_for(amount, now))
            if wait > 0:
                return wait
            for bucket, amount in ((entry.tokens, tokens), (entry.requests, requests)):
                if bucket is not None:
                    bucket.level -= amount
            entry.taken_tokens += tokens
            entry.taken_requests += requests
            return 0.0

    def adjust(self, key: str, tokens: int, requests: int) -> None:
        """Give back or charge (see :class:`BudgetStore`); a give-back never overfills a bucket."""
        with self._lock:
            entry, now = self._entry(key), self.clock()
            for bucket, amount in ((entry.tokens, tokens), (entry.requests, requests)):
                if bucket is not None:
                    bucket.refill(now)
                    bucket.level = min(bucket.capacity, bucket.level + amount)
            entry.taken_tokens -= tokens
            entry.taken_requests -= requests

    def correct(self, key: str, remaining_tokens: int | None, remaining_requests: int | None) -> None:
        """Lower the levels to the service's figures; never raise them (others may share the quota)."""
        with self._lock:
            entry, now = self._entry(key), self.clock()
            for bucket, remaining in ((entry.tokens, remaining_tokens), (entry.requests, remaining_requests)):
                if bucket is not None and remaining is not None:
                    bucket.refill(now)
                    bucket.level = min(bucket.level, float(remaining))

    def block(self, key: str, seconds: float) -> None:
        """Refuse every take for ``seconds`` from now (a later block never shortens an earlier one)."""
        with self._lock:
            entry = self._entry(key)
            entry.blocked_until = max(entry.blocked_until, self.clock() + max(0.0, seconds))

    def usage(self, key: str) -> dict[str, float]:
        """What was taken so far and the levels now (for logs and tests)."""
        with self._lock:
            entry, now = self._entry(key), self.clock()
            out: dict[str, float] = {"taken_tokens": entry.taken_tokens, "taken_requests": entry.taken_requests}
            for name, bucket in (("tokens", entry.tokens), ("requests", entry.requests)):
                if bucket is not None:
                    bucket.refill(now)
                    out[f"{name}_level"] = bucket.level
            return out
