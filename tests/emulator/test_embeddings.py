"""Embeddings: deterministic, normalised, lexical; dimensions, every encoding_format, input_type; images."""

from __future__ import annotations

import base64
import math
import struct

import pytest
from emu_helpers import Emu

from azure_inference.emulator.embeddings import encode, text_embedding

pytestmark = pytest.mark.e2e
COHERE = "Cohere-embed-v3-multilingual"


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_vectors_are_unit_deterministic_and_lexical(e: Emu) -> None:
    texts = ["The cat sat on the mat", "A cat sat on a mat", "Quarterly revenue grew by ten percent"]
    body = e.post("/models/embeddings", {"input": texts}).json()
    vecs = [d["embedding"] for d in body["data"]]
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    for v in vecs:
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-9)
    assert _cos(vecs[0], vecs[1]) > 0.5 > _cos(vecs[0], vecs[2])
    again = e.post("/models/embeddings", {"input": texts[:1]}).json()["data"][0]["embedding"]
    assert again == vecs[0]
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] == 6 + 6 + 6


def test_dimensions_supported_or_422(e: Emu) -> None:
    r = e.post("/models/embeddings", {"input": ["x y"], "dimensions": 256})
    assert len(r.json()["data"][0]["embedding"]) == 256
    r = e.post("/models/embeddings", {"input": ["x"], "model": COHERE, "dimensions": 256})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "dimensions"]
    assert r.json()["detail"][0]["input"] == 256


@pytest.mark.parametrize("fmt", ["float", "base64", "int8", "uint8", "binary", "ubinary"])
def test_every_encoding_format(e: Emu, fmt: str) -> None:
    r = e.post("/models/embeddings", {"input": ["hello world"], "model": COHERE, "encoding_format": fmt})
    assert r.status_code == 200, r.text
    emb = r.json()["data"][0]["embedding"]
    ref = text_embedding("hello world", 1024)
    assert emb == encode(ref, fmt)
    if fmt == "base64":
        floats = struct.unpack("<1024f", base64.b64decode(emb))
        assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(floats, ref, strict=True))
    elif fmt in ("binary", "ubinary"):
        assert len(emb) == 128
        assert all((-128 <= v <= 127) if fmt == "binary" else (0 <= v <= 255) for v in emb)
    elif fmt == "int8":
        assert all(-128 <= v <= 127 for v in emb)
        assert len(emb) == 1024
    elif fmt == "uint8":
        assert all(0 <= v <= 255 for v in emb)


def test_unsupported_encoding_and_input_type_are_422(e: Emu) -> None:
    r = e.post("/models/embeddings", {"input": ["x"], "encoding_format": "int8"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "encoding_format"]
    r = e.post("/models/embeddings", {"input": ["x"], "input_type": "query"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "input_type"]
    for itype in ("text", "query", "document"):
        assert e.post("/models/embeddings", {"input": ["x"], "model": COHERE, "input_type": itype}).status_code == 200
    r = e.post("/models/embeddings", {"input": ["x"], "encoding_format": "float16"})
    assert r.status_code == 400
    assert r.json()["error"]["target"] == "encoding_format"


def test_image_embeddings(e: Emu) -> None:
    png = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake image bytes").decode()
    other = "data:image/png;base64," + base64.b64encode(b"another image").decode()
    body = e.post("/models/images/embeddings", {"input": [{"image": png}, {"image": other}, {"image": png}]}).json()
    v = [d["embedding"] for d in body["data"]]
    assert v[0] == v[2] != v[1]
    assert len(v[0]) == 1024
    assert math.isclose(sum(x * x for x in v[1]), 1.0, rel_tol=1e-9)
    assert body["usage"]["prompt_tokens"] == 3
    r = e.post("/models/images/embeddings", {"input": [{"image": png, "text": "a cat"}]})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "input", 0, "text"]
    r = e.post("/models/images/embeddings", {"input": [{"image": png}], "encoding_format": "ubinary"})
    assert len(r.json()["data"][0]["embedding"]) == 128
    r = e.post("/models/images/embeddings", {"input": [{"text": "no image"}]})
    assert r.status_code == 400
    assert "image" in r.json()["error"]["message"]
