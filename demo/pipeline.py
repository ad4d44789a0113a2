"""The demo's steps in order, and what each step may report (served by, requests, source checks)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from azure_inference import Deployment

from .backend import Backend, Target, describe
from .console import Console, StepRecord

__all__ = ["STEPS", "StepContext", "run_pipeline", "step_count"]


@dataclass
class StepContext:
    """What a step function gets: where to print, which target to use, and where to report.

    Attributes:
        console: The demo's console.
        backend: The running backend (emulator handle in emulator mode).
        target: The deployments this step must use.
        record: The step's record in the closing table.
    """

    console: Console
    backend: Backend
    target: Target
    record: StepRecord

    def served(self, deployment: Deployment, model_name: object = None) -> None:
        """Note that ``deployment`` answered this step (``model_name``: what the response said it was)."""
        line = describe(deployment)
        if isinstance(model_name, str) and model_name and model_name != deployment.model:
            line += f" -> {model_name}"
        if line not in self.record.served_by:
            self.record.served_by.append(line)

    def check_source(self, actual: str, expected: str) -> None:
        """Say whether retrieval found the passage that holds the answer (an error on the emulator)."""
        if actual == expected:
            self.console.info("check", f"top source is {expected}, the passage that holds the answer")
            return
        message = f"top source is {actual}, expected {expected}"
        if self.backend.mode == "emulator":
            raise RuntimeError(message)  # deterministic there: a wrong source is a bug
        self.console.info("warning", message + " (a real embedding model may rank differently)")


StepFunction = Callable[[StepContext], None]


def _lazy(module: str, name: str) -> StepFunction:
    # Import the framework only when its step starts, so the first output appears at once and the import
    # time is counted in the step that needs it.
    def run(ctx: StepContext) -> None:
        function: StepFunction = getattr(importlib.import_module(f"demo.{module}"), name)
        function(ctx)

    return run


STEPS: list[tuple[str, StepFunction]] = [
    ("LangChain chat: invoke and stream", _lazy("steps_langchain", "chat")),
    ("LangChain agent loop with tools", _lazy("steps_langchain", "tool_loop")),
    ("LangChain structured output (pydantic)", _lazy("steps_langchain", "structured_output")),
    ("LangChain RAG chain (InMemoryVectorStore)", _lazy("steps_langchain", "rag_chain")),
    ("LlamaIndex VectorStoreIndex query", _lazy("steps_llamaindex", "index_query")),
]
"""Title and function of each step run on the first target."""

SWITCH: list[StepFunction] = [_lazy("steps_langchain", "rag_chain"), _lazy("steps_llamaindex", "index_query")]
"""The pipeline re-run on the second target by the switch step."""


def step_count(has_second: bool) -> int:
    """Steps shown as ``[n/m]``: start-up, the pipeline, and the switch when there is a second target."""
    return 1 + len(STEPS) + (1 if has_second else 0)


def _run(console: Console, backend: Backend, title: str, target: Target, functions: list[StepFunction]) -> None:
    with console.step(title) as record:
        ctx = StepContext(console, backend, target, record)
        backend.forget_requests()
        for function in functions:
            function(ctx)
        for line in record.served_by:
            console.info("served by", line)
        requests = backend.requests_summary()
        if requests is not None:
            console.info("requests", requests.replace(", ", "\n"))


def run_pipeline(console: Console, backend: Backend) -> None:
    """Every step on the first target, then the RAG pipeline again on the second one."""
    for title, function in STEPS:
        _run(console, backend, title, backend.first, [function])
    if backend.second is not None:
        title = f"Same RAG pipeline on profile {backend.second.profile!r} (config only)"
        _run(console, backend, title, backend.second, SWITCH)
