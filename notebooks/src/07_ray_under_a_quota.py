# %% [markdown]
# # 07 · Embed a corpus on Ray under a quota
#
# An Azure deployment has a quota in tokens per minute (TPM). A bulk job that only learns of it from 429s turns
# into a 429 storm: every refused request retries when told to, most are refused again, and some may run out of
# retries. `azure_inference.ray.embed_dataset` takes the quota instead: one budget actor holds it for the whole
# Ray cluster and every worker waits for its share before it sends (docs/quota.md).
#
# This notebook embeds the same corpus twice on a local Ray cluster, against the emulator in quota mode: once
# without a budget, once with `tokens_per_minute=` the quota, and plots what the emulator admitted second by
# second against the quota line, with its 429s marked. It needs the `ray` extra
# (`pip install "azure-inference-adapters[ray,emulator]"`) and matplotlib.

# %% [markdown]
# ### The emulator, with a quota
#
# The emulator always runs here (quota mode is what this notebook is about), on a free loopback port, with the
# deployment profiles used below. Its quota is on the embeddings model of the `emulator-v1-embeddings` profile.
# The service counts a minute's quota over 60 s; the emulator's window here is 2 s, so that a run of a few
# seconds shows the quota at work: it admits at most 2 s of quota at once, then the refill rate. The last cell
# stops it.

# %%
from azure_inference.emulator.quota import QuotaLimit, QuotaSettings
from azure_inference.notebook import connect

MODEL = "text-embedding-3-large"  # the model of the emulator-v1-embeddings profile
TPM = 180_000  # the deployment's quota: 3,000 tokens a second
WINDOW_S = 2.0  # seconds of quota the emulator lets through at once (the service: 60)

quota = QuotaSettings({MODEL: QuotaLimit(tokens_per_minute=TPM)}, token_window_s=WINDOW_S)
backend = connect(emulator=True, quota=quota)
emu = backend.emulator
print(backend)

# %% [markdown]
# ## A local Ray cluster
#
# Two CPUs, no dashboard, and only Ray's errors in the output: its start-up notices and Ray Data's per-run log
# lines go to Ray's log files. (Without ipywidgets, importing Ray makes tqdm ask for it; the progress bars stay
# off here.) When Ray Data starts its actor pool, Ray's core prints one line about actor constructor arguments
# (ray-project/ray#53727): it concerns restarting Ray Data's own actors and changes nothing here.

# %%
import logging
import warnings

warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm's notebook bars want ipywidgets
logging.getLogger("ray.widgets").setLevel(logging.ERROR)  # the same, as a log line
import ray
import ray.data

for name in ("ray", "ray.data"):
    logging.getLogger(name).setLevel(logging.ERROR)
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
ray.data.DataContext.get_current().enable_progress_bars = False
print("Ray", ray.__version__, "with", ray.cluster_resources()["CPU"], "CPUs")

# %% [markdown]
# ## The corpus
#
# Two thousand short product lines, generated, all different (the workers send each distinct text once). The
# service charges an embeddings request its input, estimated as characters / 4 per text.

# %%
import math

adjectives = ["light", "warm", "waterproof", "compact", "sturdy", "quiet", "bright", "folding", "insulated", "rugged"]
products = ["tent", "stove", "backpack", "lantern", "sleeping bag", "canoe", "jacket", "filter", "hammock", "pole"]
uses = ["alpine camps", "river trips", "winter hikes", "weekends", "desert treks", "touring", "fishing", "running",
        "scout groups", "beach nights"]
texts = [
    f"Item {i:04d}: a {adjectives[i % 10]} {products[i // 10 % 10]} for {uses[i // 100 % 10]}." for i in range(2000)
]
ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])
corpus_tokens = sum(math.ceil(len(t) / 4) for t in texts)
print(texts[0], "|", texts[1999])
print(f"{len(texts)} texts, {corpus_tokens:,} tokens: {corpus_tokens / TPM * 60:.1f} s at the quota")

# %% [markdown]
# ## Two runs: without a budget, then with one
#
# Both runs use two actors, sixteen texts per request and up to 32 requests in flight per actor. The emulator's
# request log gives every request's arrival time (`monotonic`) and, for the ones it admitted, the tokens it
# charged (`quota_charged`); a request without a charge was refused with a 429 (the emulator's own counts at
# `/_emulator/quota` must agree).

# %%
import time

import httpx

from azure_inference import Deployment
from azure_inference.ray import embed_dataset

deployment = Deployment.from_profile(backend.embeddings_profile, max_retries=20)


def run(dep, **budget):
    """Embed the corpus; return its rows and the emulator's log of the run's requests."""
    emu.control.reset()  # refill the quota, clear the request log
    start = time.perf_counter()
    out = embed_dataset(
        ds, dep, column="text", dimensions=256, concurrency=2, batch_size=250, inputs_per_request=16, **budget
    )
    rows = out.take_all()
    log = emu.control.requests("/embeddings")
    stats = httpx.get(f"{emu.url}/_emulator/quota").json()["deployments"][MODEL]
    refused = sum("quota_charged" not in e for e in log)
    assert (refused, len(log) - refused) == (stats["rejected"], stats["admitted"])  # the log holds every request
    print(f"{len(rows)} rows in {time.perf_counter() - start:.1f} s (with the actors' start): "
          f"{len(log):,} requests, {refused:,} refused with 429")
    return rows, log

# %% [markdown]
# **Without a budget, retrying only** (`adapt="off"`), as a client that knows nothing of quotas does: it learns
# of the quota only from 429s, waits the `retry-after-ms` each one carries and tries again, together with every
# other refused request, so it gets a generous `max_retries`. (By default, `adapt="auto"`, our client would
# adopt the quota the first 429 names in `x-ratelimit-limit-tokens` and pace itself from then on; this run turns
# that off to show the storm.)

# %%
storm_rows, storm_log = run(deployment.with_options(adapt="off"))

# %% [markdown]
# **With `tokens_per_minute=TPM`** one budget actor holds the quota for the cluster; each worker leases 400 tokens
# of it at a time and its client waits for budget before every attempt. The workers' bucket holds one second of
# quota, less than the emulator's two, so that requests the busy machine delays and then delivers together still
# fit (docs/quota.md, "Jitter"). The same fields on the `Deployment` or its profile (`tokens_per_minute`,
# `token_window_s`) do the same.

# %%
budget_rows, budget_log = run(deployment, tokens_per_minute=TPM, token_window_s=1.0, lease_tokens=400)

# %% [markdown]
# ## No row lost
#
# Every input row comes out once, with its vector or, when its request failed after the client's retries, a
# null vector and the reason in `embedding_error`.

# %%
from collections import Counter

for name, rows in (("no budget", storm_rows), ("budget", budget_rows)):
    ids = sorted(r["id"] for r in rows)
    vectors = sum(r["embedding"] is not None for r in rows)
    errors = Counter(r["embedding_error"].split(":")[0] for r in rows if r["embedding_error"] is not None)
    print(f"{name:<9}: {len(rows)} rows, ids 0..{ids[-1]} each once: {ids == list(range(len(texts)))}; "
          f"{vectors} with a vector, {sum(errors.values())} with an error {dict(errors)}")
print("vector length:", len(budget_rows[0]["embedding"]))

# %% [markdown]
# ## Tokens per minute against the quota
#
# Tokens admitted per second, scaled to tokens per minute. The first second can exceed the quota line: the
# emulator's bucket starts full (two seconds of quota), as a deployment's quota is full after an idle minute.

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import StrMethodFormatter


def figures(log):
    """(time, tokens charged) of each admitted request, times of the 429s (s since the run's first request), the
    time of the last admitted request, and the tokens admitted."""
    start = min(e["monotonic"] for e in log)
    admitted = [(e["monotonic"] - start, e["quota_charged"]) for e in log if "quota_charged" in e]
    refused = [e["monotonic"] - start for e in log if "quota_charged" not in e]
    span = max(t for t, _ in admitted)
    tokens = sum(c for _, c in admitted)
    return admitted, refused, span, tokens


fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharex=True, sharey=True)
for ax, (title, log) in zip(axes, (("no budget, adapt='off'", storm_log), (f"tokens_per_minute={TPM:,}", budget_log))):
    admitted, refused, span, tokens = figures(log)
    edges = np.arange(0, math.floor(span) + 2)  # one-second buckets
    per_second, _ = np.histogram([t for t, _ in admitted], bins=edges, weights=[c for _, c in admitted])
    ax.bar(edges[:-1], per_second * 60, width=1.0, align="edge", color="tab:blue", alpha=0.7,
           label="tokens admitted (per second, × 60)")
    ax.axhline(TPM, color="black", linestyle="--", label=f"quota ({TPM:,} tokens/min)")
    ax.plot(refused, [TPM * 0.04] * len(refused), "|", color="tab:red", markersize=14, alpha=0.5,
            label=f"429 ({len(refused):,})")
    ax.set_title(f"{title}: {len(refused):,} × 429")
    ax.set_xlabel("seconds since the run's first request")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.legend(loc="upper right", fontsize=8)
axes[0].set_ylabel("tokens per minute")
fig.suptitle(f"Embedding {len(texts):,} texts ({corpus_tokens:,} tokens) on Ray against a {TPM:,} TPM quota")
fig.tight_layout()
plt.show()

# %% [markdown]
# The same numbers. Both runs are held to the quota: over the run, each got at most what the quota allowed (the
# emulator's full bucket at the start, then the refill). Without a budget that took hundreds of refused requests
# and left rows to redo; its requests end sooner only because those rows were never admitted. The budget stays a
# little under the allowance because its own bucket holds one second of quota where the emulator's holds two.

# %%
for name, rows, log in (("no budget", storm_rows, storm_log), ("budget", budget_rows, budget_log)):
    admitted, refused, span, tokens = figures(log)
    allowed = TPM / 60 * (WINDOW_S + span)
    failed = sum(r["embedding"] is None for r in rows)
    print(f"{name:<9}: {tokens:6,} tokens admitted in {span:3.1f} s, {tokens / allowed:4.0%} of what the quota "
          f"allowed; {len(refused):5,} × 429, {failed:4} rows to redo")

# %%
ray.shutdown()

# %% [teardown]
