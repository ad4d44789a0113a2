# %% [markdown]
# # 02 · Quick start: LlamaIndex on models deployed on Azure
#
# `AzureInference` is a LlamaIndex `FunctionCallingLLM` and `AzureInferenceEmbedding` a `MultiModalEmbedding`.
# Both take the same deployment configuration as the LangChain adapters: a profile name, a `Deployment`, or the
# individual fields (`endpoint`, `credential`, `model`, ...).

# %% [setup]

# %% [markdown]
# ## Complete and chat
#
# `complete` and `chat` return LlamaIndex responses; the raw wire response (with token usage) is kept in `.raw`.

# %%
from llama_index.core.llms import ChatMessage

from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

llm = AzureInference(deployment=backend.profile, temperature=0)
print(llm.complete("Name one thing to pack for a hike.").text)

response = llm.chat(
    [
        ChatMessage(role="system", content="You are a friendly outdoor-gear advisor."),
        ChatMessage(role="user", content="Which tent should a beginner buy?"),
    ]
)
print(response.message.content)
print("usage:", response.raw["usage"])

# %% [markdown]
# ## What the LLM reports about itself
#
# `metadata` comes from the deployment's `/info` route where the surface has one, or a table of known models;
# it is cached, never fetched on every access, and you can override each field.

# %%
meta = llm.metadata
print(f"model={meta.model_name} context_window={meta.context_window} "
      f"function_calling={meta.is_function_calling_model} chat={meta.is_chat_model}")

# %% [markdown]
# ## Streaming
#
# Each streamed `ChatResponse` carries the new text in `delta` and the accumulated message so far.

# %%
pieces = []
for part in llm.stream_chat([ChatMessage(role="user", content="Give me a three-word motto for campers.")]):
    pieces.append(part.delta)
print(pieces)
print("final:", part.message.content)

# %% [markdown]
# ## Async
#
# `achat`, `acomplete` and `astream_chat` use one pooled async client per LLM.

# %%
import asyncio

replies = await asyncio.gather(*(llm.acomplete(f"Say the number {n}.") for n in range(3)))
print([r.text for r in replies])

# %% [markdown]
# ## Embeddings
#
# Queries and documents are embedded with the matching `input_type` where the model supports it.

# %%
embed_model = AzureInferenceEmbedding(deployment=backend.embeddings_profile)
doc_vectors = embed_model.get_text_embedding_batch(["a tent for two", "a stove for winter"])
query_vector = embed_model.get_query_embedding("shelter for two people")
print(len(doc_vectors), "documents,", len(query_vector), "dimensions")
print("similarity to each document:", [round(float(embed_model.similarity(query_vector, v)), 3) for v in doc_vectors])

# %% [teardown]
