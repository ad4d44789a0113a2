# %% [markdown]
# # 01 · Quick start: LangChain on models deployed on Azure
#
# `ChatAzureInference` and `AzureInferenceEmbeddings` are ordinary LangChain models: `invoke`, `stream`,
# `batch`, their async twins and LCEL chains all work. They reach the model through one small transport
# (`azure_inference`), configured by a **deployment profile** instead of URLs in code.

# %% [setup]

# %% [markdown]
# ## Chat: invoke
#
# `deployment=` takes a profile name (or a `Deployment` object). The answer is an `AIMessage` with token usage
# and the metadata LangChain expects (`model_name`, `finish_reason`, ...).

# %%
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

llm = ChatAzureInference(deployment=backend.profile, temperature=0)
answer = llm.invoke("In one sentence, why do people go camping?")
print(answer.content)
print(answer.usage_metadata)
print({k: answer.response_metadata.get(k) for k in ("model_name", "finish_reason", "model_provider")})

# %% [markdown]
# ## Streaming, and how fast the tokens arrive
#
# `stream` yields `AIMessageChunk`s as the server sends them; adding the chunks gives the whole message, with
# the usage on exactly one chunk. To make the streaming visible, the emulator is asked to pause 60 ms before
# each chunk of the next reply (its `chunk_delay_ms` fault option; a real deployment paces itself). The plot
# shows when each chunk arrived and how much text had come in by then: a staircase, not one jump at the end.

# %%
import time

import matplotlib.pyplot as plt

if emu is not None:
    emu.control.queue_fault("latency", latency_ms=0, chunk_delay_ms=60)  # the next streamed reply only

start = time.perf_counter()
arrivals, received, text, total = [], [], "", None
for chunk in llm.stream("Describe a quiet lake at sunrise in three sentences."):
    arrivals.append((time.perf_counter() - start) * 1000)
    text += str(chunk.content)
    received.append(len(text))
    total = chunk if total is None else total + chunk
print(text)
print("usage:", total.usage_metadata)
print(f"{len(arrivals)} chunks; first after {arrivals[0]:.0f} ms, last after {arrivals[-1]:.0f} ms")

fig, ax = plt.subplots(figsize=(7, 3))
ax.step(arrivals, received, where="post", color="tab:blue")
ax.plot(arrivals, received, "o", color="tab:blue", markersize=4, label="one chunk arrives")
ax.set_xlabel("milliseconds since the request was sent")
ax.set_ylabel("characters received so far")
ax.set_title("A streamed reply, chunk by chunk")
ax.legend(loc="upper left")
plt.show()

# %% [markdown]
# ## Batch and async
#
# `batch` sends requests concurrently (one pooled HTTP client per model instance); `ainvoke` / `astream` are
# native async, not threads. Jupyter runs top-level `await`.

# %%
for message in llm.batch(["Name a knot.", "Name a tent.", "Name a trail."]):
    print("-", message.content)

reply = await llm.ainvoke("Say hello asynchronously.")
print(reply.content)

# %% [markdown]
# ## A chain: prompt → model → parser
#
# The model is a `Runnable`, so it composes with prompts and parsers. Parameters such as `temperature`,
# `max_tokens` or `stop` can be set on the model or bound per call.

# %%
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

prompt = ChatPromptTemplate.from_messages(
    [("system", "You write short product blurbs."), ("human", "Write a blurb for: {product}")]
)
chain = prompt | llm.bind(max_tokens=40) | StrOutputParser()
print(chain.invoke({"product": "a two-person tent that weighs 1.6 kg"}))

# %% [markdown]
# ## Embeddings
#
# Documents and queries are embedded with the right `input_type` where the model supports it, in batches.

# %%
embeddings = AzureInferenceEmbeddings(deployment=backend.embeddings_profile)
vectors = embeddings.embed_documents(["a tent for two", "a sleeping bag for winter"])
query = embeddings.embed_query("what shelter fits two people?")
print(len(vectors), "documents,", len(query), "dimensions")

# %% [teardown]
