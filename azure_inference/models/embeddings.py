"""``POST /embeddings`` and ``POST /images/embeddings`` (docs/wire.md §5, §6), with decoding of packed formats."""

from __future__ import annotations

import base64
import binascii
import math
import sys
from array import array
from operator import attrgetter
from typing import Any, Literal

from pydantic import Field

from ..errors import ResponseValidationError
from ._base import WireModel
from .usage import EmbeddingsUsage

_BY_INDEX = attrgetter("index")

__all__ = [
    "EmbeddingEncoding",
    "EmbeddingItem",
    "EmbeddingsResult",
    "ImageEmbeddingInput",
    "InputType",
    "check_vectors",
    "decode_embedding",
]

EmbeddingEncoding = Literal["float", "base64", "int8", "uint8", "binary", "ubinary"]
"""How vectors travel on the wire (docs/wire.md §5)."""
InputType = Literal["text", "query", "document"]
"""What the input is for, so asymmetric models embed queries and documents differently."""


class ImageEmbeddingInput(WireModel):
    """One image (a data URL) and optional text, for ``/images/embeddings``."""

    image: str
    text: str | None = None


class EmbeddingItem(WireModel):
    """One vector. The client decodes ``embedding`` to a list of numbers whatever its wire format."""

    object: str = "embedding"
    index: int = 0
    embedding: Any
    """A list of floats (ints for int8/uint8/binary/ubinary) once decoded; a base64 string on the wire."""


class EmbeddingsResult(WireModel):
    """The vectors of one embeddings call, in input order."""

    id: str = ""
    object: str = "list"
    model: str = ""
    data: list[EmbeddingItem] = Field(default_factory=list)
    usage: EmbeddingsUsage | None = None

    @property
    def vectors(self) -> list[list[float]]:
        """The vectors ordered by ``index`` (servers may answer out of order)."""
        items = sorted(self.data, key=_BY_INDEX)
        return [list(item.embedding) for item in items]

    def take_vectors(self) -> list[list[float]]:
        """The vectors ordered by ``index``, without copying: the lists are this result's own, so use it when the
        result is dropped afterwards (the adapters do; per text it saves building, and collecting, one list)."""
        return [item.embedding for item in sorted(self.data, key=_BY_INDEX)]


def _unpack_base64(value: str, index: int) -> list[float]:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ResponseValidationError(f"embedding {index} is not valid base64") from None
    if len(raw) % 4:
        raise ResponseValidationError(
            f"embedding {index}: {len(raw)} base64 bytes is not a whole number of float32 values"
        )
    floats = array("f")
    floats.frombytes(raw)
    if sys.byteorder != "little":  # pragma: no cover - the wire is little-endian float32
        floats.byteswap()
    return floats.tolist()


def decode_embedding(value: Any, encoding: str | None, index: int) -> list[float] | list[int]:
    """Turn one wire embedding into numbers, whatever format it came in (pure).

    ``base64`` strings are little-endian float32 (the OpenAI convention); int8/uint8/binary/ubinary come as
    integer arrays. A list holding exactly one vector (``[[...]]`` or ``["<base64>"]``, as some
    OpenAI-compatible servers send) is unwrapped; several vectors for one input (per-token embeddings) is
    an error naming the problem.
    """
    if isinstance(value, str):
        return _unpack_base64(value, index)
    if isinstance(value, list):
        if value and isinstance(value[0], (list, str)):
            # One vector wrapped in a list ([[...]] or ["<base64>"]), as some OpenAI-compatible servers send.
            if len(value) == 1 and not (isinstance(value[0], list) and value[0] and isinstance(value[0][0], list)):
                return decode_embedding(value[0], encoding, index)  # one level only
            raise ResponseValidationError(
                f"embedding {index} is a list of {len(value)} vectors, not one vector: the server returned "
                "per-token embeddings. Configure it for pooled embeddings (e.g. --pooling mean)."
            )
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
            raise ResponseValidationError(f"embedding {index} holds non-numeric values")
        return value
    raise ResponseValidationError(
        f"embedding {index} is a {type(value).__name__}, expected a list of numbers or a base64 string"
    )


def check_vectors(items: list[EmbeddingItem], count: int) -> None:
    """Refuse what would silently corrupt a vector store (docs/reliability.md): a count that is not the number
    of inputs, an ``index`` repeated or outside ``0..count-1``, vectors of different lengths, NaN or infinity.

    Raises:
        ResponseValidationError: naming the first problem found.
    """
    if len(items) != count:
        raise ResponseValidationError(f"asked for {count} embeddings, the server returned {len(items)}")
    seen = set()
    size: int | None = None
    for item in items:
        index = item.index
        if not 0 <= index < count or index in seen:
            why = "repeated" if index in seen else f"outside 0..{count - 1}"
            raise ResponseValidationError(f"embedding index {index} is {why}: the server's answer is inconsistent")
        seen.add(index)
        vector = item.embedding
        if size is None:
            size = len(vector)
        elif len(vector) != size:
            raise ResponseValidationError(
                f"embedding {index} has {len(vector)} dimensions, the first had {size}: the server mixed models"
            )
        # One C-speed sum finds a NaN or an infinity in the whole vector (either makes the sum non-finite).
        try:
            total = sum(vector)
            bad = isinstance(total, float) and not math.isfinite(total) and not all(map(math.isfinite, vector))
        except OverflowError:  # an integer too large for a float
            bad = True
        if bad:
            raise ResponseValidationError(f"embedding {index} holds NaN, infinite or out-of-range values")
