"""An emulator subprocess with a reasoning deployment under a name the known-model table does not know.

``my-reasoner`` behaves as o4-mini does on the service (the emulator's own o4-mini entry, docs/wire.md §V1.2.1):
``max_tokens`` refused for ``max_completion_tokens``, sampling fields only at their default, no ``stop``.
Used by the transport, LangChain and LlamaIndex end-to-end tests of self-adapting requests (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from azure_inference.emulator import EmulatorHandle, run_emulator

REASONER = "my-reasoner"

CATALOG = f"""
[models."{REASONER}"]
provider = "OpenAI"
tools = true
json_schema = true
json_object = true
reasoning = true
hide_reasoning = true
token_param = "max_completion_tokens"
refused_params = ["logprobs", "top_logprobs", "logit_bias", "stop"]
default_only_params = ["temperature", "top_p", "presence_penalty", "frequency_penalty"]
reasoning_efforts = ["low", "medium", "high"]
"""


@contextmanager
def reasoner_emulator(directory: Path) -> Iterator[EmulatorHandle]:
    """Start the emulator with ``my-reasoner`` added to the built-in catalog (written under ``directory``)."""
    path = directory / "reasoner.toml"
    path.write_text(CATALOG)
    with run_emulator(catalog=path) as handle:
        yield handle


def chat_posts(handle: EmulatorHandle) -> list[dict[str, object]]:
    """The bodies of the chat requests the emulator received, oldest first."""
    return [r["body"] for r in handle.control.requests("/chat/completions")]
