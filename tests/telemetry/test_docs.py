"""The in-memory example of docs/telemetry.md runs as written against the emulator subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from azure_inference.emulator import EmulatorHandle

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "telemetry.md"


def test_in_memory_example_prints_the_span_tree_and_token_metrics(emu: EmulatorHandle) -> None:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: in-memory -->\n```python\n(.*?)```", text, re.S)
    assert match is not None, "docs/telemetry.md lost its in-memory example"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_INFERENCE_", "OTEL_"))}
    env["AZURE_INFERENCE_ENDPOINT"] = emu.endpoint
    done = subprocess.run([sys.executable, "-c", match.group(1)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" {")[0] for line in lines[:3]] == [
        "  embeddings text-embedding-3-small",
        "  chat gpt-4o-mini",
        "rag query",
    ]
    assert re.fullmatch(r"  chat gpt-4o-mini \{'input_tokens': \d+, 'output_tokens': \d+\}", lines[1])
    tokens = sorted(line.rsplit(" ", 1)[0] for line in lines[3:])
    assert tokens == [
        "gen_ai.client.token.usage chat input",
        "gen_ai.client.token.usage chat output",
        "gen_ai.client.token.usage embeddings input",
    ]
