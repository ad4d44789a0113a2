"""The command line: URL on the first line, clean exit 0 on SIGTERM and SIGINT, config errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from azure_inference.emulator import EmulatorStartError, run_emulator
from azure_inference.emulator.testing import emulator_command

pytestmark = pytest.mark.e2e


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(emulator_command(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    return proc, line


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_first_line_is_url_and_signal_exits_zero(sig: signal.Signals) -> None:
    proc, line = _start()
    try:
        assert line.startswith("http://127.0.0.1:")
        assert line.endswith("\n")
        url = line.strip()
        port = int(url.rsplit(":", 1)[1])
        assert port > 0
        r = httpx.get(url + "/_emulator/health", timeout=10)
        assert r.json()["status"] == "ok"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
        assert proc.returncode == 0, err.decode()
        assert url not in out.decode().splitlines()  # the URL line came once, first
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_bad_catalog_exits_2_with_message() -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write('[models."x"]\ntype = "bogus"\n')
    try:
        proc = subprocess.run(emulator_command(["--catalog", fh.name]), capture_output=True, timeout=30)
        assert proc.returncode == 2
        assert b"unknown type" in proc.stderr
    finally:
        Path(fh.name).unlink()


def test_run_emulator_reports_startup_failure_with_stderr() -> None:
    with pytest.raises(EmulatorStartError, match="single-model"), run_emulator(single_model="missing"):
        pass  # pragma: no cover


def test_run_emulator_terminates_process() -> None:
    with run_emulator("--model", "my-chat") as emu:
        proc = emu.process
        assert proc is not None
        assert emu.control.config()["defaults"]["chat-completion"] == "my-chat"
    assert proc.returncode == 0


def test_console_entry_point_main_parses_flags() -> None:
    from azure_inference.emulator.__main__ import build_parser, config_from_args

    args = build_parser().parse_args(
        [
            "--key",
            "k",
            "--block",
            "bomb:violence",
            "--block-output",
            "secret",
            "--fault",
            '{"kind": "status", "status": 503, "times": 1}',
            "--model",
            "vec=embeddings",
            "--latency-ms",
            "5",
        ]
    )
    cfg = config_from_args(args)
    assert cfg.keys == ("k",)
    assert cfg.prompt_blocklist == {"bomb": "violence"}
    assert cfg.output_blocklist == {"secret": "violence"}
    assert cfg.faults[0].status == 503
    assert cfg.latency_ms == 5
    assert cfg.catalog.defaults["embeddings"] == "vec"


def test_sigterm_during_inflight_stream_still_exits_zero() -> None:
    proc, line = _start("--latency-ms", "300")
    try:
        url = line.strip()
        with httpx.Client(timeout=10) as client:
            t0 = time.monotonic()
            client.post(
                url + "/chat/completions",
                params={"api-version": "2025-05-01"},
                json={"messages": [{"role": "user", "content": "x"}]},
            )
            assert time.monotonic() - t0 >= 0.3
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_module_runs_as_python_dash_m() -> None:
    assert emulator_command()[:3] == [sys.executable, "-m", "azure_inference.emulator"]


def test_start_output_names_the_endpoint_of_each_surface() -> None:
    # Issue 18: the base URL alone as AZURE_INFERENCE_ENDPOINT fails with MissingApiVersionParameter; the
    # emulator prints what to paste for each surface, and each of them answers a chat call as printed.
    from azure_inference import InferenceClient

    proc = subprocess.Popen(emulator_command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().decode() for _ in range(7)]
        url = lines[0].strip()
        assert url.startswith("http://127.0.0.1:")  # still the first line, alone
        text = "".join(lines[1:])
        endpoints = {
            "OpenAI v1": url + "/openai/v1",
            "Model Inference": url + "/models",
            "deployment": url + "/openai/deployments/gpt-4o-mini",
            "OpenAI-compatible": url + "/v1",
        }
        for label, endpoint in endpoints.items():
            (line,) = [x for x in lines[1:] if label in x]
            assert line.split()[-1] == endpoint or f" {endpoint} " in line, line
            with InferenceClient(endpoint=endpoint, model="gpt-4o-mini") as client:
                reply = client.chat([{"role": "user", "content": "hi"}])
            assert "emulated" in (reply.content or ""), label
        assert "api-version" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)


def test_printed_default_api_version_is_the_transports() -> None:
    from azure_inference.config import DEFAULT_API_VERSIONS, Surface
    from azure_inference.emulator.__main__ import DEFAULT_API_VERSION
    from azure_inference.emulator.validation import API_VERSIONS

    assert DEFAULT_API_VERSIONS[Surface.MODEL_INFERENCE] == DEFAULT_API_VERSION
    assert DEFAULT_API_VERSION in API_VERSIONS


BLOCK_EXTRA = "import sys; sys.modules[{name!r}] = None; "


@pytest.mark.parametrize("missing", ["starlette", "uvicorn", "jsonschema"])
@pytest.mark.parametrize("how", ["module", "script"])
def test_without_the_emulator_extra_the_error_names_it(missing: str, how: str) -> None:
    # Issue 18: a raw ModuleNotFoundError('starlette') told a user nothing. The extra's modules are hidden
    # (None in sys.modules makes their import fail as if they were not installed).
    script = Path(sys.executable).with_name("azure-inference-emulator")
    run = (
        "import runpy; runpy.run_module('azure_inference.emulator', run_name='__main__')"
        if how == "module"
        else f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')"
    )
    if how == "script" and not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK_EXTRA.format(name=missing) + run, "--port", "0"],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode != 0
    err = proc.stderr.decode()
    assert "ImportError" in err
    assert 'pip install "azure-inference-adapters[emulator]"' in err
    assert f"{missing} is not installed" in err
