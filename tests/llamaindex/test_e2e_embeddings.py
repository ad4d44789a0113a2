"""End-to-end: AzureInferenceEmbedding (text, images) and a RAG pipeline on the emulator subprocess."""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from llama_index.core import Document, Settings, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter

from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding, UnsupportedParameterError

pytestmark = pytest.mark.e2e
SYNC = pytest.mark.parametrize("sync", [True, False], ids=["sync", "async"])
MakeEmbed = Callable[..., AzureInferenceEmbedding]


def tiny_png(red: int) -> bytes:
    """A valid 1x1 PNG whose colour (and so whose bytes) depends on ``red``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00" + bytes([red, 0, 0])
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(math.isclose(x, y, abs_tol=1e-6) for x, y in zip(a, b, strict=True))


@SYNC
async def test_text_embeddings_batches_in_order(sync: bool, emu: EmulatorHandle, make_embed: MakeEmbed) -> None:
    """Batches of 3 run two at a time; whatever order they finish in, vector i belongs to text i."""
    embed = make_embed(embed_batch_size=3, dimensions=256, max_concurrency=2)
    texts = [f"document number {i} about topic {i * 7}" for i in range(8)]
    if sync:
        batch = embed.get_text_embedding_batch(texts)
        bodies = [r["body"] for r in emu.control.requests("/embeddings")]
        singles = [embed.get_text_embedding(t) for t in texts]
        query = embed.get_query_embedding("topic 7")
    else:
        batch = await embed.aget_text_embedding_batch(texts)
        bodies = [r["body"] for r in emu.control.requests("/embeddings")]
        singles = [await embed.aget_text_embedding(t) for t in texts]
        query = await embed.aget_query_embedding("topic 7")
    # The property: the emulator's vectors are a pure function of the text, so each batched vector must equal the
    # vector of its own text fetched alone, in input order (a swapped batch fails here, whatever the schedule).
    assert len(batch) == len(texts)
    assert all(len(v) == 256 for v in batch)
    assert all(same(a, b) for a, b in zip(batch, singles, strict=True))
    assert not same(singles[0], singles[1])  # distinct texts give distinct vectors, so the check above can fail
    assert len(query) == 256
    # How the texts were split, not when each request reached the server: three requests of at most 3 texts,
    # contiguous slices of the input, covering it exactly once.
    chunks = sorted((b["input"] for b in bodies), key=lambda chunk: texts.index(chunk[0]))
    assert chunks == [texts[0:3], texts[3:6], texts[6:8]]
    assert all(b["dimensions"] == 256 and "input_type" not in b for b in bodies)  # model has no input_type


@SYNC
async def test_input_type_query_vs_document(sync: bool, emu: EmulatorHandle, make_embed: MakeEmbed) -> None:
    embed = make_embed("Cohere-embed-v3-multilingual")
    if sync:
        embed.get_query_embedding("what is a query?")
        embed.get_text_embedding_batch(["a document"])
    else:
        await embed.aget_query_embedding("what is a query?")
        await embed.aget_text_embedding_batch(["a document"])
    assert [r["body"]["input_type"] for r in emu.control.requests("/embeddings")] == ["query", "document"]
    forced = make_embed("text-embedding-3-small", send_input_type=True)

    async def query() -> list[float]:
        return forced.get_query_embedding("q") if sync else await forced.aget_query_embedding("q")

    with pytest.raises(UnsupportedParameterError) as err:
        await query()
    assert err.value.status_code == 422
    assert "input_type" in str(err.value)


@SYNC
async def test_image_embeddings_from_path_bytes_and_bytesio(
    sync: bool, emu: EmulatorHandle, make_embed: MakeEmbed, tmp_path: Path
) -> None:
    embed = make_embed("Cohere-embed-v3-multilingual")
    path = tmp_path / "red.png"
    path.write_bytes(tiny_png(200))
    images: list[object] = [str(path), io.BytesIO(tiny_png(200)), io.BytesIO(tiny_png(10))]
    if sync:
        vectors = embed.get_image_embedding_batch(images)  # type: ignore[arg-type]
        one = embed.get_image_embedding(str(path))
    else:
        vectors = await embed.aget_image_embedding_batch(images)  # type: ignore[arg-type]
        one = await embed.aget_image_embedding(str(path))
    assert len(vectors) == 3
    assert same(vectors[0], vectors[1])  # same image, whether read from a path or a BytesIO
    assert not same(vectors[0], vectors[2])
    assert same(one, vectors[0])
    sent = emu.control.requests("/images/embeddings")[0]["body"]["input"]
    assert all(item["image"].startswith("data:image/png;base64,") for item in sent)


FACTS = [
    "The Eiffel Tower was completed in 1889 for the World's Fair in Paris.",
    "Photosynthesis converts sunlight, water and carbon dioxide into glucose in plant leaves.",
    "The Great Barrier Reef lies off the coast of Queensland in Australia.",
    "Mount Kilimanjaro is the highest mountain in Africa, rising 5895 metres.",
]


@SYNC
async def test_vector_store_index_query_engine_answers_from_the_right_node(
    sync: bool, emu: EmulatorHandle, make_embed: MakeEmbed, make_llm: Callable[..., AzureInference]
) -> None:
    embed, llm = make_embed(), make_llm()
    docs = [Document(text=t) for t in FACTS]
    question = "Which plant process converts sunlight and carbon dioxide into glucose?"
    if sync:
        index = VectorStoreIndex.from_documents(docs, embed_model=embed)
        engine = index.as_query_engine(llm=llm, similarity_top_k=2)
        response = engine.query(question)
    else:
        # from_documents(use_async=True) would spin a private event loop (llama-index's asyncio_run) inside ours;
        # inserting on the running loop keeps every request, and the pooled async client, on this loop.
        index = VectorStoreIndex(nodes=[], embed_model=embed)
        await index.ainsert_nodes(SentenceSplitter().get_nodes_from_documents(docs))
        engine = index.as_query_engine(llm=llm, similarity_top_k=2)
        response = await engine.aquery(question)
    assert response.source_nodes[0].node.get_content() == FACTS[1]
    assert str(response) == FACTS[1]
    assert Settings._llm is None or Settings._llm is not llm  # nothing global was touched


def test_repr_and_dump_never_show_the_key(emu: EmulatorHandle) -> None:
    secret = "sk-very-secret-value"
    with AzureInference(endpoint=emu.endpoint, credential=secret) as llm:
        assert secret not in repr(llm)
        assert secret not in llm.model_dump_json()
        assert secret not in str(llm.to_dict())
    embed = AzureInferenceEmbedding(endpoint=emu.endpoint, credential=secret)
    assert secret not in repr(embed)
    assert secret not in embed.model_dump_json()
    assert math.isfinite(len(embed.get_query_embedding("hello")))
    embed.close()
