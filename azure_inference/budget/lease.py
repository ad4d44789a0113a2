"""A store that leases budget from another store in batches (docs/quota.md, "Sharing a budget").

Many processes share one quota through one remote store (a named Ray actor, ``azure_inference.ray``). Asking it
for every request would put a round trip on the hot path and make it the bottleneck, so each process takes a
*lease* (say 2,000 tokens and 20 requests) and spends it locally; it asks again only when the lease runs out.
What a lease holds was taken from the remote store, so the sum over all processes stays within the quota; what
is left when the process ends goes back (:meth:`LeasingStore.close`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from .store import BudgetStore, Clock, Limits


@dataclass
class _Held:
    tokens: int = 0
    requests: int = 0
    blocked_until: float = float("-inf")


@dataclass
class LeasingStore:
    """Spends budget leased from ``remote``; implements :class:`~.store.BudgetStore` itself.

    Attributes:
        remote: The store that holds the shared buckets.
        lease_tokens: Tokens asked for at once (at least what the request needs).
        lease_requests: Requests asked for at once.
        clock: Monotonic seconds, for local blocks after a 429.
        correct_every_s: The remote store hears the service's ``x-ratelimit-remaining-*`` figures at most this
            often per key (every answer carries them; forwarding each would put the remote store back on the hot
            path); the local lease is lowered to them every time.
    """

    remote: BudgetStore
    lease_tokens: int = 2_000
    lease_requests: int = 10
    clock: Clock = time.monotonic
    correct_every_s: float = 0.25
    _held: dict[str, _Held] = field(default_factory=dict, repr=False)
    _corrected: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.lease_tokens < 1 or self.lease_requests < 1:
            raise ValueError("LeasingStore: lease_tokens and lease_requests must be >= 1")

    def configure(self, key: str, limits: Limits) -> None:
        """Configure the remote store (a no-op there when another process already did)."""
        self.remote.configure(key, limits)
        with self._lock:
            self._held.setdefault(key, _Held())

    def take(self, key: str, tokens: int, requests: int) -> float:
        """Spend from the lease; renew it from the remote store when it runs short."""
        with self._lock:
            held = self._held.setdefault(key, _Held())
            wait = held.blocked_until - self.clock()
            if wait > 0:
                return wait
            need_t, need_r = max(0, tokens - held.tokens), max(0, requests - held.requests)
            if need_t or need_r:
                ask_t = max(need_t, self.lease_tokens) if need_t else 0
                ask_r = max(need_r, self.lease_requests) if need_r else 0
                if self.remote.take(key, ask_t, ask_r) > 0:
                    # A full lease is not there: take exactly what this request needs, or say how long to wait.
                    ask_t, ask_r = need_t, need_r
                    wait = self.remote.take(key, ask_t, ask_r)
                    if wait > 0:
                        return wait
                held.tokens += ask_t
                held.requests += ask_r
            held.tokens -= tokens
            held.requests -= requests
            return 0.0

    def adjust(self, key: str, tokens: int, requests: int) -> None:
        """Give back into (or charge) the local lease; a debt is paid from the next lease."""
        with self._lock:
            held = self._held.setdefault(key, _Held())
            held.tokens += tokens
            held.requests += requests

    def correct(self, key: str, remaining_tokens: int | None, remaining_requests: int | None) -> None:
        """Lower the lease to the service's figures, and pass them to the remote store (at most every
        ``correct_every_s``): the quota is shared, so is the correction."""
        with self._lock:
            held = self._held.setdefault(key, _Held())
            if remaining_tokens is not None:
                held.tokens = min(held.tokens, remaining_tokens)
            if remaining_requests is not None:
                held.requests = min(held.requests, remaining_requests)
            now = self.clock()
            if now - self._corrected.get(key, float("-inf")) < self.correct_every_s:
                return
            self._corrected[key] = now
        self.remote.correct(key, remaining_tokens, remaining_requests)

    def block(self, key: str, seconds: float) -> None:
        """Block here at once and in the remote store, so every process pauses after a 429."""
        with self._lock:
            held = self._held.setdefault(key, _Held())
            held.blocked_until = max(held.blocked_until, self.clock() + max(0.0, seconds))
        self.remote.block(key, seconds)

    def close(self) -> None:
        """Return what the leases still hold to the remote store."""
        with self._lock:
            held, self._held = self._held, {}
        for key, h in held.items():
            if h.tokens > 0 or h.requests > 0:
                self.remote.adjust(key, max(0, h.tokens), max(0, h.requests))
