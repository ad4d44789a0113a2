"""``AzureInferenceEmbeddings``: LangChain ``Embeddings`` on ``/embeddings`` and ``/images/embeddings``."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from pydantic import Field, PrivateAttr

from azure_inference.media import ImageSource
from azure_inference.models import EmbeddingEncoding

from ._base import AzureInferenceBase
from ._profiles import lookup_embedding

__all__ = ["AzureInferenceEmbeddings"]

InputTypeMode = Literal["auto", "always", "never"]


class AzureInferenceEmbeddings(AzureInferenceBase, Embeddings):
    """Text (and image) embeddings for models deployed on Azure.

    Documents are embedded with ``input_type="document"`` and queries with ``"query"`` where the model
    distinguishes them (e.g. Cohere embed); see ``input_type``. Vectors come back in input order.

    Setup:
        Install the ``langchain`` extra and point the environment at the deployment:

        .. code-block:: bash

            export AZURE_INFERENCE_ENDPOINT="https://<resource>.openai.azure.com/openai/v1"
            export AZURE_INFERENCE_CREDENTIAL="<api key>"

    Key init args — embedding params:
        model (str | None): deployment / model name (alias ``model_name``).
        dimensions (int | None): shorter vectors, for models that can produce them.
        input_type (``auto`` | ``always`` | ``never``): when to send ``input_type`` query/document.
        chunk_size (int): texts per request; max_concurrency (int): requests in flight at once.

    Key init args — client params:
        endpoint, api_key (alias ``credential``), azure_credential, token_provider, deployment (a ``Deployment``
        or profile name), api_version, timeout, max_retries, extra_parameters: see ``docs/langchain.md``.

    Instantiate:
        .. code-block:: python

            from langchain_azure_inference import AzureInferenceEmbeddings

            embeddings = AzureInferenceEmbeddings(model="text-embedding-3-small")

    Embed a query and documents:
        .. code-block:: python

            vector = embeddings.embed_query("What is RAG?")
            vectors = embeddings.embed_documents(["RAG retrieves.", "Then it generates."])
            print(len(vector), len(vectors), len(vectors[0]))

        .. code-block:: text

            1536 2 1536

    Shorter vectors:
        .. code-block:: python

            small = AzureInferenceEmbeddings(model="text-embedding-3-small", dimensions=256)
            print(len(small.embed_query("What is RAG?")))

        .. code-block:: text

            256

    Async:
        .. code-block:: python

            import asyncio

            print(len(asyncio.run(embeddings.aembed_documents(["a", "b", "c"]))))

        .. code-block:: text

            3
    """

    dimensions: int | None = None
    """Output size, for models that can shorten their vectors (422 from the service otherwise)."""
    encoding_format: EmbeddingEncoding | None = None
    """Wire encoding; ``None`` lets the transport use base64 (smaller, faster) and fall back to floats."""
    input_type: InputTypeMode = "auto"
    """Send ``input_type`` query/document: ``auto`` only for models known to accept it (others answer 422),
    ``always``, or ``never``."""
    chunk_size: int = Field(default=512, gt=0)
    """Texts per request."""
    max_concurrency: int = Field(default=4, gt=0)
    """Requests in flight at once (threads for sync calls, tasks for async)."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra body parameters (see ``extra_parameters``)."""

    _sends_input_type: bool | None = PrivateAttr(default=None)

    # -- parameters ---------------------------------------------------------------------------------------

    def _model_accepts_input_type(self, name: str | None) -> bool:
        known = lookup_embedding(name)
        return bool(known and known["input_type"])

    def _wants_input_type(self) -> bool:
        if self.input_type != "auto":
            return self.input_type == "always"
        if self._sends_input_type is None:
            name = self.resolved_model
            if name is None:  # single-model endpoint: /info names the model (asked once, cached)
                info = self._client().try_get_model_info()
                name = info.model_name if info else None
            self._sends_input_type = self._model_accepts_input_type(name)
        return self._sends_input_type

    async def _awants_input_type(self) -> bool:
        if self.input_type == "auto" and self._sends_input_type is None and self.resolved_model is None:
            info = await (await self._aclient()).try_get_model_info()
            self._sends_input_type = self._model_accepts_input_type(info.model_name if info else None)
        return self._wants_input_type()

    def _params(self, kind: Literal["query", "document"] | None, wants_type: bool) -> dict[str, Any]:
        params: dict[str, Any] = {"dimensions": self.dimensions, "encoding_format": self.encoding_format}
        if kind is not None and wants_type:
            params["input_type"] = kind
        if self.model_kwargs:
            params["extra_body"] = dict(self.model_kwargs)
        return {k: v for k, v in params.items() if v is not None}

    def _batches(self, texts: Sequence[str]) -> list[list[str]]:
        return [list(texts[i : i + self.chunk_size]) for i in range(0, len(texts), self.chunk_size)]

    # -- text -----------------------------------------------------------------------------------------------

    def _embed(self, texts: Sequence[str], kind: Literal["query", "document"]) -> list[list[float]]:
        if not texts:
            return []
        client, params = self._client(), self._params(kind, self._wants_input_type())
        batches = self._batches(texts)
        if len(batches) == 1:
            return client.embed(batches[0], **params).take_vectors()

        def embed_batch(batch: list[str]) -> list[list[float]]:
            return client.embed(batch, **params).take_vectors()

        # docs/telemetry.md "With framework instrumentation": pool threads do not inherit contextvars, so each
        # batch runs in a copy of the caller's context; its GenAI span then nests under the caller's span.
        # One copy per batch, since a Context cannot be entered by two threads at once.
        contexts = [contextvars.copy_context() for _ in batches]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(batches))) as pool:
            results = list(pool.map(lambda ctx, batch: ctx.run(embed_batch, batch), contexts, batches))
        return [vector for batch in results for vector in batch]  # pool.map keeps input order

    async def _aembed(self, texts: Sequence[str], kind: Literal["query", "document"]) -> list[list[float]]:
        if not texts:
            return []
        client = await self._aclient()
        params = self._params(kind, await self._awants_input_type())
        gate = asyncio.Semaphore(self.max_concurrency)

        async def one(batch: list[str]) -> list[list[float]]:
            async with gate:
                return (await client.embed(batch, **params)).take_vectors()

        results = await asyncio.gather(*(one(b) for b in self._batches(texts)))
        return [vector for batch in results for vector in batch]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed documents (``input_type="document"`` where the model distinguishes), in input order."""
        return self._embed(texts, "document")

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (``input_type="query"`` where the model distinguishes)."""
        return self._embed([text], "query")[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async ``embed_documents``: batches go out together, at most ``max_concurrency`` at a time."""
        return await self._aembed(texts, "document")

    async def aembed_query(self, text: str) -> list[float]:
        """Async ``embed_query``."""
        return (await self._aembed([text], "query"))[0]

    # -- images ---------------------------------------------------------------------------------------------

    def embed_images(self, images: Sequence[ImageSource | dict[str, Any]]) -> list[list[float]]:
        """Embed images (paths, bytes, file objects, data URLs, or ``{"image": ..., "text": ...}``) in order."""
        if not images:
            return []
        return self._client().embed_images(list(images), **self._params(None, False)).vectors

    async def aembed_images(self, images: Sequence[ImageSource | dict[str, Any]]) -> list[list[float]]:
        """Async ``embed_images``."""
        if not images:
            return []
        client = await self._aclient()
        return (await client.embed_images(list(images), **self._params(None, False))).vectors
