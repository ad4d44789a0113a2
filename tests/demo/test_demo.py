"""``python -m demo`` end to end: a real subprocess that starts the real emulator subprocess.

Checks the output shows every step, the right passages and the deployment switch, and that the emulator is
gone afterwards on a normal end, on Ctrl-C, on SIGTERM and on an error.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from azure_inference.emulator import EmulatorHandle
from tests.conftest import KEYED_EMULATOR_KEY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _env() -> dict[str, str]:
    # Emulator mode whatever the developer's shell has configured.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_INFERENCE_", "DEMO_"))}
    env["NO_COLOR"] = "1"
    return env


def _port(output: str) -> int:
    match = re.search(r"emulator\s+http://127\.0\.0\.1:(\d+)", output)
    assert match, f"no emulator URL in the output:\n{output}"
    return int(match.group(1))


def _assert_closed(port: int) -> None:
    deadline = time.monotonic() + 5
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
        except OSError:
            return
        assert time.monotonic() < deadline, f"the emulator still listens on port {port}"
        time.sleep(0.1)


def test_demo_shows_every_step_and_stops_the_emulator() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=100
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    titles = re.findall(r"^\[(\d)/(\d)\] (.+)$", out, re.MULTILINE)
    assert [(int(n), int(m)) for n, m, _ in titles] == [(i, 7) for i in range(1, 8)]
    names = " | ".join(t for _, _, t in titles)
    for expected in ("chat", "agent loop", "structured output", "RAG chain", "LlamaIndex", "profile 'emulator'"):
        assert expected in names
    assert out.count("done in") == 7
    # The tool loop ran the tool and answered from its result.
    assert "tool call check_stock(" in out
    assert "According to check_stock: Boreal 2 tent: 14 in Duluth" in out
    assert "ReturnRequest(customer='Maria Lopez'" in out
    # Both RAG pipelines answered from the right passage, on both profiles.
    assert out.count("top source is returns.md") == 2
    assert out.count("top source is travel_expenses.md") == 2
    assert "accepts returns of unused gear within 45 days" in out
    assert "daily meal allowance of 60 dollars" in out
    # Which deployment served what, as the emulator recorded it.
    # The first profile is /openai/v1 with a reasoning model; the retired Model Inference API is the second.
    assert "POST /openai/v1/chat/completions o4-mini" in out
    assert "emulator-reasoning (openai-v1, o4-mini)" in out
    assert "POST /models/chat/completions gpt-4o-mini" in out
    assert "emulator (model-inference, gpt-4o-mini)" in out
    assert out.rstrip().endswith("Emulator stopped.")
    _assert_closed(_port(out))


@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGINT, 130, "Interrupted."), (signal.SIGTERM, 143, "Terminated.")]
)
def test_demo_stops_the_emulator_when_interrupted(sig: signal.Signals, code: int, word: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo"], cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "emulator    http://" in line:
                break
        port = _port("".join(lines))
        proc.send_signal(sig)
        rest, err = proc.communicate(timeout=60)
    finally:  # never leave the demo running when an assertion above fails
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out = "".join(lines) + rest
    assert proc.returncode == code, out + err
    assert word in out
    assert "Emulator stopped." in out
    _assert_closed(port)


def test_demo_reports_a_configuration_error_and_stops_the_emulator() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "demo", "--profile", "no-such-profile"],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The demo failed: ConfigurationError: profile 'no-such-profile' not found" in result.stdout
    assert "Emulator stopped." in result.stdout
    _assert_closed(_port(result.stdout))


def test_demo_runs_against_the_configured_endpoint_instead(keyed_emulator: EmulatorHandle) -> None:
    # A key-protected emulator stands in for a real deployment: only the environment says where it is.
    keyed_emulator.control.reset()
    env = _env() | {
        "AZURE_INFERENCE_ENDPOINT": keyed_emulator.endpoint,
        "AZURE_INFERENCE_CREDENTIAL": KEYED_EMULATOR_KEY,
        "AZURE_INFERENCE_ALT_MODEL": "Mistral-large-2411",
    }
    result = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=100
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "AZURE_INFERENCE_ENDPOINT is set: the demo uses your deployment" in out
    assert "emulator    http://" not in out  # no emulator of its own
    assert out.count("done in") == 7
    assert "served by   azure (model-inference, gpt-4o-mini)" in out
    assert "served by   azure-alt (model-inference, Mistral-large-2411)" in out
    assert KEYED_EMULATOR_KEY not in out
    seen = keyed_emulator.control.requests()
    keyed_emulator.control.reset()
    chat_models = {r["body"].get("model") for r in seen if r["path"] == "/models/chat/completions"}
    assert chat_models == {"gpt-4o-mini", "Mistral-large-2411"}
    # The log redacts secrets; the keyed emulator answered 401 to any request without the right key.
    assert all("api-key" in r["headers"] for r in seen)
