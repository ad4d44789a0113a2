"""Bulk embeddings and chat completions over a Ray Dataset, under one cluster-wide quota (issue 14).

Install with the ``ray`` extra (``pip install 'azure-inference-adapters[ray]'``). Both functions are lazy, as
Ray Data is: they return a Dataset whose rows gain ``output_column`` (the result, or null) and
``output_column + "_error"`` (null, or why the row failed after the client's retries); nothing runs until the
dataset is consumed. See docs/quota.md for the budget, checkpoints and what is logged.

    import ray
    from azure_inference.ray import embed_dataset

    ds = ray.data.read_parquet("corpus/")
    out = embed_dataset(ds, "my-profile", column="text", tokens_per_minute=1_000_000, checkpoint_dir="ckpt/")
    out.write_parquet("vectors/")
"""

from __future__ import annotations

import os
import string
from typing import Any

import ray.data

from ..budget import Limits
from ..config import Deployment
from ._budget import ACTOR_NAME, ActorStore, budget_actor
from ._worker import Job, Worker

__all__ = ["ActorStore", "budget_actor", "complete_dataset", "embed_dataset"]


def _deployment(deployment: Deployment | str) -> Deployment:
    if isinstance(deployment, Deployment):
        return deployment
    if isinstance(deployment, str):
        return Deployment.from_profile(deployment)
    raise TypeError(f"deployment must be a Deployment or a profile name, got {type(deployment).__name__}")


def _limits(deployment: Deployment, tpm: int | None, rpm: int | None, window_s: float | None) -> Limits | None:
    # Explicit arguments win over the Deployment's own quota fields; its quota property applies the window rule.
    given = {"tokens_per_minute": tpm, "requests_per_minute": rpm, "token_window_s": window_s}
    changes = {k: v for k, v in given.items() if v is not None}
    return (deployment.with_options(**changes) if changes else deployment).quota


def _run(ds: ray.data.Dataset, job: Job, concurrency: int, num_cpus: float, batch_size: int) -> ray.data.Dataset:
    if job.output_column in ds.columns() or job.output_column + "_error" in ds.columns():
        raise ValueError(
            f"the dataset already has a column {job.output_column!r} (or its _error column). "
            "Fix: pass another output_column=."
        )
    for name, value in (("concurrency", concurrency), ("batch_size", batch_size)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if job.limits is not None:
        job.budget_handle = budget_actor(ACTOR_NAME)
        ActorStore(job.budget_handle).configure(job.budget_key, job.limits)
    if job.checkpoint_dir is not None:
        os.makedirs(job.checkpoint_dir, exist_ok=True)
    return ds.map_batches(
        Worker,
        fn_constructor_args=(job,),
        batch_format="pyarrow",
        batch_size=batch_size,
        compute=ray.data.ActorPoolStrategy(size=concurrency),
        num_cpus=num_cpus,
        zero_copy_batch=True,
    )


def embed_dataset(
    ds: ray.data.Dataset,
    deployment: Deployment | str,
    *,
    column: str,
    output_column: str = "embedding",
    tokens_per_minute: int | None = None,
    requests_per_minute: int | None = None,
    token_window_s: float | None = None,
    concurrency: int = 2,
    num_cpus: float = 0.5,
    batch_size: int = 256,
    inputs_per_request: int = 16,
    max_in_flight: int = 32,
    lease_tokens: int = 2_000,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    dedup: bool = True,
    **params: Any,
) -> ray.data.Dataset:
    """Embed ``column`` of every row; the vector goes to ``output_column``.

    Args:
        ds: The input dataset.
        deployment: A :class:`~azure_inference.Deployment` or a profile name.
        column: The text column.
        output_column: The vector column; errors go to ``output_column + "_error"``.
        tokens_per_minute: The deployment's TPM quota, held for the whole cluster (``None``: no budget).
        requests_per_minute: Its RPM quota.
        token_window_s: Seconds of quota the budget lets out at once (the Deployment's, 60 by default; docs/quota.md).
        concurrency: Actors in the pool (one pooled client each).
        num_cpus: CPUs reserved per actor (the work is network-bound).
        batch_size: Rows per batch handed to an actor.
        inputs_per_request: Texts per embeddings request.
        max_in_flight: Requests in flight per actor.
        lease_tokens: Tokens each actor leases from the budget actor at once.
        checkpoint_dir: Keep finished rows here; a rerun with the same directory resends none of them.
        dedup: Send each distinct text once per actor (duplicates get the same vector).
        **params: Embeddings parameters (``dimensions``, ``encoding_format``, ...).
    """
    dep = _deployment(deployment)
    job = Job(
        dep,
        "embed",
        column,
        None,
        output_column,
        params=dict(params),
        limits=_limits(dep, tokens_per_minute, requests_per_minute, token_window_s),
        lease_tokens=lease_tokens,
        inputs_per_request=inputs_per_request,
        max_in_flight=max_in_flight,
        checkpoint_dir=os.fspath(checkpoint_dir) if checkpoint_dir is not None else None,
        dedup=dedup,
    )
    if column not in ds.columns():
        raise ValueError(f"embed_dataset: no column {column!r} in {ds.columns()}. Fix: pass column=<a text column>.")
    return _run(ds, job, concurrency, num_cpus, batch_size)


def complete_dataset(
    ds: ray.data.Dataset,
    deployment: Deployment | str,
    *,
    prompt: str,
    output_column: str = "completion",
    system: str | None = None,
    response_format: dict[str, Any] | None = None,
    tokens_per_minute: int | None = None,
    requests_per_minute: int | None = None,
    token_window_s: float | None = None,
    concurrency: int = 2,
    num_cpus: float = 0.5,
    batch_size: int = 64,
    max_in_flight: int = 32,
    lease_tokens: int = 2_000,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    dedup: bool = True,
    **params: Any,
) -> ray.data.Dataset:
    """One chat completion per row; the answer's text goes to ``output_column``.

    Args:
        ds: The input dataset.
        deployment: A :class:`~azure_inference.Deployment` or a profile name.
        prompt: A column name, or a ``str.format`` template over the columns (``"Summarise: {text}"``).
        output_column: The answer column; errors go to ``output_column + "_error"``.
        system: A system message sent before each prompt.
        response_format: Structured output (``{"type": "json_schema", ...}``); the answer is the JSON text.
        **params: Chat parameters (``max_tokens``, ``temperature``, ...); ``max_tokens`` is reserved from the
            budget as the service does (docs/wire.md §V1.5).

    The other arguments are those of :func:`embed_dataset`.
    """
    dep = _deployment(deployment)
    columns = ds.columns()
    fields = {name for _, name, _, _ in string.Formatter().parse(prompt) if name}
    if prompt in columns:
        column, template = prompt, None
    elif fields:
        missing = sorted(f for f in fields if f not in columns)
        if missing:
            raise ValueError(f"complete_dataset: the prompt template names {missing}, not columns of {columns}")
        column, template = None, prompt
    else:
        raise ValueError(
            f"complete_dataset: prompt={prompt!r} is neither a column of {columns} nor a template. "
            "Fix: pass a column name or a template such as 'Summarise: {text}'."
        )
    if response_format is not None:
        params["response_format"] = response_format
    job = Job(
        dep,
        "chat",
        column,
        template,
        output_column,
        params=dict(params),
        system=system,
        limits=_limits(dep, tokens_per_minute, requests_per_minute, token_window_s),
        lease_tokens=lease_tokens,
        inputs_per_request=1,
        max_in_flight=max_in_flight,
        checkpoint_dir=os.fspath(checkpoint_dir) if checkpoint_dir is not None else None,
        dedup=dedup,
    )
    return _run(ds, job, concurrency, num_cpus, batch_size)
