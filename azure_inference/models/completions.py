"""``POST /completions``: legacy text completion (docs/wire.md §8)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import WireModel
from .usage import CompletionsUsage

__all__ = ["CompletionChoice", "Completions"]


class CompletionChoice(WireModel):
    """One text alternative."""

    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    logprobs: dict[str, Any] | None = None


class Completions(WireModel):
    """A text completion, or one chunk of a streamed one (same shape, docs/wire.md §8)."""

    id: str = ""
    object: str = "text_completion"
    created: int = 0
    model: str = ""
    choices: list[CompletionChoice] = Field(default_factory=list)
    usage: CompletionsUsage | None = None
    system_fingerprint: str | None = None

    @property
    def text(self) -> str:
        """The first choice's text."""
        return self.choices[0].text if self.choices else ""
