# %% [markdown]
# # 03 · One RAG pipeline, two frameworks
#
# The same small corpus (eight short texts about a fictional outdoor-gear company, one topic each, as in `demo/corpus`)
# and the same deployment profiles feed a LangChain retrieval chain and a LlamaIndex `VectorStoreIndex`.
# Both should answer each question from the one passage that holds the answer.

# %% [setup]

# %%
# the eight passages the demo uses, inline so that the notebook runs anywhere
corpus = {
    'company.md': (
        'Northwind Outfitters is a fictional maker of camping gear founded in 1987 in Duluth, Minnesota. The '
        'company employs about 420 people across its Duluth headquarters, the Rotterdam warehouse and a '
        'design studio in Denver. Its best-selling product is the Boreal 2, a two-person tent that weighs 1.6'
        ' kilograms. The founder, Ingrid Halvorsen, started the business by sewing canoe packs in her garage.'
    ),
    'remote_work.md': (
        'Staff may work remotely up to three days a week after finishing their probation period. Core '
        'collaboration hours are ten to three, Central Time, when everyone should be reachable on chat. The '
        'company pays a one-time home office stipend of 500 dollars for a desk, chair or monitor. Working '
        'from another country for more than two weeks needs approval from the People team because of tax '
        'rules.'
    ),
    'returns.md': (
        'Northwind Outfitters accepts returns of unused gear within 45 days of delivery for a full refund. '
        'Worn or used items can be exchanged for store credit within 30 days when they show no damage. '
        'Refunds go back to the original payment method within five business days after the warehouse '
        'inspects the parcel. Customers print a prepaid return label from the order page; the label costs '
        'nothing for members of the Trail Club.'
    ),
    'security.md': (
        'Report a lost laptop, phone or badge to the security desk within one hour by calling extension 4242.'
        ' Passwords must be at least 14 characters long and are stored only in the company password manager. '
        'Phishing emails should be forwarded to phish@northwind.example and then deleted. Two-factor '
        'authentication with a hardware key is required for the finance and payroll systems.'
    ),
    'shipping.md': (
        'Standard shipping is free on orders over 80 dollars and arrives in four to six business days. '
        'Express shipping costs 15 dollars and delivers within two business days to most addresses. Northwind'
        ' does not ship fuel canisters or bear spray by air because carriers classify them as hazardous '
        'materials. International orders ship from the Rotterdam warehouse and may owe import duties on '
        'arrival.'
    ),
    'trail_club.md': (
        "The Trail Club is Northwind's free loyalty program for customers. Members earn one point per dollar "
        'spent, and 500 points become a 25 dollar voucher. Members get early access to the spring sale and '
        'free gear rentals at the Duluth store on weekends. Points expire after 18 months without a purchase.'
    ),
    'travel_expenses.md': (
        'Employees travelling on company business receive a daily meal allowance of 60 dollars. Hotel stays '
        "are reimbursed up to 180 dollars per night; anything above needs a manager's written approval. "
        'Economy class is the rule for flights under six hours, and business class is allowed for longer '
        'flights. Expense reports with receipts must be filed in the Ledger app within 30 days of the trip.'
    ),
    'warranty.md': (
        'Every Northwind tent, backpack and sleeping bag carries a lifetime warranty against defects in '
        'materials and stitching. The warranty does not cover normal wear, punctures from sharp rocks, or '
        'damage from campfire sparks. A warranty claim needs a photograph of the defect and the original '
        'order number. Repairs are made at the Duluth repair workshop and usually take three weeks.'
    ),
}
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

lc_embeddings = AzureInferenceEmbeddings(deployment=backend.embeddings_profile)
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
    | ChatAzureInference(deployment=backend.profile, temperature=0)
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
    embed_model=AzureInferenceEmbedding(deployment=backend.embeddings_profile),
)
engine = index.as_query_engine(llm=AzureInference(deployment=backend.profile, temperature=0), similarity_top_k=2)
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

import textwrap

question_labels = [textwrap.fill(q, 45) for q in QUESTIONS]
doc_labels = [n.removesuffix(".md") for n in names]
fig, (left, right) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1.4, 1]})
image = left.imshow(similarity, cmap="viridis", aspect="auto")
left.set_xticks(range(len(names)), doc_labels, rotation=45, ha="right")
left.set_yticks(range(len(QUESTIONS)), question_labels, fontsize=8)
left.set_xlabel("document")
left.set_ylabel("question")
left.set_title("How close each question is to each document")
fig.colorbar(image, ax=left, label="cosine similarity")

everything = np.vstack([doc_vectors, question_vectors])
centred = everything - everything.mean(axis=0)
_, _, axes = np.linalg.svd(centred, full_matrices=False)
points = centred @ axes[:2].T
right.scatter(points[: len(names), 0], points[: len(names), 1], label="documents")
right.scatter(points[len(names) :, 0], points[len(names) :, 1], marker="x", label="questions")
short = [f"Q{i + 1}" for i in range(len(QUESTIONS))]
for label, (x, y) in zip(doc_labels + short, points):
    right.annotate(label, (x, y), fontsize=8)
right.set_xlabel("first principal component")
right.set_ylabel("second principal component")
right.set_title("Documents and questions, projected to 2-D (PCA)")
right.legend()
plt.tight_layout()
plt.show()
for label, question in zip(short, QUESTIONS):
    print(f"{label}: {question}")

print("closest document per question:", [names[i] for i in similarity.argmax(axis=1)])

# %% [markdown]
# ## Tracing a RAG query with OpenTelemetry
#
# Every call of both adapters goes through the one transport, which can record OpenTelemetry GenAI spans and
# metrics: one span per model call (`embeddings {model}`, `chat {model}`) with the request parameters, the
# response model and the token counts, plus the `gen_ai.client.*` metrics. Telemetry is off by default; here
# `Deployment.from_profile(..., telemetry=True)` turns it on for the adapters built below (a profile's
# `telemetry = true` or `AZURE_INFERENCE_TELEMETRY=1` do the same). It needs the `otel` extra, and this cell uses the
# OpenTelemetry SDK (`pip install opentelemetry-sdk`) with its in-memory span exporter and metric reader, so
# nothing leaves the notebook and no collector is needed.
#
# To send the same data to Azure Monitor (`configure_azure_monitor()`) or to any OTLP collector (an
# `OTLPSpanExporter` and `OTLPMetricExporter`), set up those providers instead of the in-memory ones; the
# adapters need no change. [docs/telemetry.md](../docs/telemetry.md) shows both set-ups, every attribute
# recorded, and how to opt in to capturing message content.

# %%
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from azure_inference import Deployment

span_exporter = InMemorySpanExporter()
tracer_provider = TracerProvider()
tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
trace.set_tracer_provider(tracer_provider)  # the global providers: the transport records into whatever is set
metric_reader = InMemoryMetricReader()
metrics.set_meter_provider(MeterProvider(metric_readers=[metric_reader]))
tracer = trace.get_tracer("rag-notebook")

# the same profiles as above, with telemetry switched on
traced_embeddings = AzureInferenceEmbeddings(
    deployment=Deployment.from_profile(backend.embeddings_profile, telemetry=True), chunk_size=4  # 2 batches
)
traced_llm = ChatAzureInference(deployment=Deployment.from_profile(backend.profile, telemetry=True), temperature=0)

with tracer.start_as_current_span("index corpus"):
    traced_store = InMemoryVectorStore.from_documents(
        [Document(page_content=text, metadata={"source": name}) for name, text in corpus.items()], traced_embeddings
    )
question = next(iter(QUESTIONS))
with tracer.start_as_current_span("rag query") as query_span:
    query_span.set_attribute("question", question)
    docs = traced_store.similarity_search(question, k=2)
    context = "\n\n".join(d.page_content for d in docs)
    answer = (prompt | traced_llm | StrOutputParser()).invoke({"context": context, "question": question})
print(question, "->", answer)

# %% [markdown]
# The span tree: our own `index corpus` and `rag query` spans, with one GenAI span per model call under them.
# The two embedding batches of the index run on a thread pool, and still nest under `index corpus`.

# %%
finished = sorted(span_exporter.get_finished_spans(), key=lambda s: s.start_time)
children = {}
for span in finished:
    children.setdefault(span.parent.span_id if span.parent else None, []).append(span)


def show(span, depth=0):
    attrs = span.attributes
    ms = (span.end_time - span.start_time) / 1e6
    line = f"{'    ' * depth}{span.name:<{44 - 4 * depth}} {ms:7.1f} ms"
    if "gen_ai.operation.name" in attrs:
        line += f"  model={attrs.get('gen_ai.response.model')}"
        line += f"  input_tokens={attrs.get('gen_ai.usage.input_tokens')}"
        if "gen_ai.usage.output_tokens" in attrs:  # embeddings have no output tokens
            line += f" output_tokens={attrs['gen_ai.usage.output_tokens']}"
        if "gen_ai.response.finish_reasons" in attrs:
            line += f"  finish={list(attrs['gen_ai.response.finish_reasons'])}"
    print(line)
    for child in children.get(span.context.span_id, []):
        show(child, depth + 1)


for root in children[None]:
    show(root)

genai = [s for s in finished if "gen_ai.operation.name" in s.attributes]
assert [s.name.split()[0] for s in genai] == ["embeddings", "embeddings", "embeddings", "chat"], [s.name for s in genai]
assert all(s.parent is not None for s in genai)  # every model call sits under one of our spans
print()
print("attributes of the chat span:")
for key, value in sorted(genai[-1].attributes.items()):
    print(f"  {key} = {value if isinstance(value, (str, int, float, bool)) else list(value)}")

# %% [markdown]
# The metrics, read from the in-memory reader: token usage per operation and token type, and call durations.

# %%
for resource_metrics in metric_reader.get_metrics_data().resource_metrics:
    for scope_metrics in resource_metrics.scope_metrics:
        for metric in scope_metrics.metrics:
            for point in metric.data.data_points:
                labels = point.attributes
                kind = labels.get("gen_ai.token.type", "")
                print(
                    f"{metric.name:<34} {labels['gen_ai.operation.name']:<11} {kind:<7}"
                    f" count={point.count} sum={point.sum:g} {metric.unit}"
                )

# %% [teardown]
