"""Figure (q)'s measurement logic and the framework-floor column, on made-up logs and results (no emulator)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.quota import choose, quota_metrics, quota_texts, rows_lost, text_tokens, verdict
from benchmarks.report import over_floor, render

TPM, WINDOW = 60_000, 5.0  # 1,000 tokens/s; the emulator's bucket starts with 5,000


def admitted(t: float, tokens: int) -> dict[str, Any]:
    return {"monotonic": t, "quota_charged": tokens}


def refused(t: float) -> dict[str, Any]:
    return {"monotonic": t}


def a_run() -> tuple[list[dict[str, Any]], dict[str, int]]:
    """A client that drains the bucket at once, then holds the quota for 20 s; three 429s, two after 5 s."""
    burst = [admitted(100.0 + i / 10, 1_000) for i in range(5)]  # the 5,000-token bucket, at t0 = 100
    steady = [admitted(101.0 + i, 1_000) for i in range(20)]  # 1,000 tokens/s from 101 to 120
    log = [*steady, refused(100.6), refused(103.0), refused(110.0), refused(115.0), *burst]  # any order
    return log, {"admitted": 25, "rejected": 4, "tokens": 25_000}


def test_a_client_that_holds_the_quota_scores_100_percent_and_late_429s_count_after_five_seconds() -> None:
    log, stats = a_run()
    m = quota_metrics(log, stats, TPM, WINDOW)
    assert m["span_s"] == pytest.approx(20.0)  # first arrival (100.0) to last admitted (120.0)
    assert m["share"] == pytest.approx(1.0)  # (25,000 - 5,000) / (1,000 × 20)
    assert m["share_after_early"] == pytest.approx(1.0)  # the 15 admitted after t0 + 5 s, over 15 s
    assert (m["requests"], m["admitted"], m["rejected"]) == (29, 25, 4)
    assert m["rejected_after_early"] == 2  # 110 and 115; 100.6 and 103 are the start-up burst
    assert m["late_requests"] == 17  # 15 admitted (106 ... 120) + 2 refused
    assert m["late_429_share"] == pytest.approx(2 / 17)
    assert m["log_complete"] is True
    assert verdict({**m, "rows_lost": 0}) == "missed (429 > 1 %)"


def test_a_client_at_half_the_quota_scores_half_after_five_seconds_and_less_over_the_whole_run() -> None:
    log = [admitted(200.0 + i, 500) for i in range(41)]  # 500 tokens/s for 40 s: the bucket is never drained
    m = quota_metrics(log, {"admitted": 41, "rejected": 0, "tokens": 20_500}, TPM, WINDOW)
    assert m["share_after_early"] == pytest.approx(17_500 / 35_000)  # 35 admitted after 205, over 35 s
    assert m["share"] == pytest.approx((20_500 - 5_000) / 40_000)  # understated by the unused bucket
    assert m["late_429_share"] == 0.0
    assert verdict({**m, "rows_lost": 0}) == "missed (share < 90 %)"


def test_the_verdict_meets_only_when_all_three_goals_are_met() -> None:
    good = {"share": 0.95, "late_429_share": 0.005, "rows_lost": 0}
    assert verdict(good) == "met"
    assert verdict({**good, "share": 0.89}) == "missed (share < 90 %)"
    assert verdict({**good, "late_429_share": 0.02, "rows_lost": 3}) == "missed (429 > 1 %, rows lost)"
    assert verdict({**good, "share": None}) == "missed (share < 90 %)"


def test_a_row_over_within_five_seconds_has_no_late_429_share_and_no_steady_rate() -> None:
    log = [admitted(50.0 + i / 2, 1_000) for i in range(9)] + [refused(52.0)]  # 4 s of requests, then it gave up
    m = quota_metrics(log, {"admitted": 9, "rejected": 1, "tokens": 9_000}, TPM, WINDOW)
    assert m["share"] == pytest.approx((9_000 - 5_000) / 4_000)
    assert (m["late_requests"], m["late_429_share"], m["share_after_early"]) == (0, None, None)
    assert verdict({**m, "rows_lost": 100}) == "missed (rows lost)"  # the 429 goal is not judged on no requests
    short = [admitted(50.0 + i, 1_000) for i in range(14)]  # 13 s: 8 s after the first 5 are too few to show
    assert quota_metrics(short, {"rejected": 0, "tokens": 14_000}, TPM, WINDOW)["share_after_early"] is None


def test_a_log_that_lost_entries_is_flagged() -> None:
    log, stats = a_run()
    m = quota_metrics(log[1:], stats, TPM, WINDOW)  # one admitted entry fell out of the log
    assert m["log_complete"] is False
    assert quota_metrics([], {"rejected": 7}, TPM, WINDOW) == {
        "requests": 0,
        "admitted": 0,
        "rejected": 7,
        "share": None,
    }


def test_rows_lost_counts_missing_and_wrong_length_vectors() -> None:
    assert rows_lost([[0.0] * 4, None, [0.0] * 3, [0.0] * 4], 5, 4) == 3  # None, short, and the missing fifth
    assert rows_lost(None, 5, 4) == 5  # the client raised: nothing came back
    assert rows_lost([[1.0] * 4] * 5, 5, 4) == 0


def test_the_quota_is_a_fifth_of_what_was_sustained_and_the_text_count_fits_the_row_time() -> None:
    assert text_tokens(["abcd", "abcde", ""]) == 1 + 2 + 0  # ceil(chars / 4), as the emulator charges
    assert choose(3_600_648) == (720_000, 50_000)  # 50,000 texts take ~33 s at 720,000 TPM
    tpm, texts = choose(500_000)
    assert tpm == 100_000
    per_text = text_tokens(quota_texts(50_000)) / 50_000
    assert texts < 50_000
    assert (texts * per_text - tpm * 5 / 60) / (tpm / 60) == pytest.approx(45, abs=0.1)  # seconds at the quota


INFO = {
    "machine": {"nproc": "2", "cpu": "x", "memory": "1 GiB", "os": "y", "load_average": "0"},
    "versions": {"httpx": "0"},
    "date": "2026-12-06",
}


def test_the_floor_column_is_adapter_over_floor_plus_transport_in_time_per_call() -> None:
    ok = {"ok": True}
    a = {
        "raw_httpx": {**ok, "value": 450.0},
        "ours": {**ok, "value": 500.0},
        "ours_langchain": {**ok, "value": 700.0},
        "lc_floor": {**ok, "value": 100.0},
    }
    b = {
        "ours": {**ok, "value": 5_000.0},
        "ours_llamaindex": {**ok, "value": 2_000.0},
        "li_floor": {**ok, "value": 1e4},
    }
    assert over_floor("a", "ours_langchain", a) == pytest.approx(700 / 600)
    assert over_floor("b", "ours_llamaindex", b) == pytest.approx(0.5 / (0.1 + 0.2))  # ms per call
    assert over_floor("a", "ours", a) is None  # the transport has no framework floor
    row = next(line for line in render({"a": a}, INFO).splitlines() if line.startswith("| ours: LangChain"))
    assert "| 1.17× met |" in row


def test_the_quota_table_shows_each_row_and_the_clients_errors() -> None:
    setup = {
        "sustained_tpm": 3_000_000,
        "probe_texts": 20_000,
        "probe_s": 3.7,
        "tpm": 600_000,
        "texts": 50_000,
        "tokens": 463_000,
        "emulator_window_s": 5.0,
        "client_window_s": 4.0,
        "model": "bench-embed",
        "dim": 128,
    }
    row = {"ok": True, "value": 41.2, "share": 0.934, "share_after_early": 0.97, "requests": 530, "rejected": 0}
    row |= {"rejected_after_early": 0, "late_429_share": 0.0, "rows_lost": 0, "verdict": "met", "log_complete": True}
    lost = {"ok": True, "value": 3.0, "share": 0.2, "rows_lost": 50_000, "client_error": "RateLimitError: 429"}
    text = render({"q": {"setup": setup, "rows": {"ours+budget": row, "lc_openai": lost}}}, INFO)
    assert (
        "| ours: azure_inference AsyncInferenceClient | yes | 41.2 | 93% | 97% | 530 | 0 | 0 | 0.0% | 0 | met |" in text
    )
    assert "- `lc_openai`: RateLimitError: 429" in text
    assert "(5.0× the quota" in text


@pytest.mark.e2e
def test_a_row_whose_client_gives_up_reports_its_lost_rows_and_the_log_gives_the_429s(tmp_path: Any) -> None:
    """Our transport without a budget, retrying only (``adapt="off"``: it does not adopt the quota a 429 names),
    against a tiny quota: its retries run out, and the worker still reports."""
    import argparse

    import httpx

    from azure_inference.emulator import run_emulator
    from benchmarks import worker
    from benchmarks.quota import CATALOG, DIM, FREE_MODEL, MODEL

    catalog = tmp_path / "catalog.toml"
    catalog.write_text(CATALOG)
    args = argparse.Namespace(texts=1_500, model=FREE_MODEL, dim=DIM, quota_tpm=0, quota_window=4.0, adapt="off")
    # 1,000 tokens/s, a bucket of 5,000: 16 requests of ~900 tokens sent at once, ~5 fit, then ~1 a second.
    flags = ("--quota", f"{MODEL}=60000", "--quota-token-window-s", "5")
    with run_emulator(*flags, catalog=str(catalog)) as emu:
        unlimited = worker.measure("ours", "quota", emu.url, args)
        assert unlimited["rows_lost"] == 0
        assert "client_error" not in unlimited
        httpx.post(emu.url + "/_emulator/reset").raise_for_status()
        limited = worker.measure("ours", "quota", emu.url, argparse.Namespace(**{**vars(args), "model": MODEL}))
        log = httpx.get(emu.url + "/_emulator/requests", params={"path": "embeddings"}).json()["requests"]
        stats = httpx.get(emu.url + "/_emulator/quota").json()["deployments"][MODEL]
    assert 0 < limited["rows_lost"] < 1_500  # the requests that found no room in three attempts
    m = quota_metrics(log, stats, 60_000, 5.0)
    assert m["rejected"] > 0
    assert m["log_complete"] is True
    assert m["requests"] == stats["admitted"] + stats["rejected"]
