# %% [markdown]
# # 06 · Errors and limits: content filters, unsupported parameters, rate limits, retries
#
# Things go wrong in production in a few recurring ways. The transport turns each into a typed error that
# carries the evidence (status, code, request id, what to fix) and never a secret, and retries what is worth
# retrying. The emulator can produce every one of these on demand, so this notebook shows them all.

# %% [setup-emulator]

# %%
import time

from azure_inference import (
    APITimeoutError,
    ContentFilterError,
    RateLimitError,
    StreamError,
    UnsupportedParameterError,
)
from langchain_azure_inference import ChatAzureInference

llm = ChatAzureInference(deployment=backend.profile, temperature=0)

# %% [markdown]
# ## Content filter
#
# Azure rejects a prompt that trips its content filter with HTTP 400 and code `content_filter`; the adapters
# raise `ContentFilterError` with the categories. When the *output* is filtered (`finish_reason="content_filter"`)
# they raise it too, with the cut text in `partial_text`; `raise_on_content_filter=False` returns that text with
# the per-category results in `response_metadata`.

# %%
emu.control.set_blocklists(prompt={"dynamite": "violence"})  # the emulator's stand-in for the real filter
try:
    llm.invoke("How do I make dynamite?")
except ContentFilterError as err:
    print(type(err).__name__, err.status_code, "categories:", err.filtered_categories)

emu.control.queue_chat("(cut)", content_filter="hate", times=2)
try:
    llm.invoke("Tell me a joke.")
except ContentFilterError as err:
    print("output filtered:", err.filtered_categories, "partial text:", repr(err.partial_text))
quiet = ChatAzureInference(deployment=backend.profile, temperature=0, raise_on_content_filter=False)
reply = quiet.invoke("Tell me a joke.")
print("finish_reason:", reply.response_metadata["finish_reason"])
print("filtered:", {k: v for k, v in reply.response_metadata["content_filter_results"].items() if v.get("filtered")})

# %% [markdown]
# LlamaIndex raises the same error:

# %%
from llamaindex_azure_inference import AzureInference

try:
    AzureInference(deployment=backend.profile).complete("More dynamite, please.")
except ContentFilterError as err:
    print("LlamaIndex:", type(err).__name__, err.filtered_categories)
emu.control.reset()

# %% [markdown]
# ## Parameters the model does not support, and the `extra-parameters` modes
#
# Keys outside the API spec go in `model_kwargs`. The model-inference API decides what to do with them from the
# `extra-parameters` header: `error` (HTTP 422, the default), `drop` (ignore them) or `pass-through` (hand them
# to the model). A spec parameter the model cannot handle (here: tools on a model without tool support) is a
# 422 too; `UnsupportedParameterError.params` says which.

# %%
for mode in ("error", "drop", "pass-through"):
    # the extra-parameters header belongs to the Model Inference API: the "emulator" profile speaks it
    model = ChatAzureInference(deployment="emulator", model_kwargs={"safe_prompt": True}, extra_parameters=mode)
    try:
        answer = model.invoke("Hi")
        header = emu.control.requests()[-1]["headers"].get("extra-parameters")
        print(f"{mode:<13} ok, sent extra-parameters: {header}")
    except UnsupportedParameterError as err:
        print(f"{mode:<13} {err.status_code}: {[p.name for p in err.params]}")

weather = {"type": "function", "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}}}
try:
    ChatAzureInference(deployment="emulator", model="Phi-3.5-mini-instruct").bind_tools([weather]).invoke("Weather?")
except UnsupportedParameterError as err:
    print("Phi-3.5 + tools:", err)

# %% [markdown]
# ## Rate limits and retries
#
# A 429 says how long to wait (`retry-after-ms`, `Retry-After`). The transport waits that long and retries, up
# to `max_retries`; with retries exhausted (or off) you get `RateLimitError` with `retry_after`. The plot shows
# when each attempt reached the emulator.

# %%
import matplotlib.pyplot as plt

emu.control.clear_requests()
emu.control.queue_error(429, headers={"retry-after-ms": "250"}, times=2)  # the next two requests are throttled
start = time.perf_counter()
reply = ChatAzureInference(deployment=backend.profile, max_retries=3).invoke("Hi")
print(f"succeeded after {time.perf_counter() - start:.2f} s: {reply.content}")
attempts = [r["monotonic"] for r in emu.control.requests()]
offsets = [(t - attempts[0]) * 1000 for t in attempts]
print("attempts at (ms):", [round(o) for o in offsets])

fig, ax = plt.subplots(figsize=(7, 2.5))
numbers = list(range(1, len(offsets) + 1))
outcomes = ["429"] * (len(offsets) - 1) + ["200"]
ax.scatter(offsets, numbers, c=["tab:red" if o == "429" else "tab:green" for o in outcomes], s=80)
for x, y, label in zip(offsets, numbers, outcomes):
    ax.annotate(label, (x, y), textcoords="offset points", xytext=(8, -4))
ax.set_yticks(numbers)
ax.set_ylim(0.5, len(numbers) + 0.5)
ax.set_xlabel("milliseconds since the first attempt")
ax.set_ylabel("attempt")
ax.set_title("Each retry waits the retry-after-ms the 429 asked for (250 ms)")
plt.show()

emu.control.queue_error(429, headers={"Retry-After": "20"})
try:
    ChatAzureInference(deployment=backend.profile, max_retries=0).invoke("Hi")
except RateLimitError as err:
    print(f"{type(err).__name__} {err.status_code}: retry_after={err.retry_after} s")

# %% [markdown]
# ## LangChain's `with_retry` and `with_fallbacks` see the typed errors
#
# Here the primary deployment is down (503 on every request for its model); the fallback deployment, on another
# surface, answers.

# %%
emu.control.queue_error(503, times=10, model="gpt-4o-mini")
primary = ChatAzureInference(deployment="emulator", max_retries=0)
resilient = primary.with_fallbacks([ChatAzureInference(deployment="emulator-v1")])
print("served by:", resilient.invoke("Hi").response_metadata["model_name"])
emu.control.reset()

# %% [markdown]
# ## Broken streams and timeouts
#
# A stream that ends without `[DONE]` or a `finish_reason` is an error, not a silently short answer. A request
# that takes longer than `timeout` raises `APITimeoutError` (retried like connection errors when retries are on).

# %%
emu.control.queue_fault("stream_cut", after_chunks=2)
received = ""
try:
    for chunk in llm.stream("Tell me about tents."):
        received += str(chunk.content)
except StreamError as err:
    print(f"after {received!r}: {type(err).__name__}: {err}")

emu.control.queue_fault("latency", latency_ms=1500)
try:
    ChatAzureInference(deployment=backend.profile, timeout=0.5, max_retries=0).invoke("Hi")
except APITimeoutError as err:
    print(f"{type(err).__name__}: {err}")

# %% [teardown]
