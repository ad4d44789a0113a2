"""Run the emulator for tests, notebooks and demos: as a real subprocess, or on a thread in-process.

Example:
    >>> with run_emulator() as emu:                       # doctest: +SKIP
    ...     httpx.post(emu.endpoint + "/chat/completions?api-version=2025-05-01", json=...)
    ...     emu.control.requests()
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .client import EmulatorControl


class EmulatorStartError(RuntimeError):
    """The emulator did not print its URL in time (the message carries its stderr)."""


@dataclass
class EmulatorHandle:
    """A running emulator.

    Attributes:
        url: Base URL, e.g. ``http://127.0.0.1:54321``.
        control: Control-API client.
        process: The subprocess (``None`` when in-process).
    """

    url: str
    control: EmulatorControl
    process: subprocess.Popen[bytes] | None = None
    _stderr: IO[bytes] | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        """The Foundry-style model-inference endpoint (``<url>/models``)."""
        return self.url + "/models"

    @property
    def openai_v1(self) -> str:
        """The OpenAI v1 base URL (``<url>/openai/v1``)."""
        return self.url + "/openai/v1"

    def deployment(self, name: str) -> str:
        """The Azure OpenAI deployment endpoint for ``name``."""
        return f"{self.url}/openai/deployments/{name}"

    def stderr(self) -> str:
        """What the subprocess wrote to stderr so far ('' in-process)."""
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")


def emulator_command(args: Sequence[str] = ()) -> list[str]:
    """The command line of an emulator subprocess on a free loopback port."""
    return [sys.executable, "-m", "azure_inference.emulator", "--host", "127.0.0.1", "--port", "0", *args]


def _build_args(
    catalog: str | Path | None, keys: Sequence[str], single_model: str | None, args: Sequence[str]
) -> list[str]:
    out: list[str] = []
    if catalog is not None:
        out += ["--catalog", str(catalog)]
    for key in keys:
        out += ["--key", key]
    if single_model:
        out += ["--single-model", single_model]
    return out + list(args)


def _wait_for_url(proc: subprocess.Popen[bytes], out: IO[bytes], err: IO[bytes], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        out.seek(0)
        line = out.readline()
        if line.endswith(b"\n"):
            return line.decode().strip()
        if proc.poll() is not None or time.monotonic() > deadline:
            err.seek(0)
            reason = (
                f"exited with code {proc.returncode}"
                if proc.returncode is not None
                else f"printed no URL within {timeout:.0f} s"
            )
            raise EmulatorStartError(f"emulator {reason}; stderr:\n{err.read().decode('utf-8', 'replace')}")
        time.sleep(0.02)


def _stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # on Windows this is terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def run_emulator(
    *args: str,
    catalog: str | Path | None = None,
    keys: Sequence[str] = (),
    single_model: str | None = None,
    startup_timeout: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[EmulatorHandle]:
    """Start ``python -m azure_inference.emulator --port 0`` as a subprocess and yield its handle.

    Args:
        *args: Extra command-line flags (e.g. ``"--block", "bomb"``).
        catalog: A catalog TOML file.
        keys: API keys to require.
        single_model: Serve only this model, ignoring ``model`` in bodies.
        startup_timeout: Seconds to wait for the URL line.
        env: Environment for the subprocess (inherits the current one when ``None``).

    Raises:
        EmulatorStartError: When it exits or prints no URL in time; the message holds its stderr.
    """
    cmd = emulator_command(_build_args(catalog, keys, single_model, args))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        try:
            url = _wait_for_url(proc, out, err, startup_timeout)
            with EmulatorControl(url) as control:
                yield EmulatorHandle(url=url, control=control, process=proc, _stderr=err)
        finally:
            _stop(proc, 10.0)


@contextmanager
def run_emulator_in_thread(
    config: Any = None, *, host: str = "127.0.0.1", startup_timeout: float = 10.0
) -> Iterator[EmulatorHandle]:
    """Serve the emulator with uvicorn on a background thread of this process and yield its handle.

    Cheaper than a subprocess (no interpreter start) but shares the process: use it for notebooks and quick
    tests. ``config`` is an :class:`~.config.EmulatorConfig` (defaults when ``None``).
    """
    import uvicorn

    from .app import create_app
    from .faults import DroppableHTTPProtocol

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config), log_level="warning", access_log=False, http=DroppableHTTPProtocol, lifespan="off"
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="azure-inference-emulator"
    )
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise EmulatorStartError("in-process emulator did not start")
            time.sleep(0.01)
        url = f"http://{host}:{port}"
        with EmulatorControl(url) as control:
            yield EmulatorHandle(url=url, control=control)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
