"""Both adapters against the emulator subprocess: one GenAI span per model call, under the user's span."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from llama_index.core.llms import ChatMessage
from opentelemetry import trace

from azure_inference import Deployment
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

from .conftest import Otel

pytestmark = pytest.mark.e2e


def check_one_child_span(otel: Otel, emu: EmulatorHandle, parent: trace.Span, calls: int = 1) -> None:
    spans = otel.genai()
    assert len(spans) == calls  # exactly one GenAI span per model call: no duplicates
    ctx = parent.get_span_context()
    sent = [r["headers"].get("traceparent") for r in emu.control.requests("/chat/completions")]
    assert len(sent) == calls
    for span, header in zip(spans, sent, strict=True):
        assert span.name == "chat gpt-4o-mini"
        assert span.parent is not None
        assert span.parent.span_id == ctx.span_id
        assert span.context is not None
        assert span.context.trace_id == ctx.trace_id
        # The emulator's request log shows the span's W3C context went out with the request.
        assert header is not None
        assert header.startswith(f"00-{ctx.trace_id:032x}-{span.context.span_id:016x}-")
        assert span.attributes is not None
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["gen_ai.usage.output_tokens"] > 0


@pytest.mark.parametrize("sync", [True, False])
async def test_langchain_invoke_and_stream(otel: Otel, emu: EmulatorHandle, sync: bool) -> None:
    dep = Deployment(endpoint=emu.endpoint, model="gpt-4o-mini", telemetry=True)
    llm = ChatAzureInference(deployment=dep)
    with trace.get_tracer("test").start_as_current_span("langchain run") as parent:
        if sync:
            llm.invoke([HumanMessage("Hello")])
            list(llm.stream("Hello again"))
        else:
            await llm.ainvoke([HumanMessage("Hello")])
            [c async for c in llm.astream("Hello again")]
    check_one_child_span(otel, emu, parent, calls=2)
    assert otel.genai()[1].attributes["azure_inference.stream.outcome"] == "completed"  # type: ignore[index]


@pytest.mark.parametrize("sync", [True, False])
async def test_llamaindex_chat_and_stream(otel: Otel, emu: EmulatorHandle, sync: bool) -> None:
    dep = Deployment(endpoint=emu.endpoint, model="gpt-4o-mini", telemetry=True)
    llm = AzureInference(deployment=dep)
    try:
        with trace.get_tracer("test").start_as_current_span("llamaindex query") as parent:
            if sync:
                llm.chat([ChatMessage(role="user", content="Hello")])
                list(llm.stream_chat([ChatMessage(role="user", content="Hello again")]))
            else:
                await llm.achat([ChatMessage(role="user", content="Hello")])
                [c async for c in await llm.astream_chat([ChatMessage(role="user", content="Hello again")])]
    finally:
        await llm.aclose()
    check_one_child_span(otel, emu, parent, calls=2)


def check_embeddings_children(otel: Otel, emu: EmulatorHandle, parent: trace.Span, calls: int) -> None:
    spans = otel.genai()
    assert len(emu.control.requests("/embeddings")) == calls
    assert len(spans) == calls  # one span per request (batch), no duplicates
    ctx = parent.get_span_context()
    for span in spans:
        assert span.name == "embeddings text-embedding-3-small"
        # Batches sent from a thread pool still nest under the caller's span, in the caller's trace.
        assert span.parent is not None
        assert span.parent.span_id == ctx.span_id
        assert span.context is not None
        assert span.context.trace_id == ctx.trace_id


@pytest.mark.parametrize("sync", [True, False])
async def test_langchain_embeddings_over_several_batches_keep_the_context(
    otel: Otel, emu: EmulatorHandle, sync: bool
) -> None:
    dep = Deployment(endpoint=emu.endpoint, model="text-embedding-3-small", telemetry=True)
    embeddings = AzureInferenceEmbeddings(deployment=dep, chunk_size=2, max_concurrency=3)
    texts = [f"passage {i}" for i in range(5)]  # three batches: 2 + 2 + 1
    with trace.get_tracer("test").start_as_current_span("langchain index") as parent:
        vectors = embeddings.embed_documents(texts) if sync else await embeddings.aembed_documents(texts)
    assert len(vectors) == len(texts)
    check_embeddings_children(otel, emu, parent, calls=3)


@pytest.mark.parametrize("sync", [True, False])
async def test_llamaindex_embeddings_over_several_requests_keep_the_context(
    otel: Otel, emu: EmulatorHandle, sync: bool
) -> None:
    dep = Deployment(endpoint=emu.endpoint, model="text-embedding-3-small", telemetry=True)
    embed = AzureInferenceEmbedding(deployment=dep, request_batch_size=2, max_concurrency=3)
    texts = [f"passage {i}" for i in range(5)]  # three requests: 2 + 2 + 1
    try:
        with trace.get_tracer("test").start_as_current_span("llamaindex index") as parent:
            if sync:
                vectors = embed.get_text_embedding_batch(texts)
            else:
                vectors = await embed.aget_text_embedding_batch(texts)
    finally:
        await embed.aclose()
    assert len(vectors) == len(texts)
    check_embeddings_children(otel, emu, parent, calls=3)
