"""Execute every notebook in ``notebooks/`` top to bottom (``make notebooks``, part of ``make test``).

Each notebook runs in its own kernel, several at once (``NOTEBOOK_WORKERS``, default: CPU count + 1, since a
kernel spends much of its time waiting on HTTP). A notebook fails on any cell error, and on any warning
printed to stderr (the project runs its tests with warnings as errors). The kernel is this interpreter
(``sys.executable``): a kernelspec pointing at it is installed into the venv when missing, so a ``python3``
kernel of some other Python on the machine is never used.

Usage: ``python -m tests.run_notebooks [NAME_SUBSTRING ...]``; exits 1 when a notebook fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KERNEL_NAME = "azure-inference-adapters"
CELL_TIMEOUT = 120


@dataclass
class Outcome:
    """The result of one notebook run."""

    name: str
    seconds: float
    error: str | None = None


def ensure_kernel() -> str:
    """The name of a kernelspec whose interpreter is ``sys.executable`` (installed into ``sys.prefix`` if needed)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if spec.argv and spec.argv[0] == sys.executable:
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name="Python (azure-inference-adapters)", prefix=sys.prefix)
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    if spec.argv[0] != sys.executable:
        raise RuntimeError(f"kernelspec {KERNEL_NAME} runs {spec.argv[0]}, not {sys.executable}")
    return KERNEL_NAME


def _warnings(nb: object) -> list[str]:
    found = []
    for cell in getattr(nb, "cells", []):
        for output in cell.get("outputs", []):
            text = output.get("text", "") if output.get("name") == "stderr" else ""
            if "Warning" in text:
                found.append(text.strip()[:2000])
    return found


def run_one(path: Path, kernel: str) -> Outcome:
    """Execute one notebook in a fresh kernel whose working directory is an empty temporary directory.

    Outside the repository on purpose: a notebook must not need the clone's files (``connect()`` writes the
    profiles it uses).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    start = time.perf_counter()
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    # The kernel's own log (e.g. ipykernel's "running over TCP" notice) goes to a file, shown only on failure.
    with tempfile.TemporaryFile(mode="w+") as kernel_log, tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(nb, kernel_name=kernel, timeout=CELL_TIMEOUT, resources={"metadata": {"path": workdir}})
        try:
            client.execute(stderr=kernel_log)
        except Exception as exc:  # a cell error, a dead kernel or a timeout
            kernel_log.seek(0)
            log = kernel_log.read()[-2000:]
            detail = str(exc)[-4000:] if isinstance(exc, CellExecutionError) else f"{type(exc).__name__}: {exc}"
            return Outcome(path.name, time.perf_counter() - start, detail + (f"\nkernel log:\n{log}" if log else ""))
    warnings = _warnings(nb)
    error = "warnings on stderr:\n" + "\n---\n".join(warnings) if warnings else None
    return Outcome(path.name, time.perf_counter() - start, error)


def main(argv: list[str]) -> int:
    """Run the notebooks (those whose name contains one of ``argv``, or all); print timings; 0 when all pass."""
    paths = sorted(p for p in NOTEBOOKS.glob("*.ipynb") if not argv or any(a in p.name for a in argv))
    if not paths:
        print("no notebooks found in", NOTEBOOKS)
        return 1
    kernel = ensure_kernel()
    workers = int(os.environ.get("NOTEBOOK_WORKERS") or (os.cpu_count() or 1) + 1)
    workers = max(1, min(workers, len(paths)))
    print(f"running {len(paths)} notebooks with kernel {kernel!r} ({sys.executable}), {workers} at a time")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_one, path, kernel) for path in paths]
        outcomes = []
        for future in futures:
            outcome = future.result()
            outcomes.append(outcome)
            status = "ok    " if outcome.error is None else "FAILED"
            print(f"  {status} {outcome.name:<36} {outcome.seconds:6.1f} s", flush=True)
    failed = [o for o in outcomes if o.error is not None]
    for outcome in failed:
        print(f"\n===== {outcome.name} =====\n{outcome.error}")
    print(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed in {time.perf_counter() - start:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
