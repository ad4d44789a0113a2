"""The cluster-wide budget: a named Ray actor holding a LocalStore, and the proxy workers lease through.

Workers never ask the actor per request: each wraps :class:`ActorStore` in a
:class:`~azure_inference.budget.LeasingStore`, so the actor sees one call per lease (docs/quota.md).
"""

from __future__ import annotations

from typing import Any

import ray

from ..budget import Limits, LocalStore

ACTOR_NAME = "azure_inference.budget"


class _BudgetActor:
    """The shared buckets of every deployment key (a plain class; :func:`budget_actor` makes it remote)."""

    def __init__(self) -> None:
        self.store = LocalStore()

    def configure(self, key: str, limits: Limits) -> None:
        self.store.configure(key, limits)

    def take(self, key: str, tokens: int, requests: int) -> float:
        return self.store.take(key, tokens, requests)

    def adjust(self, key: str, tokens: int, requests: int) -> None:
        self.store.adjust(key, tokens, requests)

    def correct(self, key: str, remaining_tokens: int | None, remaining_requests: int | None) -> None:
        self.store.correct(key, remaining_tokens, remaining_requests)

    def block(self, key: str, seconds: float) -> None:
        self.store.block(key, seconds)

    def usage(self, key: str) -> dict[str, float]:
        return self.store.usage(key)


# The driver keeps a handle to each budget actor it made, per Ray job: a named actor that is not detached dies
# when the last handle goes, so without this one the actor died with the first run's dataset and the next run's
# lookup could still find it, dying (every row then failed with ActorDiedError).
_HANDLES: dict[tuple[str, str], Any] = {}


def budget_actor(name: str = ACTOR_NAME) -> Any:
    """The named budget actor of this Ray cluster, created on first use and kept for the life of the driver.

    It needs no CPU (it only does arithmetic) so it never takes a slot from the workers.
    """
    job = ray.get_runtime_context().get_job_id()
    handle = _HANDLES.get((job, name))
    if handle is None:
        for old in [k for k in _HANDLES if k[0] != job]:
            del _HANDLES[old]  # a cluster shut down since: its actors are gone
        remote = ray.remote(num_cpus=0, max_restarts=-1)(_BudgetActor)
        handle = _HANDLES[(job, name)] = remote.options(name=name, get_if_exists=True).remote()
    return handle


class ActorStore:
    """A :class:`~azure_inference.budget.BudgetStore` whose buckets live in the budget actor."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def configure(self, key: str, limits: Limits) -> None:
        """Create the key's buckets in the actor (a no-op when they exist)."""
        ray.get(self.handle.configure.remote(key, limits))

    def take(self, key: str, tokens: int, requests: int) -> float:
        """Take from the actor's buckets, or learn how long to wait."""
        return float(ray.get(self.handle.take.remote(key, tokens, requests)))

    def adjust(self, key: str, tokens: int, requests: int) -> None:
        """Give back to (or charge) the actor's buckets."""
        ray.get(self.handle.adjust.remote(key, tokens, requests))

    def correct(self, key: str, remaining_tokens: int | None, remaining_requests: int | None) -> None:
        """Lower the actor's levels to the service's figures (sent without waiting for the actor: the caller's
        next ``take`` is queued behind it, since Ray runs one caller's actor tasks in order)."""
        self.handle.correct.remote(key, remaining_tokens, remaining_requests)

    def block(self, key: str, seconds: float) -> None:
        """Block every worker after a 429 (sent without waiting, as ``correct`` is)."""
        self.handle.block.remote(key, seconds)

    def usage(self, key: str) -> dict[str, float]:
        """What the whole cluster took so far."""
        return dict(ray.get(self.handle.usage.remote(key)))
