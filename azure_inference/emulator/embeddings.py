"""Deterministic embeddings: lexical feature hashing, L2-normalised, in every ``encoding_format``.

Text features are the lower-cased words (weight 1.0), word bigrams (0.5) and character trigrams of each word
(0.25). Each feature is hashed (blake2b) to a dimension and a sign, so texts that share words are close in
cosine similarity and a RAG demo retrieves the passage that shares the question's words. Image embeddings
hash the decoded bytes of the data URL (docs/wire.md §6) into a pseudo-random unit vector, plus the features of
the optional ``text``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import struct
from functools import lru_cache
from typing import Any

from . import tokens


def _feature_slot(feature: str, dims: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dims, (1.0 if (value >> 63) & 1 else -1.0)


def _features(text: str) -> list[tuple[str, float]]:
    words = tokens.words(text)
    feats: list[tuple[str, float]] = [("w:" + w, 1.0) for w in words]
    feats += [(f"b:{a} {b}", 0.5) for a, b in itertools.pairwise(words)]
    for w in words:
        padded = f"#{w}#"
        feats += [("c:" + padded[i : i + 3], 0.25) for i in range(len(padded) - 2)]
    return feats


def _normalise(vec: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        # An empty text still gets a valid unit vector (a fixed axis) so cosine similarity stays defined.
        vec = [0.0] * len(vec)
        vec[0] = 1.0
        return vec
    return [v / norm for v in vec]


@lru_cache(maxsize=4096)
def _text_vector(text: str, dims: int) -> tuple[float, ...]:
    vec = [0.0] * dims
    for feature, weight in _features(text):
        slot, sign = _feature_slot(feature, dims)
        vec[slot] += sign * weight
    return tuple(_normalise(vec))


def text_embedding(text: str, dims: int) -> list[float]:
    """The unit vector of ``text`` with ``dims`` dimensions."""
    return list(_text_vector(text, dims))


def image_bytes(image: str) -> bytes:
    """The bytes of a ``data:image/...;base64,`` URL; any other string is used as its UTF-8 bytes
    (the official examples send arbitrary strings, docs/wire.md §6)."""
    if image.startswith("data:") and "," in image:
        header, payload = image.split(",", 1)
        if header.endswith(";base64"):
            try:
                return base64.b64decode(payload, validate=False)
            except ValueError:
                pass
        return payload.encode("utf-8")
    return image.encode("utf-8")


def image_embedding(image: str, text: str | None, dims: int) -> list[float]:
    """A unit vector derived from the image bytes (and the text's features when given)."""
    seed = hashlib.sha256(image_bytes(image)).digest()
    vec: list[float] = []
    counter = 0
    while len(vec) < dims:
        block = hashlib.sha256(seed + counter.to_bytes(4, "little")).digest()
        vec += [(b - 127.5) / 127.5 for b in block]
        counter += 1
    vec = _normalise(vec[:dims])
    if text:
        tvec = _text_vector(text, dims)
        vec = _normalise([a + b for a, b in zip(vec, tvec, strict=True)])
    return vec


def _bits(vec: list[float]) -> list[int]:
    # Binary formats pack one sign bit per dimension, most significant bit first, 8 per byte (Cohere).
    out = []
    for i in range(0, len(vec), 8):
        byte = 0
        for j, v in enumerate(vec[i : i + 8]):
            if v > 0:
                byte |= 1 << (7 - j)
        out.append(byte)
    return out


def encode(vec: list[float], encoding_format: str) -> Any:
    """Render a float vector in an ``encoding_format`` (docs/wire.md §5).

    ``float`` → floats; ``base64`` → little-endian float32 bytes, base64 (one string, as OpenAI and the SDK
    expect, docs/wire.md §11.11); ``int8``/``uint8`` → integers scaled from [-1, 1]; ``binary``/``ubinary`` →
    packed sign bits as signed/unsigned bytes.
    """
    if encoding_format == "float":
        return vec
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
    if encoding_format == "int8":
        return [max(-128, min(127, round(v * 127))) for v in vec]
    if encoding_format == "uint8":
        return [max(0, min(255, round((v + 1.0) * 127.5))) for v in vec]
    if encoding_format == "ubinary":
        return _bits(vec)
    if encoding_format == "binary":
        return [b - 256 if b > 127 else b for b in _bits(vec)]
    raise ValueError(f"unknown encoding_format {encoding_format!r}")


def decode_base64(data: str) -> list[float]:
    """Inverse of the ``base64`` encoding (for clients and tests)."""
    raw = base64.b64decode(data)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))
