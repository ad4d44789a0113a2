"""The budget in the send loop (issue 14; docs/quota.md, "In the clients").

Every attempt of a request with a body takes its estimated cost from the deployment's budget before it is sent
(retries too: the service charges each arrival), and every answer corrects the budget: the
``x-ratelimit-remaining-*`` headers lower its levels, a 429 pauses it for the ``retry-after`` the service asked
for, and a non-streamed answer's ``usage.total_tokens`` charges what the estimate missed. The two send loops
(``client`` and ``_async_client``) call these helpers around their one ``_attempt``; the waiting itself, and
its fairness, belong to :class:`~azure_inference.budget.Budget`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import ConfigurationError, RateLimitError

if TYPE_CHECKING:
    from ._sender import PreparedRequest
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


def cost_of(req: PreparedRequest) -> int:
    """The request's cost: as estimated when it was built, or from its body when it was built before the client
    had a budget (one adopted after a 429)."""
    if req.cost is None:
        req.cost = request_cost(json.loads(req.content or b"{}")) or 0
    return req.cost


def take(budget: Budget, req: PreparedRequest, telemetry: Any, label: str) -> Reservation:
    """Block until the request's tokens and one request are there; a noticeable wait is logged and a span event."""
    reservation = budget.acquire(cost_of(req))
    _waited(reservation, telemetry, label)
    return reservation


async def take_async(budget: Budget, req: PreparedRequest, telemetry: Any, label: str) -> Reservation:
    """:func:`take` without blocking the loop; a cancelled wait takes nothing."""
    reservation = await budget.acquire_async(cost_of(req))
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


def failed(deployment: Deployment, budget: Budget | None, err: BaseException, wait: float | None) -> Budget | None:
    """After a failed attempt: a 429 pauses every caller of the budget for what the service asked (or ``wait``).

    A client without a budget adopts the quota a 429 names in ``x-ratelimit-limit-*`` (with ``adapt="auto"``),
    so the calls after it wait for budget instead of running into the quota again. Returns the client's budget.
    """
    if not isinstance(err, RateLimitError):
        return budget
    if budget is None:
        budget = _adopt(deployment, err)
        if budget is None:
            return None
    pause = err.retry_after if err.retry_after is not None else wait
    if pause:
        budget.penalise(pause)
    return budget


def _adopt(deployment: Deployment, err: RateLimitError) -> Budget | None:
    from .budget import budget_key, registered_budget, shared_budget
    from .budget.core import _int_header

    tpm, rpm = (_int_header(err.headers, f"x-ratelimit-limit-{unit}") for unit in ("tokens", "requests"))
    tpm, rpm = (tpm if tpm and tpm > 0 else None), (rpm if rpm and rpm > 0 else None)
    if deployment.adapt != "auto" or (tpm is None and rpm is None):
        return None
    key = budget_key(deployment.endpoint, deployment.model)
    known = registered_budget(key)  # another client of the deployment adopted it first
    if known is not None:
        return known
    limits = deployment.with_options(tokens_per_minute=tpm, requests_per_minute=rpm).quota
    assert limits is not None  # one of the two is set
    try:
        budget = shared_budget(key, limits)
    except ValueError:  # another thread adopted other figures in the meantime: theirs stand
        return registered_budget(key)
    budget.observe(err.headers)
    log.warning(
        "%s answered 429 naming its quota (x-ratelimit-limit-tokens %s, -requests %s): its calls in this process "
        "now wait for that budget before sending (adapt='auto'). Set tokens_per_minute= / requests_per_minute= "
        "to pace from the first call, or adapt='off' to only retry.",
        deployment.label,
        tpm,
        rpm,
    )
    return budget
