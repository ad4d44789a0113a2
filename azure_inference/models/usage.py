"""Token usage objects shared by chat, completions and embeddings."""

from __future__ import annotations

from ._base import WireModel

__all__ = ["CompletionTokensDetails", "CompletionsUsage", "EmbeddingsUsage", "PromptTokensDetails"]


class CompletionTokensDetails(WireModel):
    """Breakdown of output tokens (S25 adds ``reasoning_tokens``)."""

    audio_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None


class PromptTokensDetails(WireModel):
    """Breakdown of input tokens."""

    audio_tokens: int | None = None
    cached_tokens: int | None = None


class CompletionsUsage(WireModel):
    """Token counts of a chat or text completion."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    completion_tokens_details: CompletionTokensDetails | None = None
    prompt_tokens_details: PromptTokensDetails | None = None


class EmbeddingsUsage(WireModel):
    """Token counts of an embeddings call."""

    prompt_tokens: int = 0
    total_tokens: int = 0
