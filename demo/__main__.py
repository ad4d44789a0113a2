"""``python -m demo`` (what ``make demo`` runs): the whole product on the bundled emulator or a real deployment.

Exit codes: 0 when every step passed, 1 when one failed, 130 on Ctrl-C, 143 on SIGTERM. The emulator is
stopped in every case.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from types import FrameType

from .backend import choose_profiles, describe, load_backend, profiles_path, start_emulator
from .console import Console
from .pipeline import run_pipeline, step_count


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m demo",
        description="Run LangChain and LlamaIndex pipelines on the bundled emulator (or AZURE_INFERENCE_ENDPOINT).",
    )
    p.add_argument(
        "--profile", help="chat profile of the main run (default: AZURE_INFERENCE_PROFILE, or default_profile)"
    )
    p.add_argument("--second-profile", help="profile of the switch step (default: DEMO_SECOND_PROFILE, or 'emulator')")
    p.add_argument("--no-color", action="store_true", help="plain output even on a terminal")
    return p


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    # SystemExit unwinds the with-blocks, so the emulator subprocess is stopped as on Ctrl-C.
    raise SystemExit(128 + signum)


def _preload() -> None:
    # Importing LangChain and LlamaIndex takes seconds; doing it while the emulator boots saves that time.
    # A failure here is ignored: the step that needs the module imports it again and reports the error.
    with suppress(Exception):
        for module in ("demo.steps_langchain", "demo.steps_llamaindex"):
            importlib.import_module(module)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the exit code."""
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _on_sigterm)
    first, second = choose_profiles(args.profile, args.second_profile)
    console = Console(step_count(second is not None), color=False if args.no_color else None)
    console.title("azure-inference-adapters demo: LangChain and LlamaIndex on Azure-deployed models")
    threading.Thread(target=_preload, name="demo-preload", daemon=True).start()
    console.print(f"profiles: {_shown(profiles_path())}  (main: {first}, switch: {second or 'skipped'})")
    stopped = "Emulator stopped."
    code = 0
    try:
        with ExitStack() as stack:
            with console.step("Start the backend") as record:
                emulator = stack.enter_context(start_emulator())
                if emulator is not None:
                    pid = emulator.process.pid if emulator.process else "-"
                    console.info("emulator", f"{emulator.url}  (pid {pid})")
                else:
                    console.info("live", "AZURE_INFERENCE_ENDPOINT is set: the demo uses your deployment")
                    stopped = "Done."
                backend = load_backend(emulator, args.profile, args.second_profile)
                for role, target in (("main", backend.first), ("switch", backend.second)):
                    if target is not None:
                        console.info(role, f"profile {target.profile!r}")
                        console.info("", f"  chat        {describe(target.chat)}")
                        console.info("", f"  embeddings  {describe(target.embeddings)}")
                record.served_by.append("bundled emulator" if backend.emulator is not None else "your deployment")
            run_pipeline(console, backend)
    except KeyboardInterrupt:
        console.print("\nInterrupted.")
        code = 130
    except SystemExit as exc:
        console.print("\nTerminated.")
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        console.print(f"\nThe demo failed: {type(exc).__name__}: {exc}")
        code = 1
    console.summary()
    console.print(stopped)
    return code


if __name__ == "__main__":
    sys.exit(main())
