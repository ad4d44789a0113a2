"""``AzureInferenceEmbedding``: a LlamaIndex ``MultiModalEmbedding`` on ``/embeddings`` and ``/images/embeddings``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Literal

from llama_index.core.base.embeddings.base import Embedding
from llama_index.core.embeddings.multi_modal_base import MultiModalEmbedding
from llama_index.core.schema import ImageType
from pydantic import Field, PrivateAttr, model_validator

from azure_inference import EmbedParams

from ._config import DeploymentFields
from ._models import lookup_model

__all__ = ["AzureInferenceEmbedding"]

InputType = Literal["text", "query", "document"]
EncodingFormat = Literal["float", "base64", "int8", "uint8", "binary", "ubinary"]


class AzureInferenceEmbedding(DeploymentFields, MultiModalEmbedding):
    """Text and image embeddings from a model deployed on Azure.

    Queries and documents are embedded with ``input_type`` ``query`` / ``document`` where the model supports
    it (Cohere embed models; see ``send_input_type``). Async batches run together, at most
    ``max_concurrency`` at a time, and vectors come back in input order.

    Example:
        >>> embed = AzureInferenceEmbedding(endpoint="https://<res>.services.ai.azure.com/models",
        ...                                 model="text-embedding-3-small")
        >>> embed.get_query_embedding("what is RAG?")  # doctest: +SKIP
    """

    embed_batch_size: int = Field(default=64, gt=0, le=2048, description="Texts or images per request.")
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
    max_concurrency: int = Field(default=4, gt=0, description="Async requests in flight at once.")

    _semaphore: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = PrivateAttr(default=None)

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

    def _embed(self, texts: Sequence[str], input_type: InputType | None) -> list[Embedding]:
        return self.client.embed(list(texts), **self._params(input_type)).vectors

    async def _aembed(self, texts: Sequence[str], input_type: InputType | None) -> list[Embedding]:
        async with self._bound():
            result = await self.async_client.embed(list(texts), **self._params(input_type))
        return result.vectors

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
        return self.client.embed_images(list(img_file_paths), **self._params(None)).vectors

    async def _aget_image_embeddings(self, img_file_paths: list[ImageType]) -> list[Embedding]:
        async with self._bound():
            result = await self.async_client.embed_images(list(img_file_paths), **self._params(None))
        return result.vectors

    # -- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> AzureInferenceEmbedding:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AzureInferenceEmbedding:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
