"""The examples in the five public class docstrings run as written against a real emulator subprocess.

Each class docstring is laid out in the LangChain integration-docs style: ``.. code-block:: python`` examples that
build on each other (instantiate, invoke, stream, ...), each optionally followed by a ``.. code-block:: text``
block showing what it prints. The Python blocks of one class run, in order, as one script in a fresh interpreter
with the ``export`` lines of its ``Setup`` block pointed at the emulator; every line of every ``text`` block must
then appear in the script's output. So an example that stops working, or whose shown output drifts, fails here.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_inference.emulator import EmulatorHandle, run_emulator

pytestmark = pytest.mark.e2e

CLASSES = [
    ("langchain_azure_inference", "ChatAzureInference"),
    ("langchain_azure_inference", "AzureInferenceLLM"),
    ("langchain_azure_inference", "AzureInferenceEmbeddings"),
    ("llamaindex_azure_inference", "AzureInference"),
    ("llamaindex_azure_inference", "AzureInferenceEmbedding"),
]
# The sections the brief asks every class to have (the chat classes add tools, structured output, usage).
COMMON = ("Setup:", "Instantiate:", "Async:")
CHAT = ("Invoke:", "Stream:", "Tool calling:", "Structured output:")
BLOCK = re.compile(r"^( *)\.\. code-block:: (\w+)\n\n((?:\1 {4}.*\n|\n)+)", re.M)


def docstring(module: str, name: str) -> str:
    cls = getattr(pytest.importorskip(module), name)
    doc = inspect.getdoc(cls)
    assert doc, f"{module}.{name} has no docstring"
    return doc + "\n"


def code_blocks(doc: str) -> list[tuple[str, str]]:
    """``(language, dedented code)`` of every ``.. code-block::`` in ``doc``, in order."""
    return [(m.group(2), textwrap.dedent(m.group(3)).strip("\n") + "\n") for m in BLOCK.finditer(doc)]


@pytest.fixture(scope="module")
def docs_emulator() -> Iterator[EmulatorHandle]:
    with run_emulator() as handle:
        yield handle


IDS = [name for _, name in CLASSES]


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=IDS)
def test_docstring_has_the_integration_sections(module: str, name: str) -> None:
    doc = docstring(module, name)
    wanted = COMMON + (CHAT if name in ("ChatAzureInference", "AzureInference") else ())
    missing = [section for section in wanted if f"\n{section}\n" not in doc]
    assert not missing, f"{name}'s docstring lacks the sections {missing}"
    languages = [language for language, _ in code_blocks(doc)]
    assert languages.count("python") >= 3
    assert "text" in languages, "the examples show what they print"
    assert ">>>" not in doc, "examples are code blocks run by this test, not doctest lines it would skip"


@pytest.mark.parametrize(("module", "name"), CLASSES, ids=IDS)
def test_docstring_examples_run_and_print_what_they_show(
    module: str, name: str, docs_emulator: EmulatorHandle, tmp_path: Path
) -> None:
    blocks = code_blocks(docstring(module, name))
    script = "\n".join(code for language, code in blocks if language == "python")
    compile(script, f"<{name} docstring>", "exec")  # a syntax error names the class before anything runs
    setup = next(code for language, code in blocks if language == "bash")
    exports = dict(re.findall(r'^export (\w+)="([^"]*)"', setup, re.M))
    assert exports["AZURE_INFERENCE_ENDPOINT"].endswith("/openai/v1"), "the docstrings lead with /openai/v1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_INFERENCE_")}
    env.update(exports)
    env["AZURE_INFERENCE_ENDPOINT"] = f"{docs_emulator.url}/openai/v1"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{name} docstring examples failed:\n{script}\n--- stderr ---\n{done.stderr[-3000:]}"
    printed = done.stdout.splitlines()
    for language, shown in blocks:
        if language == "text":
            for line in shown.splitlines():
                assert line in printed, f"{name} docstring shows {line!r}, the examples printed:\n{done.stdout}"
    assert docs_emulator.control.health()["internal_errors"] == 0
