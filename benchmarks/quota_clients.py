"""The rows of figure (q): bulk embedding under a quota, one factory per row (run by ``benchmarks.worker``).

Each factory takes the emulator's base URL and a :class:`QuotaRun` and returns a ``Harness`` whose
``run(texts)`` embeds every text through the client's own batch API and returns one vector (or ``None``) per
text. Competitors run at their defaults, except where a default cannot work offline (said at the factory).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .clients import KEY, Harness

TRANSPORT_TEXTS_PER_REQUEST = 96
"""Our transport has no batch API of its own: the row splits the texts as the LlamaIndex adapter does..."""
TRANSPORT_IN_FLIGHT = 16
"""...and keeps this many requests in flight (a plain ``asyncio.Semaphore``)."""


@dataclass(frozen=True)
class QuotaRun:
    """What every row of one figure (q) run shares."""

    model: str
    """The embeddings deployment with the quota."""
    tpm: int
    """Tokens per minute the client's budget holds (0: the row runs without a budget)."""
    window_s: float
    """The client budget's ``token_window_s`` (at most the emulator's ``--quota-token-window-s``)."""
    adapt: str = "auto"
    """Our clients' ``adapt``: ``auto`` adopts the quota a 429 names; ``off`` only retries (the harness's own test
    uses it to make a client give up)."""


@dataclass(frozen=True)
class QuotaRow:
    """One row of the table."""

    key: str
    label: str
    budget: bool
    """Whether the row gets the client budget (``tpm`` above)."""
    factory: Callable[[str, QuotaRun], Harness]


def _deployment(endpoint: str, run: QuotaRun) -> Any:
    from azure_inference import Deployment

    if not run.tpm:
        return Deployment(endpoint=endpoint, credential=KEY, model=run.model, timeout=120, adapt=run.adapt)
    return Deployment(
        endpoint=endpoint,
        credential=KEY,
        model=run.model,
        timeout=120,
        tokens_per_minute=run.tpm,
        token_window_s=run.window_s,
        adapt=run.adapt,
    )


def _ours_langchain(url: str, run: QuotaRun) -> Harness:
    """``AzureInferenceEmbeddings.embed_documents`` (default ``chunk_size`` and ``max_concurrency``)."""
    from langchain_azure_inference import AzureInferenceEmbeddings

    model = AzureInferenceEmbeddings(deployment=_deployment(url + "/openai/v1", run))
    return Harness(model.embed_documents)


def _ours_llamaindex(url: str, run: QuotaRun) -> Harness:
    """``AzureInferenceEmbedding.get_text_embedding_batch`` (default batching and concurrency)."""
    from llamaindex_azure_inference import AzureInferenceEmbedding

    model = AzureInferenceEmbedding(deployment=_deployment(url + "/openai/v1", run))
    return Harness(model.get_text_embedding_batch)


def _ours_transport(url: str, run: QuotaRun) -> Harness:
    """``AsyncInferenceClient.embed`` on groups of 96 texts, 16 requests in flight; a failed group is lost."""
    from azure_inference import AsyncInferenceClient

    deployment = _deployment(url + "/openai/v1", run)

    async def main(texts: list[str]) -> list[Any]:
        out: list[Any] = [None] * len(texts)
        gate = asyncio.Semaphore(TRANSPORT_IN_FLIGHT)
        async with AsyncInferenceClient(deployment) as client:

            async def one(start: int) -> None:
                async with gate:
                    try:
                        result = await client.embed(texts[start : start + TRANSPORT_TEXTS_PER_REQUEST])
                    except Exception:  # the row counts it as lost rows
                        return
                out[start : start + len(result.vectors)] = result.vectors

            await asyncio.gather(*(one(i) for i in range(0, len(texts), TRANSPORT_TEXTS_PER_REQUEST)))
        return out

    return Harness(lambda texts: asyncio.run(main(texts)))


def _lc_openai(url: str, run: QuotaRun) -> Harness:
    """``OpenAIEmbeddings`` on ``/openai/v1`` at its defaults but ``check_embedding_ctx_length=False``: the
    default tokenizes with tiktoken, which downloads its encoding files (no network here)."""
    from langchain_openai import OpenAIEmbeddings

    model = OpenAIEmbeddings(
        base_url=url + "/openai/v1", api_key=KEY, model=run.model, check_embedding_ctx_length=False
    )
    return Harness(model.embed_documents)


def _lc_azure_openai(url: str, run: QuotaRun) -> Harness:
    """``AzureOpenAIEmbeddings`` on the emulator's Azure OpenAI deployment route (the class builds
    ``/openai/deployments/<name>`` itself); same tiktoken exception as above."""
    from langchain_openai import AzureOpenAIEmbeddings

    model = AzureOpenAIEmbeddings(
        azure_endpoint=url,
        azure_deployment=run.model,
        model=run.model,
        api_key=KEY,  # type: ignore[arg-type]
        api_version="2024-10-21",
        check_embedding_ctx_length=False,
    )
    return Harness(model.embed_documents)


def _lc_azure_ai(url: str, run: QuotaRun) -> Harness:
    """langchain-azure-ai ``AzureAIEmbeddingsModel.embed_documents`` on ``/models`` at its defaults."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from langchain_azure_ai.embeddings.inference import AzureAIEmbeddingsModel

        model = AzureAIEmbeddingsModel(endpoint=url + "/models", credential=KEY, model=run.model)
    return Harness(model.embed_documents)


def _li_azure_inference(url: str, run: QuotaRun) -> Harness:
    """llama-index-embeddings-azure-inference ``get_text_embedding_batch`` on ``/models`` at its defaults."""
    from llama_index.embeddings.azure_inference import AzureAIEmbeddingsModel

    model = AzureAIEmbeddingsModel(endpoint=url + "/models", credential=KEY, model_name=run.model)
    return Harness(model.get_text_embedding_batch)


def _ray(url: str, run: QuotaRun) -> Harness:
    """``azure_inference.ray.embed_dataset`` with 2 actors on ``ray.init(num_cpus=2)``, the cluster budget on.

    ``ray.init`` happens here, outside the timed call; the actors start inside it (users pay that too).
    """
    import ray

    from azure_inference import Deployment
    from azure_inference.ray import embed_dataset

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    deployment = Deployment(endpoint=url + "/openai/v1", credential=KEY, model=run.model, timeout=120)

    def embed(texts: list[str]) -> list[Any]:
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        out = embed_dataset(
            ds, deployment, column="text", tokens_per_minute=run.tpm or None, token_window_s=run.window_s, concurrency=2
        )
        vectors: list[Any] = [None] * len(texts)
        for row in out.take_all():
            vectors[row["i"]] = row["embedding"]
        return vectors

    return Harness(embed, ray.shutdown)


ROWS: list[QuotaRow] = [
    QuotaRow("ours_langchain+budget", "ours: LangChain AzureInferenceEmbeddings", True, _ours_langchain),
    QuotaRow("ours_langchain", "ours: LangChain AzureInferenceEmbeddings", False, _ours_langchain),
    QuotaRow("ours_llamaindex+budget", "ours: LlamaIndex AzureInferenceEmbedding", True, _ours_llamaindex),
    QuotaRow("ours_llamaindex", "ours: LlamaIndex AzureInferenceEmbedding", False, _ours_llamaindex),
    QuotaRow("ours+budget", "ours: azure_inference AsyncInferenceClient", True, _ours_transport),
    QuotaRow("ours", "ours: azure_inference AsyncInferenceClient", False, _ours_transport),
    QuotaRow("ray+budget", "ours: azure_inference.ray embed_dataset, 2 actors", True, _ray),
    QuotaRow("lc_openai", "langchain-openai OpenAIEmbeddings (/openai/v1)", False, _lc_openai),
    QuotaRow("lc_azure_openai", "langchain-openai AzureOpenAIEmbeddings", False, _lc_azure_openai),
    QuotaRow("lc_azure_ai", "langchain-azure-ai AzureAIEmbeddingsModel", False, _lc_azure_ai),
    QuotaRow("li_azure_inference", "llama-index AzureAIEmbeddingsModel", False, _li_azure_inference),
]
ROW_BY_KEY = {r.key: r for r in ROWS}
