"""The LlamaIndex half of the demo: a ``VectorStoreIndex`` over the same corpus and the same deployments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llama_index.core import Document, VectorStoreIndex

from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

from .backend import steady_sampling
from .corpus import load_corpus

if TYPE_CHECKING:
    from .pipeline import StepContext

__all__ = ["INDEX_QUESTION", "index_query"]

INDEX_QUESTION = "What is the daily meal allowance when travelling on company business?"
"""Answered by ``travel_expenses.md`` only."""
INDEX_EXPECTED_SOURCE = "travel_expenses.md"


def index_query(ctx: StepContext) -> None:
    """Embed the corpus into a ``VectorStoreIndex`` and ask its query engine (our LLM) one question."""
    embed_model = AzureInferenceEmbedding(deployment=ctx.target.embeddings)
    llm = AzureInference(deployment=ctx.target.chat, **steady_sampling(ctx.target.chat))
    documents = [
        Document(text=p.text, metadata={"source": p.source}, excluded_llm_metadata_keys=["source"])
        for p in load_corpus()
    ]
    # Passing the models explicitly keeps LlamaIndex's global Settings (an OpenAI default) out of the way.
    index = VectorStoreIndex.from_documents(documents, embed_model=embed_model)
    ctx.served(ctx.target.embeddings)
    response = index.as_query_engine(llm=llm, similarity_top_k=2).query(INDEX_QUESTION)
    ctx.console.info("question", INDEX_QUESTION)
    nodes = response.source_nodes
    ctx.console.info("retrieved", ", ".join(f"{n.node.metadata['source']} (score {n.score or 0:.2f})" for n in nodes))
    ctx.console.info("answer", str(response).strip())
    ctx.check_source(str(nodes[0].node.metadata["source"]) if nodes else "(nothing)", INDEX_EXPECTED_SOURCE)
    ctx.served(ctx.target.chat, llm.metadata.model_name)
