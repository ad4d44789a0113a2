"""The map_batches workers: one pooled AsyncInferenceClient per actor, many requests in flight.

Ray Data builds one worker per actor of the pool (``__init__`` runs once) and calls it with each block's batch;
``__call__`` is a coroutine, so one actor works on several batches at once and each batch sends its requests
concurrently (bounded by ``max_in_flight``). Every input row gets exactly one output: its result, or an entry
in the error column (docs/quota.md, "Ray: nothing lost").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from .._async_client import AsyncInferenceClient
from ..budget import Budget, LeasingStore, Limits, budget_key
from ..config import Deployment
from ._budget import ActorStore
from ._checkpoint import Checkpoint, row_key

log = logging.getLogger("azure_inference.ray")
DEDUP_CACHE_ROWS = 100_000  # per actor; enough to fold the duplicates a corpus usually has


@dataclass
class Job:
    """What every worker of one run needs (pickled to each actor).

    Attributes:
        deployment: Where to send.
        kind: ``embed`` or ``chat``.
        column: The input column (``embed``), or ``None`` when ``template`` builds the prompt.
        template: A ``str.format`` template over the row's columns (``chat``), or ``None``.
        output_column: Where results go; errors go to ``output_column + "_error"``.
        params: Keyword parameters of each call (``dimensions``, ``max_tokens``, ``response_format``, ...).
        system: A system message for ``chat``.
        limits: The shared quota, or ``None`` for no budget.
        budget_handle: The named budget actor (when ``limits`` is set).
        lease_tokens: Tokens leased from the budget actor at once.
        inputs_per_request: Rows per embeddings request.
        max_in_flight: Requests in flight per actor.
        checkpoint_dir: Where finished rows are kept, or ``None``.
        dedup: Send each distinct input once per actor.
    """

    deployment: Deployment
    kind: str
    column: str | None
    template: str | None
    output_column: str
    params: dict[str, Any] = field(default_factory=dict)
    system: str | None = None
    limits: Limits | None = None
    budget_handle: Any = None
    lease_tokens: int = 2_000
    inputs_per_request: int = 16
    max_in_flight: int = 32
    checkpoint_dir: str | None = None
    dedup: bool = True

    @property
    def task(self) -> str:
        """What makes two runs' results interchangeable: kind, deployment, model, parameters."""
        params = json.dumps(self.params, sort_keys=True, default=str)
        return f"{self.kind}|{self.deployment.endpoint}|{self.deployment.model}|{self.system}|{params}"

    @property
    def budget_key(self) -> str:
        """The budget's key: one quota per endpoint and deployment, as for every client (``budget_key``)."""
        return budget_key(self.deployment.endpoint, self.deployment.model)


class Worker:
    """The callable class given to ``map_batches`` (see the module docstring)."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.budget: Budget | None = None
        self.lease: LeasingStore | None = None
        if job.limits is not None:
            self.lease = LeasingStore(ActorStore(job.budget_handle), lease_tokens=job.lease_tokens, lease_requests=4)
            self.budget = Budget(job.budget_key, job.limits, self.lease)
        # The client waits for the cluster's budget before every attempt (retries too) and corrects it from the
        # rate-limit headers and 429s it gets (docs/quota.md, "In the clients").
        self.client = AsyncInferenceClient(job.deployment, budget=self.budget)
        self.checkpoint = Checkpoint(job.checkpoint_dir) if job.checkpoint_dir else None
        self.cache: dict[str, Any] = {}
        self.rows = 0
        self.started = time.monotonic()
        self._gate: asyncio.Semaphore | None = None

    def __del__(self) -> None:
        if self.lease is not None:
            with contextlib.suppress(Exception):  # the actor or cluster may already be gone
                self.lease.close()  # unspent leases go back to the cluster

    def _input(self, row: dict[str, Any]) -> str:
        if self.job.template is not None:
            return self.job.template.format_map(row)
        value = row[self.job.column or ""]
        if not isinstance(value, str):
            raise TypeError(f"column {self.job.column!r} holds {type(value).__name__}, not text")
        return value

    async def __call__(self, batch: pa.Table) -> pa.Table:
        """Results (or errors) for every row of ``batch``, in order."""
        self._gate = self._gate or asyncio.Semaphore(self.job.max_in_flight)
        rows = batch.to_pylist()
        results: list[Any] = [None] * len(rows)
        errors: list[str | None] = [None] * len(rows)
        pending: dict[str, list[int]] = {}  # key -> rows waiting for it (duplicates share one call)
        texts: dict[str, str] = {}
        for i, row in enumerate(rows):
            try:
                text = self._input(row)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                errors[i] = f"bad input: {exc}"
                continue
            key = row_key(self.job.task, text)
            known = self.checkpoint.done if self.checkpoint is not None else {}
            if key in known or (self.job.dedup and key in self.cache):
                results[i] = known[key] if key in known else self.cache[key]
            elif self.job.dedup or key not in pending:
                pending.setdefault(key, []).append(i)
                texts[key] = text
            else:  # dedup off: a duplicate gets its own call under its own slot
                pending.setdefault(f"{key}#{i}", []).append(i)
                texts[f"{key}#{i}"] = text
        finished = await self._run(texts)
        for key, outcome in finished.items():
            for i in pending[key]:
                if isinstance(outcome, _Failure):
                    errors[i] = outcome.message
                else:
                    results[i] = outcome
        done = {k.split("#")[0]: v for k, v in finished.items() if not isinstance(v, _Failure)}
        if self.job.dedup and len(self.cache) < DEDUP_CACHE_ROWS:
            self.cache.update(done)
        if self.checkpoint is not None:
            self.checkpoint.write(done)
        self._progress(len(rows))
        out = batch.append_column(self.job.output_column, pa.array(results))
        return out.append_column(self.job.output_column + "_error", pa.array(errors, type=pa.string()))

    async def _run(self, texts: dict[str, str]) -> dict[str, Any]:
        keys = list(texts)
        if self.job.kind == "embed":
            size = self.job.inputs_per_request
            groups = [keys[i : i + size] for i in range(0, len(keys), size)]
        else:
            groups = [[k] for k in keys]
        out: dict[str, Any] = {}
        await asyncio.gather(*(self._one(group, [texts[k] for k in group], out) for group in groups))
        return out

    async def _one(self, keys: Sequence[str], texts: list[str], out: dict[str, Any]) -> None:
        assert self._gate is not None
        async with self._gate:
            try:
                embed = self.job.kind == "embed"
                values: list[Any] = list(await self._embed(texts)) if embed else [await self._chat(texts[0])]
                out.update(zip(keys, values, strict=True))  # a short answer fails the rows
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # after the client's retries: the rows carry the error, nothing is lost
                failure = _Failure(f"{type(exc).__name__}: {exc}")
                out.update((k, failure) for k in keys)

    def _messages(self, text: str) -> list[dict[str, str]]:
        system = [{"role": "system", "content": self.job.system}] if self.job.system else []
        return [*system, {"role": "user", "content": text}]

    async def _embed(self, texts: list[str]) -> list[list[float]]:
        result = await self.client.embed(texts, **self.job.params)
        vectors: list[list[float]] = result.vectors
        return vectors

    async def _chat(self, text: str) -> str | None:
        result = await self.client.chat(self._messages(text), **self.job.params)
        content: str | None = result.content
        return content

    def _progress(self, rows: int) -> None:
        self.rows += rows
        elapsed = max(time.monotonic() - self.started, 1e-9)
        budget = ""
        if self.budget is not None:  # the tokens its client took from the cluster's budget
            rate = self.budget.taken_tokens * 60 / elapsed
            tpm = self.budget.limits.tokens_per_minute
            share = f" ({rate / tpm:.0%} of the cluster's {tpm:,} TPM quota)" if tpm else ""
            budget = f", {rate:.0f} tokens/min taken by this actor{share}"
        log.info(
            "azure_inference.ray %s: %d rows, %.1f rows/s%s", self.job.kind, self.rows, self.rows / elapsed, budget
        )


@dataclass(frozen=True)
class _Failure:
    message: str
