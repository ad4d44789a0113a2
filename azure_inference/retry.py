"""Retry rules in one place: what is retried, and how long to wait (pure functions, unit-tested).

Retried: 408, 409, 429 and 5xx responses, and connection errors before any response. Never retried: other
4xx, and anything after a stream has started yielding. The wait honours ``retry-after-ms``, then
``x-ms-retry-after-ms``, then ``Retry-After`` (seconds or an HTTP date), capped at ``max_retry_after``;
without them it is exponential backoff with jitter.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .errors import APIConnectionError, APIStatusError

__all__ = ["RETRYABLE_STATUS", "RetryPolicy", "parse_retry_after", "retry_delay", "should_retry", "should_retry_status"]

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


def should_retry_status(status: int, headers: Mapping[str, str] | None = None) -> bool:
    """Whether a response status is worth another attempt (``x-should-retry`` overrides when present)."""
    if headers is not None:
        hint = headers.get("x-should-retry")
        if hint == "true":
            return True
        if hint == "false":
            return False
    return status in RETRYABLE_STATUS or status >= 500


def parse_retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds the service asked us to wait, from its headers, or None. ``headers`` must be case-insensitive."""
    for name in ("retry-after-ms", "x-ms-retry-after-ms"):
        value = headers.get(name)
        if value:
            try:
                ms = float(value)
            except ValueError:
                continue
            if ms >= 0:
                return ms / 1000.0
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        return max(0.0, when.timestamp() - now())
    return seconds if seconds >= 0 else None


@dataclass(frozen=True)
class RetryPolicy:
    """How retries are spaced.

    Attributes:
        initial_delay: first backoff in seconds when the service gives no hint.
        max_delay: cap of the exponential backoff.
        max_retry_after: cap on a wait the service asks for.
        jitter: fraction of the backoff that is randomised (0 disables).
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def delay(self, attempt: int, retry_after: float | None = None, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        base = min(self.initial_delay * 2.0 ** (attempt - 1), self.max_delay)
        return float(base * (1 - self.jitter * rand()))


def should_retry(err: Exception, attempt: int, max_retries: int) -> bool:
    """Whether the failed attempt number ``attempt`` (0-based) gets another try (pure).

    A status error is retried by its status (``should_retry_status``), a failure before any response always;
    nothing else (bad input, a malformed body, a broken stream) ever is.
    """
    if attempt >= max_retries:
        return False
    if isinstance(err, APIStatusError):
        return should_retry_status(err.status_code, err.headers)
    return isinstance(err, APIConnectionError)


def retry_delay(err: Exception, attempt: int, policy: RetryPolicy, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based): the service's ``retry_after`` if it gave one,
    else the policy's backoff (pure)."""
    return policy.delay(attempt, getattr(err, "retry_after", None), rand)
