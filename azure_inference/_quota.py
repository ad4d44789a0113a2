"""The budget in the send loop (issue 14; docs/quota.md, "In the clients").

Every attempt of a request with a body takes its estimated cost from the deployment's budget before it is sent
(retries too: the service charges each arrival), and every answer corrects the budget: the
``x-ratelimit-remaining-*`` headers lower its levels, a 429 pauses it for the ``retry-after`` the service asked
for, and a non-streamed answer's ``usage.total_tokens`` charges what the estimate missed. The two send loops
(``client`` and ``_async_client``) call these helpers around their one ``_attempt``; the waiting itself, and
its fairness, belong to :class:`~azure_inference.budget.Budget`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, RateLimitError

if TYPE_CHECKING:
    from .budget import Budget, Reservation
    from .config import Deployment

log = logging.getLogger("azure_inference")

# "total_tokens": N, matched at the last occurrence of the key in a JSON answer. A quote inside a JSON string is
# escaped (\"), so a model's text can never produce '"total_tokens"': only a real key matches.
_TOTAL_TOKENS = re.compile(rb'"total_tokens"\s*:\s*(\d{1,12})')


def budget_for(deployment: Deployment, budget: Budget | None) -> Budget | None:
    """The client's budget: the one given, else the deployment's shared one when it has a quota, else None.

    Raises:
        ConfigurationError: When another client of the same deployment set other limits in this process.
    """
    if budget is not None:
        from .budget import Budget

        if not isinstance(budget, Budget):
            raise ConfigurationError(
                f"budget= takes an azure_inference.budget.Budget, got {type(budget).__name__}. Fix: pass "
                "Budget(key, Limits(...)), or set tokens_per_minute= / requests_per_minute= on the Deployment."
            )
        return budget
    limits = deployment.quota
    if limits is None:
        return None
    from .budget import budget_key, shared_budget

    try:
        return shared_budget(budget_key(deployment.endpoint, deployment.model), limits)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None


def request_cost(body: Mapping[str, Any] | None) -> int | None:
    """Tokens the service charges a request with ``body`` on arrival; ``None`` for a request without a body."""
    if body is None:
        return None
    from .budget.cost import estimate_cost

    return estimate_cost(body)


def take(budget: Budget, cost: int, telemetry: Any, label: str) -> Reservation:
    """Block until ``cost`` tokens and one request are there; a noticeable wait is logged and a span event."""
    reservation = budget.acquire(cost)
    _waited(reservation, telemetry, label)
    return reservation


async def take_async(budget: Budget, cost: int, telemetry: Any, label: str) -> Reservation:
    """:func:`take` without blocking the loop; a cancelled wait takes nothing."""
    reservation = await budget.acquire_async(cost)
    _waited(reservation, telemetry, label)
    return reservation


def _waited(reservation: Reservation, telemetry: Any, label: str) -> None:
    if reservation.waited >= 0.001:
        log.debug("waited %.3fs for budget of %s (%d tokens)", reservation.waited, label, reservation.tokens)
        if telemetry is not None:
            telemetry.budget_wait(reservation.waited, reservation.tokens)


def answered(reservation: Reservation, headers: Mapping[str, str], content: bytes | None) -> None:
    """After an answer of any status: lower the levels to the headers; settle a whole answer's usage."""
    reservation.budget.observe(headers)
    if content:
        at = content.rfind(b'"total_tokens"')
        match = _TOTAL_TOKENS.match(content, at) if at >= 0 else None
        if match is not None:
            reservation.settle(int(match.group(1)))


def failed(budget: Budget, err: BaseException, wait: float | None) -> None:
    """After a failed attempt: a 429 pauses every caller of the budget for what the service asked (or ``wait``)."""
    if isinstance(err, RateLimitError):
        pause = err.retry_after if err.retry_after is not None else wait
        if pause:
            budget.penalise(pause)
