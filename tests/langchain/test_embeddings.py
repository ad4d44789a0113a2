"""AzureInferenceEmbeddings: MockTransport wire checks (input_type, batching, concurrency, encodings) and e2e."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import struct
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference import UnsupportedParameterError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings

ENDPOINT = "https://res.services.ai.azure.com/models"
COHERE = "Cohere-embed-v3-multilingual"
OPENAI = "text-embedding-3-small"


def vector_of(text: str) -> list[float]:
    """A vector that says which text it belongs to (so order can be checked)."""
    return [float(len(text)), float(sum(map(ord, text)) % 997)]


def answer(body: dict[str, Any]) -> dict[str, Any]:
    data = []
    for i, text in enumerate(body["input"]):
        vec = vector_of(text if isinstance(text, str) else text["image"])
        value: Any = vec
        if body.get("encoding_format") == "base64":
            value = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": value})
    data.reverse()  # services may answer out of order: the index decides
    return {"object": "list", "model": body.get("model", ""), "data": data, "usage": {"prompt_tokens": 1}}


class Recorder:
    """Records bodies and the most requests ever in flight at once (sync threads or async tasks)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.bodies: list[dict[str, Any]] = []
        self.in_flight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def _enter(self, request: httpx.Request) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(request.content)
        with self.lock:
            self.bodies.append(body)
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        return body

    def _leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def sync(self, request: httpx.Request) -> httpx.Response:
        body = self._enter(request)
        time.sleep(self.delay)
        self._leave()
        return httpx.Response(200, json=answer(body))

    async def aio(self, request: httpx.Request) -> httpx.Response:
        body = self._enter(request)
        await asyncio.sleep(self.delay)
        self._leave()
        return httpx.Response(200, json=answer(body))


def make(rec: Recorder, sync: bool, **fields: Any) -> AzureInferenceEmbeddings:
    fields.setdefault("model", OPENAI)
    return AzureInferenceEmbeddings(
        endpoint=ENDPOINT,
        api_key="emb-secret-key",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(rec.sync)) if sync else None,
        http_async_client=None if sync else httpx.AsyncClient(transport=httpx.MockTransport(rec.aio)),
        **fields,
    )


async def docs(emb: AzureInferenceEmbeddings, sync: bool, texts: list[str]) -> list[list[float]]:
    return emb.embed_documents(texts) if sync else await emb.aembed_documents(texts)


async def query(emb: AzureInferenceEmbeddings, sync: bool, text: str) -> list[float]:
    return emb.embed_query(text) if sync else await emb.aembed_query(text)


# -- unit (MockTransport) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("mode", "model", "sent"),
    [
        ("auto", COHERE, True),
        ("auto", OPENAI, False),
        ("always", OPENAI, True),
        ("never", COHERE, False),
    ],
)
async def test_input_type_modes(sync: bool, mode: str, model: str, sent: bool) -> None:
    rec = Recorder()
    emb = make(rec, sync, model=model, input_type=mode)
    await docs(emb, sync, ["a", "b"])
    await query(emb, sync, "q")
    kinds = [b.get("input_type") for b in rec.bodies]
    assert kinds == (["document", "query"] if sent else [None, None])
    assert {b["model"] for b in rec.bodies} == {model}


@pytest.mark.parametrize("sync", [True, False])
async def test_batches_keep_order_and_concurrency_is_bounded(sync: bool) -> None:
    rec = Recorder(delay=0.05)
    emb = make(rec, sync, chunk_size=3, max_concurrency=2)
    texts = [f"text number {i}" + "x" * i for i in range(20)]
    vectors = await docs(emb, sync, texts)
    assert vectors == [vector_of(t) for t in texts]
    assert len(rec.bodies) == 7  # ceil(20 / 3)
    assert sorted(len(b["input"]) for b in rec.bodies) == [2, 3, 3, 3, 3, 3, 3]
    assert sorted(t for b in rec.bodies for t in b["input"]) == sorted(texts)
    assert rec.peak == 2  # batches overlap, never more than max_concurrency of them


@pytest.mark.parametrize("sync", [True, False])
async def test_encoding_default_base64_explicit_float_and_dimensions(sync: bool) -> None:
    rec = Recorder()
    default = make(rec, sync)
    explicit = make(rec, sync, encoding_format="float", dimensions=256)
    assert await docs(default, sync, ["hello"]) == [vector_of("hello")]
    assert await query(explicit, sync, "hello") == vector_of("hello")
    assert rec.bodies[0]["encoding_format"] == "base64"
    assert "dimensions" not in rec.bodies[0]
    assert rec.bodies[1]["encoding_format"] == "float"
    assert rec.bodies[1]["dimensions"] == 256


@pytest.mark.parametrize("sync", [True, False])
async def test_empty_inputs_send_nothing(sync: bool) -> None:
    rec = Recorder()
    emb = make(rec, sync)
    assert await docs(emb, sync, []) == []
    assert (emb.embed_images([]) if sync else await emb.aembed_images([])) == []
    assert rec.bodies == []


# -- end to end (emulator) ------------------------------------------------------------------------------------

PNG_A = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f6d3b60000000049454e44ae426082"
)
PNG_B = PNG_A + b"\x00"  # another image (same signature, different bytes)


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_input_type_auto_follows_the_model(emu: EmulatorHandle, sync: bool) -> None:
    cohere = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=COHERE, max_retries=0)
    openai = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=OPENAI, max_retries=0)
    forced = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=OPENAI, input_type="always", max_retries=0)
    never = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=COHERE, input_type="never", max_retries=0)
    try:
        doc_vec = (await docs(cohere, sync, ["The sky is blue."]))[0]
        query_vec = await query(cohere, sync, "The sky is blue.")
        plain = await query(never, sync, "The sky is blue.")
        assert len(await docs(openai, sync, ["The sky is blue."])) == 1
        assert len(await query(openai, sync, "The sky is blue.")) == 1536
        with pytest.raises(UnsupportedParameterError) as info:
            await query(forced, sync, "The sky is blue.")
    finally:
        for emb in (cohere, openai, forced, never):
            await emb.aclose()
    assert "input_type" in str(info.value)
    assert len(doc_vec) == len(query_vec) == len(plain) == 1024
    sent = [(r["body"]["model"], r["body"].get("input_type")) for r in emu.control.requests("/embeddings")]
    # The transport re-sends the refused request once (see test_input_type_422_is_not_mistaken_for_base64).
    assert sent[:6] == [
        (COHERE, "document"),
        (COHERE, "query"),
        (COHERE, None),
        (OPENAI, None),
        (OPENAI, None),
        (OPENAI, "query"),
    ]


@pytest.mark.e2e
def test_input_type_422_is_not_mistaken_for_base64(emu: EmulatorHandle) -> None:
    forced = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=OPENAI, input_type="always", max_retries=0)
    with pytest.raises(UnsupportedParameterError):
        forced.embed_query("The sky is blue.")
    forced.input_type = "never"
    forced.embed_query("The sky is blue.")
    forced.close()
    bodies = [r["body"] for r in emu.control.requests("/embeddings")]
    assert [b.get("input_type") for b in bodies] == ["query", None]  # one request per call: nothing re-sent
    assert bodies[-1]["encoding_format"] == "base64"  # base64 still in use after an unrelated 422


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_dimensions_batches_and_order(emu: EmulatorHandle, sync: bool) -> None:
    emb = AzureInferenceEmbeddings(
        endpoint=emu.endpoint, model=OPENAI, dimensions=64, chunk_size=2, max_concurrency=2, max_retries=0
    )
    one = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=OPENAI, dimensions=64, max_retries=0)
    texts = [f"passage {i} about topic {i * 7}" for i in range(5)]
    try:
        batched = await docs(emb, sync, texts)
        single = [await query(one, sync, t) for t in texts]  # same model and input: the same vector
    finally:
        await emb.aclose()
        await one.aclose()
    assert [len(v) for v in batched] == [64] * 5
    for got, want in zip(batched, single, strict=True):
        assert got == pytest.approx(want, abs=1e-6)
    bodies = [r["body"] for r in emu.control.requests("/embeddings")]
    assert sorted(len(b["input"]) for b in bodies[:3]) == [1, 2, 2]
    assert {b["dimensions"] for b in bodies} == {64}
    assert {b["encoding_format"] for b in bodies} == {"base64"}


@pytest.mark.e2e
@pytest.mark.parametrize("sync", [True, False])
async def test_emulator_embed_images_from_path_bytes_and_file(emu: EmulatorHandle, sync: bool, tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    path.write_bytes(PNG_A)
    emb = AzureInferenceEmbeddings(endpoint=emu.endpoint, model=COHERE, max_retries=0)
    images: list[Any] = [str(path), PNG_A, io.BytesIO(PNG_A), PNG_B]
    try:
        vectors = emb.embed_images(images) if sync else await emb.aembed_images(images)
    finally:
        await emb.aclose()
    assert [len(v) for v in vectors] == [1024] * 4
    assert vectors[0] == vectors[1] == vectors[2]  # one image, three ways of giving it
    assert vectors[3] != vectors[0]
    (request,) = emu.control.requests("/images/embeddings")
    sent = [item["image"] for item in request["body"]["input"]]
    assert sent[0] == sent[1] == sent[2] == "data:image/png;base64," + base64.b64encode(PNG_A).decode()
    assert "input_type" not in request["body"]
