"""The embeddings half of a call, shared by both clients: base64 first, floats once if refused (docs/wire.md §5).

``BaseClient`` inherits these steps; they read its deployment and its request builder, nothing else.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._requests import EMBED_PARAM_NAMES, build_embeddings_body
from ._sender import PreparedRequest
from ._steps_host import StepsHost
from ._validate import check_params
from .errors import APIStatusError, InvalidRequestError, UnsupportedParameterError
from .media import ImageSource, image_data_url
from .models.embeddings import EmbeddingsResult, check_vectors, decode_embedding

if TYPE_CHECKING:
    from ._base_client import Flow

__all__ = ["EmbedSteps"]

log = logging.getLogger("azure_inference")


class EmbedSteps(StepsHost):
    """Embedding requests, the base64-then-float flow and the decoding of vectors (a mixin of ``BaseClient``)."""

    _base64_ok: bool | None

    def _embed_encoding(self, params: Mapping[str, Any]) -> str | None:
        fmt = params.get("encoding_format")
        if fmt is not None:
            return str(fmt)
        # Base64 float32 is ~4x smaller on the wire and far cheaper to parse; fall back when refused.
        return None if self._base64_ok is False else "base64"

    def _prepare_embed(
        self, route: str, inputs: list[Any], params: Mapping[str, Any], encoding: str | None
    ) -> PreparedRequest:
        check_params(params, EMBED_PARAM_NAMES, "embed")
        body, extra = build_embeddings_body(inputs, params, self._body_model, encoding)
        return self._prepare(
            route,
            body,
            has_extra=extra,
            extra_parameters=params.get("extra_parameters"),
            headers=params.get("headers"),
            timeout=params.get("timeout"),
        )

    @staticmethod
    def _images(images: Sequence[ImageSource | Mapping[str, Any]]) -> list[dict[str, Any]]:
        if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
            images = [images]
        if not images:
            raise InvalidRequestError("input is empty; pass at least one image to embed")
        out = []
        for item in images:
            if isinstance(item, Mapping):
                entry = {"image": image_data_url(item["image"])}
                if item.get("text") is not None:
                    entry["text"] = item["text"]
                out.append(entry)
            else:
                out.append({"image": image_data_url(item)})
        return out

    def _embed_flow(self, route: str, inputs: list[Any], params: Mapping[str, Any]) -> Flow[EmbeddingsResult]:
        """An embeddings call: base64 first (unless an encoding was asked for), floats once if that is refused."""
        encoding = self._embed_encoding(params)
        try:
            view, content = yield self._prepare_embed(route, inputs, params, encoding)
        except APIStatusError as err:
            if not self._refused_base64(err, encoding, params):
                raise
            encoding = None
            view, content = yield self._prepare_embed(route, inputs, params, encoding)
        result = self._parse(EmbeddingsResult, content, view)
        return self._decode_embeddings(result, encoding, len(inputs))

    def _decode_embeddings(self, result: EmbeddingsResult, encoding: str | None, count: int) -> EmbeddingsResult:
        for item in result.data:
            item.embedding = decode_embedding(item.embedding, encoding, item.index)
        check_vectors(result.data, count)
        return result

    def _refused_base64(self, err: APIStatusError, encoding: str | None, params: Mapping[str, Any]) -> bool:
        """True when an automatic base64 request was refused, so the caller retries once with floats."""
        if encoding != "base64" or params.get("encoding_format") is not None or err.status_code not in (400, 422):
            return False
        # Only a refusal that names encoding_format counts: a 422 about input_type or dimensions must surface
        # as it is, not be retried with floats (and must not switch base64 off for this client).
        problems = err.params if isinstance(err, UnsupportedParameterError) else []
        named = any(p.name == "encoding_format" for p in problems)
        if named or (not problems and "encoding_format" in (err.body or "")):
            self._base64_ok = False
            log.info("base64 embeddings refused by %s; using float", self.deployment.label)
            return True
        return False
