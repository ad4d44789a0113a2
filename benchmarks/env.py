"""The competitors' own environment (``.bench-venv/``) and a description of the machine.

The competitors pull in azure-core, openai, langchain and llama-index extras we do not want in ``.venv``;
they get a venv of their own, together with our package (editable), so every client runs in the same
interpreter with the same httpx and pydantic.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_VENV = ROOT / ".bench-venv"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
COMPETITORS = [
    "azure-ai-inference",
    "aiohttp",
    "langchain-azure-ai",
    "langchain-openai",
    "llama-index-llms-azure-inference",
    "llama-index-embeddings-azure-inference",
    "uvloop",
    "pyinstrument",
]
"""Installed into the bench venv next to ``-e .[all,ray]`` (uvloop for the server, pyinstrument to profile)."""
OURS = "all,ray"
"""Our extras in the bench venv (``ray``: the Ray path of figure (q))."""
VERSIONS_OF = [
    "httpx",
    "pydantic",
    "aiohttp",
    "httpx-aiohttp",
    "azure-inference-adapters",
    "azure-ai-inference",
    "azure-core",
    "langchain-core",
    "langchain-azure-ai",
    "langchain-openai",
    "openai",
    "llama-index-core",
    "llama-index-llms-azure-inference",
    "llama-index-embeddings-azure-inference",
    "uvloop",
    "ray",
]


def _stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + " ".join([*COMPETITORS, OURS]).encode())
    return digest.hexdigest()


def ensure_bench_venv(log: bool = True) -> Path:
    """Create or refresh ``.bench-venv`` (only when pyproject.toml or the competitor list changed)."""
    stamp = BENCH_VENV / ".installed"
    if BENCH_PYTHON.exists() and stamp.exists() and stamp.read_text() == _stamp():
        return BENCH_PYTHON
    if log:
        print("preparing .bench-venv (the competitors' environment; takes a few minutes once)", flush=True)
    uv = shutil.which("uv")  # resolves and installs in seconds where pip takes minutes
    if not BENCH_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
        if uv is None:
            subprocess.run([str(BENCH_PYTHON), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    pip = [uv, "pip", "install", "--python", str(BENCH_PYTHON)] if uv else [str(BENCH_PYTHON), "-m", "pip", "install"]
    subprocess.run([*pip, "-q", *COMPETITORS, "-e", f"{ROOT}[{OURS}]"], check=True)
    stamp.write_text(_stamp())
    return BENCH_PYTHON


def versions(python: Path) -> dict[str, str]:
    """Installed versions of the packages that matter, as seen by ``python``."""
    code = (
        "import json, importlib.metadata as m\n"
        f"names = {VERSIONS_OF!r}\n"
        "out = {}\n"
        "for n in names:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = 'absent'\n"
        "print(json.dumps(out))"
    )
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    import json

    data: dict[str, str] = json.loads(result.stdout)
    data["python"] = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return data


def machine() -> dict[str, str]:
    """CPU model, core count, memory, OS, and the load average when the run started (others' work adds noise)."""
    cpu = platform.processor() or "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "load_average": " ".join(f"{x:.2f}" for x in load),
    }
