"""Quota-aware throughput: a TPM + RPM budget per deployment (issue 14; docs/quota.md).

- :class:`Budget`: FIFO waiting for budget, sync and async, cancellable; :class:`Reservation` per request.
- :func:`shared_budget`: the one budget per deployment key in this process.
- :class:`LocalStore`, :class:`LeasingStore`, :class:`BudgetStore`: where the buckets live.
- :func:`estimate_cost`: what the service charges a request on arrival (docs/wire.md §V1.5).
"""

from __future__ import annotations

from .core import Budget, Reservation, budget_key, clear_shared_budgets, registered_budget, shared_budget
from .cost import count_tokens, estimate_cost, output_tokens, prompt_tokens
from .lease import LeasingStore
from .store import Bucket, BudgetStore, Limits, LocalStore

__all__ = [
    "Bucket",
    "Budget",
    "BudgetStore",
    "LeasingStore",
    "Limits",
    "LocalStore",
    "Reservation",
    "budget_key",
    "clear_shared_budgets",
    "count_tokens",
    "estimate_cost",
    "output_tokens",
    "prompt_tokens",
    "registered_budget",
    "shared_budget",
]
