"""Fold a text-completion stream (``POST /completions``, docs/wire.md §8) into one ``Completions``. Pure, no I/O."""

from __future__ import annotations

from .models.completions import CompletionChoice, Completions
from .models.usage import CompletionsUsage

__all__ = ["CompletionAccumulator"]


class CompletionAccumulator:
    """Folds ``/completions`` stream chunks (docs/wire.md §8) into one ``Completions``: the first choice's text."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.last: Completions | None = None
        self.usage: CompletionsUsage | None = None
        self.chunks = 0

    def fold(self, chunk: Completions) -> None:
        """Fold one chunk in."""
        self.chunks += 1
        self.last = chunk
        if chunk.usage is not None:  # on the finishing chunk, or on a usage-only chunk after it
            self.usage = chunk.usage
        for choice in chunk.choices:
            if choice.index == 0:
                self.parts.append(choice.text)
                self.finish_reason = choice.finish_reason or self.finish_reason

    @property
    def finished(self) -> bool:
        """True once the first choice has a finish_reason."""
        return self.finish_reason is not None

    @property
    def text(self) -> str:
        """The first choice's text so far."""
        return "".join(self.parts)

    def result(self) -> Completions:
        """The whole completion as if it had not been streamed."""
        last = self.last or Completions()
        return Completions(
            id=last.id,
            created=last.created,
            model=last.model,
            usage=self.usage,
            choices=[CompletionChoice(index=0, text=self.text, finish_reason=self.finish_reason)],
        )
