"""``make bench``: every client side by side, in one run, against one fast loopback server.

Steps: build ``.bench-venv`` if needed; start ``benchmarks.server`` (and the emulator, for comparison); run each
(client, figure) in a fresh ``.bench-venv`` interpreter (``benchmarks.worker``); time imports in fresh
interpreters; print the tables and write ``benchmarks/RESULTS.md`` and ``benchmarks/results.json``.

Options: ``--quick`` (fewer repetitions, for a smoke run), ``--clients a,b``, ``--figures a,b,c``,
``--no-write`` (print only).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .clients import BY_KEY, CLIENTS
from .env import ROOT, ensure_bench_venv, machine, versions
from .quota import run_quota
from .report import render
from .server import run_server

FIGURES = "abcdefgq"
IMPORTS_E = [
    ("httpx", "import httpx"),
    ("httpx, pydantic", "import httpx, pydantic"),
    ("httpx + pydantic.BaseModel", "import httpx; from pydantic import BaseModel"),
    ("aiohttp", "import aiohttp"),
    ("azure_inference", "from azure_inference import InferenceClient, AsyncInferenceClient"),
    ("azure.ai.inference", "from azure.ai.inference import ChatCompletionsClient"),
    ("langchain_azure_ai.chat_models.inference", "from langchain_azure_ai.chat_models.inference import *"),
    ("llama_index.llms.azure_inference", "from llama_index.llms.azure_inference import AzureAICompletionsModel"),
    ("langchain_openai", "from langchain_openai import ChatOpenAI"),
]
IMPORTS_F = [
    # The framework's own classes an integration must subclass (the packages' __init__ are lazy).
    (
        "langchain_core.language_models",
        "from langchain_core.language_models import BaseChatModel, BaseLLM; "
        "from langchain_core.embeddings import Embeddings",
    ),
    ("langchain_azure_inference", "from langchain_azure_inference import *"),
    (
        "llama_index.core",
        "import llama_index.core; from llama_index.core.llms.function_calling import FunctionCallingLLM; "
        "from llama_index.core.embeddings import MultiModalEmbedding",
    ),
    ("llamaindex_azure_inference", "from llamaindex_azure_inference import *"),
]


class Runner:
    """Runs workers in the bench venv and keeps every raw number."""

    def __init__(self, python: Path, server: str, quick: bool, quota_rows: list[str] | None = None) -> None:
        self.python = python
        self.server = server
        self.quick = quick
        self.quota_rows = quota_rows

    def configure(self, **changes: Any) -> None:
        """Change what the server answers (latency, chunks, dim)."""
        httpx.post(self.server + "/_config", json=changes).raise_for_status()

    def stats(self) -> dict[str, float]:
        """The server's request count and CPU seconds."""
        data: dict[str, float] = httpx.get(self.server + "/_stats").json()
        return data

    def worker(
        self,
        client: str,
        scenario: str,
        *args: str,
        server: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> dict[str, Any]:
        """One fresh interpreter measuring one client; its JSON result (``ok`` false on failure)."""
        cmd = [str(self.python), "-m", "benchmarks.worker", client, scenario, server or self.server, *args]
        try:
            proc = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
            )
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"timed out after {timeout:.0f} s"}
        lines = proc.stdout.strip().splitlines()
        try:
            result: dict[str, Any] = json.loads(lines[-1])
        except (IndexError, ValueError):
            result = {"ok": False, "error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]}
        return result

    def import_time(self, statement: str, runs: int) -> float:
        """Median seconds the statement spends importing, from ``-X importtime`` in fresh interpreters.

        Only the statement's own top-level imports are summed (modules the interpreter loads at start-up are
        left out), which is far steadier than wall-clock differences on a busy machine.
        """

        # Bytecode as a normal install has it: pip compiles .pyc files for installed packages, but our editable
        # install has none, and PYTHONDONTWRITEBYTECODE (set on some machines) would make every run recompile.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

        def tops(code: str) -> dict[str, int]:
            proc = subprocess.run(
                [str(self.python), "-X", "importtime", "-c", code],
                cwd="/",
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            out: dict[str, int] = {}
            for line in proc.stderr.splitlines():
                if not line.startswith("import time:") or "cumulative" in line:
                    continue
                _, cumulative, name = line[len("import time:") :].split("|")
                if not name[1:].startswith(" "):  # a top-level import (nested ones are indented)
                    out[name.strip()] = int(cumulative)
            return out

        startup = set(tops("pass"))
        tops(statement)  # compile the .pyc files first
        samples = []
        for _ in range(runs):
            found = tops(statement)
            samples.append(sum(us for name, us in found.items() if name not in startup) / 1e6)
        return statistics.median(samples)


def _log(name: str, result: dict[str, Any]) -> None:
    if result.get("ok"):
        extra = f", peak {result['peak_kib']:.0f} KiB" if "peak_kib" in result else ""
        print(f"  {name:22s} {result['value']:10.2f} {result['unit']}{extra}", flush=True)
    else:
        print(f"  {name:22s} -- {result.get('error')}", flush=True)


def run_figures(runner: Runner, keys: list[str], figures: str, emulator_url: str | None) -> dict[str, Any]:
    """Measure the requested figures; returns ``{figure: {client: result}}`` plus extras."""
    q = runner.quick
    out: dict[str, Any] = {}
    if "a" in figures:
        print("(a) sequential sync chat, µs per call", flush=True)
        out["a"] = {}
        before = runner.stats()
        for key in keys:
            out["a"][key] = r = runner.worker(
                key, "sync_chat", "--rounds", "3" if q else "5", "--calls", "60" if q else "300"
            )
            _log(key, r)
        after = runner.stats()
        calls = after["requests"] - before["requests"]
        out["server_cpu_us_per_request"] = (after["cpu_seconds"] - before["cpu_seconds"]) / max(calls, 1) * 1e6
        if emulator_url:
            out["a_emulator"] = {}
            for key in ("raw_httpx", "ours"):
                out["a_emulator"][key] = r = runner.worker(
                    key,
                    "sync_chat",
                    *("--rounds", "3", "--calls", "60" if q else "200"),
                    server=emulator_url,
                    env={"BENCH_MODEL": "gpt-4o", "BENCH_REPLY_PREFIX": ""},
                )
                _log(f"{key} (emulator)", r)
    if "b" in figures:
        print("(b) async chat: 500 calls, 50 in flight, calls/s", flush=True)
        out["b"] = {}
        for key in keys:
            out["b"][key] = r = runner.worker(key, "async_chat", "--rounds", "2" if q else "5", "--calls", "500")
            _log(key, r)
    if "c" in figures:
        print("(c) one streamed answer of 2,000 chunks: ms to consume, tracemalloc peak", flush=True)
        out["c"] = {}
        for key in keys:
            out["c"][key] = r = runner.worker(key, "stream", "--rounds", "3" if q else "9", "--chunks", "2000")
            _log(key, r)
        runner.configure(chunks=20000)
        out["c_20000"] = {}
        for key in ("raw_httpx", "ours"):
            out["c_20000"][key] = r = runner.worker(key, "stream", "--rounds", "1" if q else "3", "--chunks", "20000")
            _log(f"{key} (20,000)", r)
        runner.configure(chunks=2000)
    if "g" in figures:
        # Issue 13: the Responses API stream. The adapters' rows come with their Responses support (branch r13a):
        # a client module gains a ``stream_responses`` factory and is measured here; others report "no API".
        print("(g) one streamed Responses answer of 2,000 text deltas: ms to consume, tracemalloc peak", flush=True)
        out["g"] = {}
        for key in (k for k in keys if k not in BY_KEY or BY_KEY[k].kind != "framework"):  # no floor rows here
            out["g"][key] = r = runner.worker(
                key, "stream_responses", "--rounds", "3" if q else "9", "--chunks", "2000"
            )
            _log(key, r)
    if "d" in figures:
        print("(d) embeddings of 5,000 short texts, 20 ms server latency: wall seconds", flush=True)
        out["d"] = {}
        texts = "500" if q else "5000"
        runner.configure(latency=0.02)
        try:
            for key in keys:
                out["d"][key] = r = runner.worker(
                    key, "embed", "--rounds", "1" if q else "3", "--texts", texts, "--budget", "3" if q else "8"
                )
                _log(key, r)
        finally:
            runner.configure(latency=0.0)
    if "q" in figures:
        print("(q) bulk embedding against the emulator in quota mode (issue 14)", flush=True)
        out["q"] = run_quota(runner.worker, q, runner.quota_rows)
    if "e" in figures or "f" in figures:
        runs = 3 if q else 7
        for fig, table in (("e", IMPORTS_E), ("f", IMPORTS_F)):
            if fig not in figures:
                continue
            print(f"({fig}) import time in a fresh interpreter, s (minus interpreter start)", flush=True)
            out[fig] = {}
            for name, statement in table:
                try:
                    value = runner.import_time(statement, runs)
                    out[fig][name] = {"ok": True, "value": value, "unit": "s"}
                except subprocess.CalledProcessError as exc:
                    out[fig][name] = {"ok": False, "error": (exc.stderr or b"").decode()[-200:]}
                _log(name, out[fig][name])
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make bench``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, not for RESULTS.md)")
    parser.add_argument("--clients", default=",".join(c.key for c in CLIENTS))
    parser.add_argument("--figures", default=FIGURES)
    parser.add_argument("--quota-rows", default=None, help="figure (q): only these rows (keys of quota_clients)")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    parser.add_argument("--merge", action="store_true", help="update results.json with these rows only")
    parser.add_argument("--no-emulator", action="store_true", help="skip the emulator comparison in (a)")
    args = parser.parse_args(argv)
    keys = [k for k in args.clients.split(",") if k]
    started = time.monotonic()
    python = ensure_bench_venv()
    info: dict[str, Any] = {
        "machine": machine(),
        "versions": versions(python),
        "date": datetime.date.today().isoformat(),
    }
    with run_server(str(python), cwd=str(ROOT)) as server:
        quota_rows = args.quota_rows.split(",") if args.quota_rows else None
        runner = Runner(python, server, args.quick, quota_rows)
        if args.no_emulator or "a" not in args.figures:
            results = run_figures(runner, keys, args.figures, None)
        else:
            from azure_inference.emulator import run_emulator

            with run_emulator() as emu:
                results = run_figures(runner, keys, args.figures, emu.url)
    info["wall_seconds"] = round(time.monotonic() - started, 1)
    info["quick"] = args.quick
    saved = Path(__file__).parent / "results.json"
    if args.merge and saved.exists():
        old = json.loads(saved.read_text())
        for fig, rows in results.items():
            if isinstance(rows, dict) and isinstance(old["results"].get(fig), dict):
                old["results"][fig].update(rows)
            else:
                old["results"][fig] = rows
        results = old["results"]
        merged = [*old["info"].get("merged", []), f"figures {args.figures} for {args.clients} on {info['date']}"]
        info = {**old["info"], "merged": merged}
    text = render(results, info)
    print("\n" + text)
    if not args.no_write:
        here = Path(__file__).parent
        (here / "RESULTS.md").write_text(text)
        (here / "results.json").write_text(json.dumps({"info": info, "results": results}, indent=1) + "\n")
        print(f"wrote {here / 'RESULTS.md'} and results.json in {info['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
