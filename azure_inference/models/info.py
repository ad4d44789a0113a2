"""``GET /info`` (docs/wire.md §7)."""

from __future__ import annotations

from typing import Literal

from ._base import WireModel

__all__ = ["ModelInfo", "ModelType", "normalize_model_type"]

ModelType = Literal[
    "chat-completion",
    "embeddings",
    "image-embeddings",
    "text-generation",
    "image-generation",
    "audio-generation",
    "unknown",
]

_ALIASES: dict[str, ModelType] = {}
for _canon, _names in {
    "chat-completion": (
        "chat-completion",
        "chat_completion",
        "chat-completions",
        "chat_completions",
        "chat",
        "completion",
        "chat completion",
        "chat completions",
    ),
    "embeddings": (
        "embeddings",
        "embedding",
        "text_embedding",
        "text-embeddings",
        "text-embedding",
        "text embedding",
        "text embeddings",
    ),
    "image-embeddings": (
        "image_embeddings",
        "image_embedding",
        "image-embeddings",
        "image-embedding",
        "image embedding",
        "image embeddings",
    ),
    "text-generation": ("text-generation", "text_generation", "text generation"),
    "image-generation": ("image-generation", "image_generation", "image generation"),
    "audio-generation": ("audio-generation", "audio_generation", "audio generation"),
}.items():
    for _name in _names:
        _ALIASES[_name] = _canon  # type: ignore[assignment]


def normalize_model_type(value: str) -> ModelType:
    """Map the spec's, the SDK's and the docs' spellings (docs/wire.md §7, Δ10) to one canonical name."""
    return _ALIASES.get(value.strip().lower(), "unknown")


class ModelInfo(WireModel):
    """What ``/info`` says about the deployed model."""

    model_name: str
    """The model's name, e.g. ``Phi-4``."""
    model_type: str
    """The model type as the service spelled it; see ``type`` for the canonical form."""
    model_provider_name: str
    """The provider, e.g. ``Microsoft``."""

    @property
    def type(self) -> ModelType:
        """The canonical model type (``chat-completion``, ``embeddings``, ...)."""
        return normalize_model_type(self.model_type)
