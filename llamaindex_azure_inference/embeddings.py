"""``AzureInferenceEmbedding``: a LlamaIndex ``MultiModalEmbedding`` on ``/embeddings`` and ``/images/embeddings``."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from llama_index.core.base.embeddings.base import Embedding
from llama_index.core.embeddings.multi_modal_base import MultiModalEmbedding
from llama_index.core.schema import ImageType
from pydantic import Field, PrivateAttr, model_validator

from azure_inference import EmbedParams

from ._config import DeploymentFields
from ._models import lookup_model

__all__ = ["AzureInferenceEmbedding"]

T = TypeVar("T")
InputType = Literal["text", "query", "document"]
EncodingFormat = Literal["float", "base64", "int8", "uint8", "binary", "ubinary"]


class AzureInferenceEmbedding(DeploymentFields, MultiModalEmbedding):
    """Text and image embeddings from a model deployed on Azure.

    Queries and documents are embedded with ``input_type`` ``query`` / ``document`` where the model supports
    it (Cohere embed models; see ``send_input_type``). LlamaIndex's batch APIs hand over up to
    ``embed_batch_size`` texts at a time; each such batch goes out as requests of ``request_batch_size``, at most
    ``max_concurrency`` in flight (threads for sync calls, a semaphore for async ones), and the vectors come back
    in input order.

    Setup:
        Install the ``llamaindex`` extra and point the environment at the deployment:

        .. code-block:: bash

            export AZURE_INFERENCE_ENDPOINT="https://<resource>.openai.azure.com/openai/v1"
            export AZURE_INFERENCE_CREDENTIAL="<api key>"

    Key init args — embedding params:
        model (str | None): deployment / model name (also ``model_name`` in LlamaIndex's metadata).
        dimensions (int | None): shorter vectors, for models that can produce them.
        request_batch_size (int): texts per request; max_concurrency (int): requests in flight at once.
        send_input_type (bool | None): send ``input_type``; ``None`` only for models known to accept it.

    Key init args — client params:
        endpoint, credential, azure_credential, token_provider, deployment (a ``Deployment`` or profile name),
        api_version, timeout, max_retries, extra_parameters: see ``docs/llamaindex.md``.

    Instantiate:
        .. code-block:: python

            from llamaindex_azure_inference import AzureInferenceEmbedding

            embed = AzureInferenceEmbedding(model="text-embedding-3-small")

    Embed a query and documents:
        .. code-block:: python

            query = embed.get_query_embedding("What is RAG?")
            texts = embed.get_text_embedding_batch(["RAG retrieves.", "Then it generates."])
            print(len(query), len(texts), len(texts[0]))

        .. code-block:: text

            1536 2 1536

    Async:
        .. code-block:: python

            import asyncio

            print(len(asyncio.run(embed.aget_query_embedding("What is RAG?"))))

        .. code-block:: text

            1536
    """

    embed_batch_size: int = Field(
        default=2048,
        gt=0,
        le=2048,
        description="Texts LlamaIndex hands over at once (its batch APIs call one after another); they go out "
        "as requests of request_batch_size, max_concurrency at a time.",
    )
    request_batch_size: int = Field(
        default=96, gt=0, le=2048, description="Texts or images per HTTP request (96 fits every catalog model)."
    )
    dimensions: int | None = Field(
        default=None, description="Vector size for models that can shorten their vectors (422 where unsupported)."
    )
    encoding_format: EncodingFormat | None = Field(
        default=None,
        description="Wire encoding; None lets the transport use base64 (smaller) and fall back to float if refused. "
        "Vectors are always returned as lists of numbers.",
    )
    send_input_type: bool | None = Field(
        default=None,
        description="Send input_type (query vs document); None sends it only for models known to accept it.",
    )
    query_input_type: InputType = Field(default="query", description="input_type for queries.")
    document_input_type: InputType = Field(default="document", description="input_type for documents (nodes).")
    max_concurrency: int = Field(
        default=4, gt=0, description="Requests in flight at once (a thread pool when sync, a semaphore when async)."
    )

    _semaphore: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _model_from_name(cls, data: Any) -> Any:
        # BaseEmbedding's model_name is only a label; AzureAIEmbeddingsModel users mean the model by it, so it
        # also addresses the model unless model= is given (else the endpoint's default model would answer).
        if isinstance(data, dict) and data.get("model_name") not in (None, "unknown") and data.get("model") is None:
            data = {**data, "model": data["model_name"]}
        return data

    @model_validator(mode="after")
    def _name_from_model(self) -> AzureInferenceEmbedding:
        if self.model_name == "unknown" and self.model_label:
            self.model_name = self.model_label
        return self

    @classmethod
    def class_name(cls) -> str:
        """The LlamaIndex component name."""
        return "AzureInferenceEmbedding"

    def _input_type_enabled(self) -> bool:
        if self.send_input_type is not None:
            return self.send_input_type
        caps = lookup_model(self.model_label)
        return bool(caps and caps.input_type)

    def _params(self, input_type: InputType | None) -> EmbedParams:
        params: EmbedParams = {}
        if self.dimensions is not None:
            params["dimensions"] = self.dimensions
        if self.encoding_format is not None:
            params["encoding_format"] = self.encoding_format
        if input_type is not None and self._input_type_enabled():
            params["input_type"] = input_type
        return params

    def _bound(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; make a fresh one when the loop changes (e.g. a second asyncio.run).
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._semaphore[0] is not loop:
            self._semaphore = (loop, asyncio.Semaphore(self.max_concurrency))
        return self._semaphore[1]

    # -- text -----------------------------------------------------------------------------------------------

    def _requests(self, items: Sequence[T]) -> list[list[T]]:
        size = self.request_batch_size
        return [list(items[i : i + size]) for i in range(0, len(items), size)]

    def _fan_out(self, items: Sequence[T], send: Callable[[list[T]], list[Embedding]]) -> list[Embedding]:
        """``send`` each request's share of ``items``, up to ``max_concurrency`` at once; vectors in input order."""
        groups = self._requests(items)
        if len(groups) <= 1:
            return send(groups[0]) if groups else []
        # The pooled sync client is shared by the threads; LlamaIndex's batch API gives no other concurrency.
        # Each request runs in its own copy of the caller's context (pool threads inherit none), so its GenAI
        # span nests under the caller's span (docs/telemetry.md "With framework instrumentation").
        contexts = [contextvars.copy_context() for _ in groups]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(groups))) as pool:
            results = list(pool.map(lambda ctx, group: ctx.run(send, group), contexts, groups))  # keeps order
        return [vector for group in results for vector in group]

    async def _afan_out(
        self, items: Sequence[T], send: Callable[[list[T]], Awaitable[list[Embedding]]]
    ) -> list[Embedding]:
        gate = self._bound()  # shared by every call on this loop, so gathered batches stay within the bound too

        async def one(group: list[T]) -> list[Embedding]:
            async with gate:
                return await send(group)

        results = await asyncio.gather(*(one(group) for group in self._requests(items)))
        return [vector for group in results for vector in group]

    def _embed(self, texts: Sequence[str], input_type: InputType | None) -> list[Embedding]:
        client, params = self.client, self._params(input_type)
        return self._fan_out(texts, lambda group: client.embed(group, **params).take_vectors())

    async def _aembed(self, texts: Sequence[str], input_type: InputType | None) -> list[Embedding]:
        client, params = self.async_client, self._params(input_type)

        async def send(group: list[str]) -> list[Embedding]:
            return (await client.embed(group, **params)).take_vectors()

        return await self._afan_out(texts, send)

    def _get_query_embedding(self, query: str) -> Embedding:
        return self._embed([query], self.query_input_type)[0]

    async def _aget_query_embedding(self, query: str) -> Embedding:
        return (await self._aembed([query], self.query_input_type))[0]

    def _get_text_embedding(self, text: str) -> Embedding:
        return self._embed([text], self.document_input_type)[0]

    async def _aget_text_embedding(self, text: str) -> Embedding:
        return (await self._aembed([text], self.document_input_type))[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return self._embed(texts, self.document_input_type)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[Embedding]:
        return await self._aembed(texts, self.document_input_type)

    # -- images ---------------------------------------------------------------------------------------------

    def _get_image_embedding(self, img_file_path: ImageType) -> Embedding:
        return self._get_image_embeddings([img_file_path])[0]

    async def _aget_image_embedding(self, img_file_path: ImageType) -> Embedding:
        return (await self._aget_image_embeddings([img_file_path]))[0]

    def _get_image_embeddings(self, img_file_paths: list[ImageType]) -> list[Embedding]:
        client, params = self.client, self._params(None)
        return self._fan_out(img_file_paths, lambda group: client.embed_images(group, **params).take_vectors())

    async def _aget_image_embeddings(self, img_file_paths: list[ImageType]) -> list[Embedding]:
        client, params = self.async_client, self._params(None)

        async def send(group: list[ImageType]) -> list[Embedding]:
            return (await client.embed_images(group, **params)).take_vectors()

        return await self._afan_out(img_file_paths, send)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> AzureInferenceEmbedding:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AzureInferenceEmbedding:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
