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

llm = ChatAzureInference(deployment=PROFILE, temperature=0)
answer = llm.invoke("In one sentence, why do people go camping?")
print(answer.content)
print(answer.usage_metadata)
print({k: answer.response_metadata.get(k) for k in ("model_name", "finish_reason", "model_provider")})

# %% [markdown]
# ## Streaming, and how fast the tokens arrive
#
# `stream` yields `AIMessageChunk`s as the server sends them; adding the chunks gives the whole message, with
# the usage on exactly one chunk. The plot shows when each chunk arrived.

# %%
import time

import matplotlib.pyplot as plt

start = time.perf_counter()
arrivals, text, total = [], "", None
for chunk in llm.stream("Describe a quiet lake at sunrise in three sentences."):
    arrivals.append((time.perf_counter() - start) * 1000)
    text += str(chunk.content)
    total = chunk if total is None else total + chunk
print(text)
print("usage:", total.usage_metadata)

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.step(arrivals, range(1, len(arrivals) + 1), where="post")
ax.set_xlabel("milliseconds since the request")
ax.set_ylabel("chunks received")
ax.set_title("Streamed chunks over time")
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
embeddings = AzureInferenceEmbeddings(deployment=EMBEDDINGS_PROFILE)
vectors = embeddings.embed_documents(["a tent for two", "a sleeping bag for winter"])
query = embeddings.embed_query("what shelter fits two people?")
print(len(vectors), "documents,", len(query), "dimensions")

# %% [teardown]
