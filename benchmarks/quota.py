"""Figure (q): bulk embedding against the emulator in quota mode (issue 14).

The runner side (``run_quota``): start the real emulator with an unlimited and a quota'd copy of one small
embeddings model, measure what the machine sustains on the unlimited one, set the quota to a fifth of that,
then run every row of ``quota_clients.ROWS`` in a fresh ``.bench-venv`` interpreter with ``POST
/_emulator/reset`` before each, and read back the emulator's quota counts and request log.

The measurement (``quota_metrics``, pure, tested in ``tests/benchmarks``), all on the emulator's clock:

- ``t0`` = arrival of the row's first request; ``span`` = last admitted arrival − ``t0``.
- **share of quota** = (admitted tokens − B) / (TPM / 60 × span), with B = TPM × window / 60 the bucket the
  emulator starts full. Over ``span`` seconds the emulator admits at most B + TPM / 60 × span, so a client that
  keeps the bucket drained scores 100 % and none can score more; a client too slow to drain the starting bucket
  is understated by B / (TPM / 60 × span), which is why the **share after 5 s** is shown too: tokens admitted
  after ``t0 + 5 s`` over TPM / 60 × (``span`` − 5), shown when at least 10 s follow. It is the steady rate, but it
  can pass 100 % by one request's size, and by what the client left in the bucket at ``t0 + 5 s`` (a slow start).
- **429s**: requests the quota refused (the log entry has no ``quota_charged``; the total is cross-checked
  against ``GET /_emulator/quota``), in all and arriving after ``t0 + 5 s``, and as a share of the requests that
  arrived after ``t0 + 5 s``.
- **rows lost**: texts that came back without a vector of the model's length (a client that raised after its
  retries loses every row it had not returned).
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

EARLY_S = 5.0
"""429s and tokens before ``t0 + EARLY_S`` are the start-up burst; the goals count what comes after."""
MIN_STEADY_S = 10.0
"""The share after 5 s is shown only when at least this many seconds follow them."""
MODEL, FREE_MODEL, DIM = "bench-embed", "bench-embed-free", 128
EMULATOR_WINDOW_S = 5.0
"""``--quota-token-window-s``: the bucket holds 5 s of TPM, so the initial burst is small next to a ~45 s row."""
CLIENT_WINDOW_S = 4.0
"""The clients' ``token_window_s``: below the emulator's, so requests delayed and delivered together still fit
(docs/quota.md, "Jitter")."""
ISSUE_TEXTS = 50_000
ROW_SECONDS = 45.0
"""Each row should take about this long at the quota (the figure has 11 rows and must stay near 10 minutes)."""
GOALS = {"share": 0.90, "late_429": 0.01, "rows_lost": 0}

CATALOG = f"""
[models."{MODEL}"]
types = ["embeddings"]
provider = "Bench"
dimensions = {DIM}
supports_dimensions = false
encoding_formats = ["float", "base64"]
input_types = ["text", "query", "document"]

[models."{FREE_MODEL}"]
types = ["embeddings"]
provider = "Bench"
dimensions = {DIM}
supports_dimensions = false
encoding_formats = ["float", "base64"]
input_types = ["text", "query", "document"]

[emulator]
log_limit = 2000000
log_max_bytes = 2147483648
"""
"""Two copies of a 128-d model (the quota is on the first); it accepts ``input_type``, which langchain-azure-ai
sends by default. Small vectors keep the emulator's CPU per text low,
so the 2-core machine can exceed the quota by 5×; (d) measures vector decoding at 1,024 d."""


def quota_texts(n: int) -> list[str]:
    """The short texts of the figure (as in (d)); each is charged ``ceil(len / 4)`` = 9 or 10 tokens."""
    return [f"short text number {i} about a topic" for i in range(n)]


def text_tokens(texts: Sequence[str]) -> int:
    """What the emulator charges for ``texts`` (``ceil(chars / 4)`` each, docs/quota.md)."""
    return sum(math.ceil(len(t) / 4) for t in texts)


def rows_lost(vectors: Sequence[Any] | None, texts: int, dim: int) -> int:
    """Texts without a vector of length ``dim`` (all of them when the client returned nothing)."""
    if vectors is None:
        return texts
    got = sum(1 for v in list(vectors)[:texts] if v is not None and len(v) == dim)
    return texts - got


def quota_metrics(
    log: Sequence[Mapping[str, Any]], stats: Mapping[str, int], tpm: int, window_s: float, early_s: float = EARLY_S
) -> dict[str, Any]:
    """The figure's columns from one row's request log and ``GET /_emulator/quota`` counts (see the module doc)."""
    entries = sorted(log, key=lambda e: e["monotonic"])
    admitted = [e for e in entries if "quota_charged" in e]
    if not entries or not admitted:
        return {"requests": len(entries), "admitted": 0, "rejected": stats.get("rejected", 0), "share": None}
    t0 = entries[0]["monotonic"]
    span = admitted[-1]["monotonic"] - t0
    rate = tpm / 60
    bucket = tpm * window_s / 60
    tokens = int(stats.get("tokens", 0))
    late = [e for e in entries if e["monotonic"] - t0 > early_s]
    late_429 = sum(1 for e in late if "quota_charged" not in e)
    late_tokens = sum(int(e["quota_charged"]) for e in late if "quota_charged" in e)
    refused_in_log = len(entries) - len(admitted)
    return {
        "requests": len(entries),
        "admitted": len(admitted),
        "tokens": tokens,
        "span_s": span,
        "share": (tokens - bucket) / (rate * span) if span > 0 else None,
        # Over a short remainder one request's size or the unspent bucket dominates: no steady rate to show.
        "share_after_early": late_tokens / (rate * (span - early_s)) if span >= early_s + MIN_STEADY_S else None,
        "rejected": int(stats.get("rejected", 0)),
        "rejected_after_early": late_429,
        "late_requests": len(late),
        "late_429_share": late_429 / len(late) if late else None,  # None: the row was over within 5 s
        # The log must hold every request the quota saw, else the late counts are partial.
        "log_complete": refused_in_log == int(stats.get("rejected", 0))
        and sum(int(e["quota_charged"]) for e in admitted) == tokens,
    }


def verdict(row: Mapping[str, Any]) -> str:
    """``met`` or what missed: share ≥ 90 %, ≤ 1 % of requests 429 after 5 s, no row lost."""
    misses = []
    share = row.get("share")
    if share is None or share < GOALS["share"]:
        misses.append("share < 90 %")
    late = row.get("late_429_share")
    if late is not None and late > GOALS["late_429"]:
        misses.append("429 > 1 %")
    if row.get("rows_lost", 1) > GOALS["rows_lost"]:
        misses.append("rows lost")
    return "met" if not misses else "missed (" + ", ".join(misses) + ")"


def choose(sustained_tpm: float, texts_wanted: int = ISSUE_TEXTS) -> tuple[int, int]:
    """The quota (a fifth of what the machine sustained, two significant digits) and the text count that keeps
    a row near ``ROW_SECONDS`` at that quota (the issue's 50,000 when it fits)."""
    raw = sustained_tpm / 5
    digits = 10 ** max(0, int(math.log10(max(raw, 1))) - 1)
    tpm = max(6_000, int(raw // digits * digits))
    tokens_per_text = text_tokens(quota_texts(texts_wanted)) / texts_wanted
    fits = int((tpm / 60 * ROW_SECONDS + tpm * EMULATOR_WINDOW_S / 60) / tokens_per_text)
    return tpm, min(texts_wanted, fits)


Worker = Callable[..., dict[str, Any]]


def run_quota(worker: Worker, quick: bool, keys: Sequence[str] | None = None) -> dict[str, Any]:
    """Run figure (q); ``worker(client, scenario, *args, server=, env=, timeout=)`` runs one row in the bench venv."""
    import httpx

    from azure_inference.emulator import run_emulator

    from .quota_clients import ROWS

    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "catalog.toml"
        catalog.write_text(CATALOG)
        # 1. What the machine sustains: our transport without a budget on the unlimited copy.
        # The faster of two probes: the machine is shared, and what it can do is the best it did.
        with run_emulator(catalog=str(catalog)) as emu:
            probe_texts = 5_000 if quick else 20_000
            args = ("--texts", str(probe_texts), "--model", FREE_MODEL, "--dim", str(DIM))
            probes = [worker("ours", "quota", *args, server=emu.url) for _ in range(2)]
        failed = [p for p in probes if not p.get("ok") or p.get("rows_lost")]
        if failed:
            return {"error": f"calibration failed: {failed[0].get('error') or failed[0].get('client_error')}"}
        probe = min(probes, key=lambda p: float(p["value"]))
        sustained = text_tokens(quota_texts(probe_texts)) / probe["value"] * 60
        tpm, texts = choose(sustained, 5_000 if quick else ISSUE_TEXTS)
        setup = {
            "sustained_tpm": round(sustained),
            "probe_texts": probe_texts,
            "probe_s": probe["value"],
            "tpm": tpm,
            "texts": texts,
            "tokens": text_tokens(quota_texts(texts)),
            "emulator_window_s": EMULATOR_WINDOW_S,
            "client_window_s": CLIENT_WINDOW_S,
            "model": MODEL,
            "dim": DIM,
        }
        print(
            f"  machine sustains {sustained:,.0f} tokens/min unlimited; quota {tpm:,} TPM "
            f"({sustained / tpm:.1f}×), {texts:,} texts",
            flush=True,
        )
        rows: dict[str, Any] = {}
        flags = ("--quota", f"{MODEL}={tpm}", "--quota-token-window-s", str(EMULATOR_WINDOW_S))
        with run_emulator(*flags, catalog=str(catalog)) as emu:
            for row in ROWS:
                if keys is not None and row.key not in keys:
                    continue
                httpx.post(emu.url + "/_emulator/reset", timeout=30).raise_for_status()
                args = ["--texts", str(texts), "--model", MODEL, "--dim", str(DIM)]
                args += ["--quota-tpm", str(tpm), "--quota-window", str(CLIENT_WINDOW_S)]
                started = time.monotonic()
                result = worker(row.key, "quota", *args, server=emu.url, timeout=300)
                log = httpx.get(emu.url + "/_emulator/requests", params={"path": "embeddings"}, timeout=120)
                stats = httpx.get(emu.url + "/_emulator/quota", timeout=30).json()["deployments"].get(MODEL, {})
                entries = [e for e in log.json()["requests"] if (e.get("body") or {}).get("model", MODEL) == MODEL]
                for e in entries:
                    e.pop("body", None)
                out = {**result, **quota_metrics(entries, stats, tpm, EMULATOR_WINDOW_S)}
                if not result.get("ok"):  # the worker died or timed out: nothing came back
                    out.setdefault("rows_lost", texts)
                    out.setdefault("value", time.monotonic() - started)
                out["verdict"] = verdict(out)
                rows[row.key] = out
                _log(row.key, out)
    return {"setup": setup, "rows": rows}


def _log(key: str, r: Mapping[str, Any]) -> None:
    share = r.get("share")
    print(
        f"  {key:24s} {r.get('value', 0):7.1f} s  share {'–' if share is None else f'{share:.0%}'}  "
        f"429 {r.get('rejected', 0)} ({r.get('rejected_after_early', 0)} after 5 s)  lost {r.get('rows_lost')}"
        f"  {r.get('client_error') or r.get('error') or ''}"[:200],
        flush=True,
    )
