"""The budget: wait, in arrival order, until a request's tokens and request slot are there (docs/quota.md).

Waiters queue FIFO. Only the head of the queue asks the store; it sleeps exactly as long as the store says,
then asks again; the others wait until they become the head. So a large request is never starved by small ones
that would fit sooner: they queue behind it (fairness), at the cost of idling while the head waits. Sync
threads and async tasks (of any event loop) share one queue. A waiter that is cancelled leaves the queue and
wakes the next; a :class:`Reservation` not yet sent gives its budget back.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .store import BudgetStore, Limits, LocalStore


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class _Ticket:
    """One waiter: a thread (event) or a task (future on its own loop)."""

    def __init__(self, tokens: int, requests: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.tokens, self.requests = tokens, requests
        self.loop = loop
        self.event = threading.Event()
        self.future: asyncio.Future[None] | None = loop.create_future() if loop is not None else None

    def wake(self) -> None:
        if self.loop is None:
            self.event.set()
        elif self.future is not None:
            self.loop.call_soon_threadsafe(_resolve, self.future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@dataclass
class Reservation:
    """Budget taken for one request.

    Call :meth:`sent` once the request is on the wire; before that, :meth:`release` (or leaving the ``with``
    block by an exception) gives everything back. After sending, :meth:`settle` corrects with the real usage.

    Attributes:
        budget: The budget it came from.
        tokens: Tokens taken.
        requests: Requests taken.
        waited: Seconds the budget slept for it (by its own clock; the queue wait behind other callers is not
            counted).
    """

    budget: Budget
    tokens: int
    requests: int
    waited: float = 0.0
    _state: str = field(default="held", repr=False)

    def sent(self) -> None:
        """Mark the request as sent: the service counts it now, even if it fails (docs/wire.md §V1.5)."""
        if self._state == "held":
            self._state = "sent"

    def release(self) -> None:
        """Give back everything when the request was never sent (cancelled, or failed before sending)."""
        if self._state == "held":
            self._state = "released"
            self.budget.store.adjust(self.budget.key, self.tokens, self.requests)

    def settle(self, actual_tokens: int) -> None:
        """Correct the charge with the usage the response reports.

        More than reserved is always charged; less is given back only when the budget has ``refund_unused``
        (the service keeps its arrival estimate, docs/wire.md §V1.5, so refunding would overshoot by default).
        """
        if self._state != "sent":
            raise RuntimeError(f"settle() needs a sent reservation; this one is {self._state}")
        self._state = "settled"
        extra = actual_tokens - self.tokens
        if extra > 0 or (extra < 0 and self.budget.refund_unused):
            self.budget.store.adjust(self.budget.key, -extra, 0)

    def __enter__(self) -> Reservation:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.release()


class Budget:
    """A TPM + RPM budget for one deployment key; see the module docstring for the waiting rules.

    Args:
        key: The deployment key (endpoint and deployment; see :func:`budget_key`).
        limits: Its quota.
        store: Where the buckets live (a fresh :class:`LocalStore` when ``None``).
        refund_unused: Give back reserved tokens a response did not use (see :meth:`Reservation.settle`).
        sleep: Sync sleep (tests pass one that advances a fake clock).
        async_sleep: Async sleep.
    """

    def __init__(
        self,
        key: str,
        limits: Limits,
        store: BudgetStore | None = None,
        *,
        refund_unused: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.key, self.limits = key, limits
        self.store: BudgetStore = store if store is not None else LocalStore()
        self.store.configure(key, limits)
        self.refund_unused = refund_unused
        self._sleep, self._async_sleep = sleep, async_sleep
        self._lock = threading.Lock()
        self._queue: deque[_Ticket] = deque()
        self.taken_tokens = 0
        """Tokens taken through this budget so far (for progress logs)."""

    def __repr__(self) -> str:
        return f"Budget({self.key!r}, {self.limits})"

    def _check(self, tokens: int, requests: int) -> None:
        for name, value in (("tokens", tokens), ("requests", requests)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Budget.acquire: {name} must be an int >= 0, got {value!r}")

    def _enqueue(self, ticket: _Ticket) -> bool:
        with self._lock:
            self._queue.append(ticket)
            return self._queue[0] is ticket

    def _leave(self, ticket: _Ticket) -> None:
        with self._lock:
            was_head = bool(self._queue) and self._queue[0] is ticket
            try:
                self._queue.remove(ticket)
            except ValueError:
                return
            if was_head and self._queue:
                self._queue[0].wake()

    def _try(self, ticket: _Ticket) -> float:
        return self.store.take(self.key, ticket.tokens, ticket.requests)

    def acquire(self, tokens: int, requests: int = 1) -> Reservation:
        """Wait (blocking this thread) until ``tokens`` and ``requests`` are available, then take them."""
        self._check(tokens, requests)
        ticket = _Ticket(tokens, requests)
        head, waited = self._enqueue(ticket), 0.0
        try:
            if not head:
                ticket.event.wait()
            while (wait := self._try(ticket)) > 0:
                self._sleep(wait)
                waited += wait
        finally:
            self._leave(ticket)  # taken or failed: the next waiter becomes the head either way
        return self._taken(tokens, requests, waited)

    async def acquire_async(self, tokens: int, requests: int = 1) -> Reservation:
        """Wait (without blocking the loop) until the budget is there, then take it; cancellable."""
        self._check(tokens, requests)
        ticket = _Ticket(tokens, requests, asyncio.get_running_loop())
        head, waited = self._enqueue(ticket), 0.0
        try:
            if not head and ticket.future is not None:
                await ticket.future
            while (wait := self._try(ticket)) > 0:
                await self._async_sleep(wait)
                waited += wait
        finally:
            self._leave(ticket)
        return self._taken(tokens, requests, waited)

    def _taken(self, tokens: int, requests: int, waited: float) -> Reservation:
        with self._lock:
            self.taken_tokens += tokens
        return Reservation(self, tokens, requests, waited)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Correct from ``x-ratelimit-remaining-tokens`` / ``-requests`` (docs/wire.md §V1.5); others are ignored."""
        lower = {k.lower(): v for k, v in headers.items()}
        tokens = _int_header(lower, "x-ratelimit-remaining-tokens")
        requests = _int_header(lower, "x-ratelimit-remaining-requests")
        if tokens is not None or requests is not None:
            self.store.correct(self.key, tokens, requests)

    def penalise(self, retry_after: float) -> None:
        """After a 429: nothing is taken for ``retry_after`` seconds (``retry-after-ms`` / 1000)."""
        self.store.block(self.key, retry_after)

    def waiting(self) -> int:
        """How many callers wait now."""
        with self._lock:
            return len(self._queue)


def budget_key(endpoint: str, deployment: str | None) -> str:
    """The key one deployment's budget is shared under: its endpoint and deployment (model) name."""
    return f"{endpoint.rstrip('/')}#{deployment or ''}"


_REGISTRY: dict[str, Budget] = {}
_REGISTRY_LOCK = threading.Lock()


def shared_budget(key: str, limits: Limits, store: BudgetStore | None = None, **options: Any) -> Budget:
    """The one budget of ``key`` in this process, created on first use (every client shares it).

    Raises:
        ValueError: When it exists with other limits (the fix: the same limits for every client).
    """
    with _REGISTRY_LOCK:
        budget = _REGISTRY.get(key)
        if budget is None:
            budget = _REGISTRY[key] = Budget(key, limits, store, **options)
        elif budget.limits != limits:
            raise ValueError(
                f"the budget {key!r} already exists with {budget.limits}, not {limits}. Fix: give every client "
                "of one deployment the same tokens_per_minute / requests_per_minute."
            )
        return budget


def registered_budget(key: str) -> Budget | None:
    """The shared budget of ``key`` in this process, or ``None`` when no client made one yet."""
    with _REGISTRY_LOCK:
        return _REGISTRY.get(key)


def clear_shared_budgets() -> None:
    """Forget every shared budget (tests; a process that changes its quotas)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
