# %% [markdown]
# # 03 · One RAG pipeline, two frameworks
#
# The same small corpus (`demo/corpus`: eight short texts about a fictional outdoor-gear company, one topic each)
# and the same deployment profiles feed a LangChain retrieval chain and a LlamaIndex `VectorStoreIndex`.
# Both should answer each question from the one passage that holds the answer.

# %% [setup]

# %%
corpus = {p.name: p.read_text(encoding="utf-8").split("\n", 1)[1].strip() for p in sorted((ROOT / "demo" / "corpus").glob("*.md"))}
for name, text in corpus.items():
    print(f"{name:<20} {text[:80]}...")

QUESTIONS = {
    "How many days do customers have to return unused gear?": "returns.md",
    "What is the daily meal allowance when travelling on company business?": "travel_expenses.md",
    "Within how long must a lost laptop be reported to the security desk?": "security.md",
}

# %% [markdown]
# ## LangChain: `InMemoryVectorStore` + retriever + chat model

# %%
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

lc_embeddings = AzureInferenceEmbeddings(deployment=EMBEDDINGS_PROFILE)
store = InMemoryVectorStore.from_documents(
    [Document(page_content=text, metadata={"source": name}) for name, text in corpus.items()], lc_embeddings
)
retriever = store.as_retriever(search_kwargs={"k": 2})
prompt = ChatPromptTemplate.from_messages(
    [("system", "Answer from the context only, briefly."), ("human", "Context:\n{context}\n\nQuestion: {question}")]
)
answer_chain = (
    (lambda x: {"context": "\n\n".join(d.page_content for d in x["docs"]), "question": x["question"]})
    | prompt
    | ChatAzureInference(deployment=PROFILE, temperature=0)
    | StrOutputParser()
)
rag = {"docs": retriever, "question": RunnablePassthrough()} | RunnablePassthrough.assign(answer=answer_chain)

lc_results = {q: rag.invoke(q) for q in QUESTIONS}

# %% [markdown]
# ## LlamaIndex: `VectorStoreIndex` + query engine

# %%
from llama_index.core import Document as LIDocument
from llama_index.core import VectorStoreIndex

from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

index = VectorStoreIndex.from_documents(
    [LIDocument(text=text, metadata={"source": name}, excluded_llm_metadata_keys=["source"]) for name, text in corpus.items()],
    embed_model=AzureInferenceEmbedding(deployment=EMBEDDINGS_PROFILE),
)
engine = index.as_query_engine(llm=AzureInference(deployment=PROFILE, temperature=0), similarity_top_k=2)
li_results = {q: engine.query(q) for q in QUESTIONS}

# %% [markdown]
# ## Side by side

# %%
for question, expected in QUESTIONS.items():
    lc, li = lc_results[question], li_results[question]
    lc_source = lc["docs"][0].metadata["source"]
    li_source = li.source_nodes[0].node.metadata["source"]
    print(question)
    print(f"  LangChain   [{lc_source}] {lc['answer']}")
    print(f"  LlamaIndex  [{li_source}] {str(li).strip()}")
    assert lc_source == expected and li_source == expected, (lc_source, li_source, expected)

# %% [markdown]
# ## What the embeddings see
#
# Cosine similarity between every question and every document, and a 2-D projection (PCA) of all vectors.
# Each question should be closest to its own passage.

# %%
import matplotlib.pyplot as plt
import numpy as np

names = list(corpus)
doc_vectors = np.array(lc_embeddings.embed_documents(list(corpus.values())))
question_vectors = np.array([lc_embeddings.embed_query(q) for q in QUESTIONS])
unit = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)
similarity = unit(question_vectors) @ unit(doc_vectors).T

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
image = left.imshow(similarity, cmap="viridis")
left.set_xticks(range(len(names)), [n.removesuffix(".md") for n in names], rotation=45, ha="right")
left.set_yticks(range(len(QUESTIONS)), [f"Q{i + 1}" for i in range(len(QUESTIONS))])
left.set_title("question × document cosine similarity")
fig.colorbar(image, ax=left)

everything = np.vstack([doc_vectors, question_vectors])
centred = everything - everything.mean(axis=0)
_, _, axes = np.linalg.svd(centred, full_matrices=False)
points = centred @ axes[:2].T
right.scatter(points[: len(names), 0], points[: len(names), 1], label="documents")
right.scatter(points[len(names) :, 0], points[len(names) :, 1], marker="x", label="questions")
for label, (x, y) in zip([n.removesuffix(".md") for n in names] + [f"Q{i + 1}" for i in range(len(QUESTIONS))], points):
    right.annotate(label, (x, y), fontsize=8)
right.set_title("PCA projection of the embeddings")
right.legend()
plt.tight_layout()
plt.show()

print("closest document per question:", [names[i] for i in similarity.argmax(axis=1)])

# %% [teardown]
