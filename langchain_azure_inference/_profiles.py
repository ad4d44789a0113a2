"""LangChain views of the shared known-model table (``azure_inference.known_models``).

``profile`` is a LangChain ``ModelProfile`` built from the model's card; embeddings read ``input_type`` and
``dimensions`` support from it. Matching (exact, else longest known name before a ``-`` / ``_`` suffix) is the
table's. Users override any entry with ``profile=``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import ModelProfile

from azure_inference.known_models import KNOWN_MODELS, ModelCard, lookup_model

__all__ = ["KNOWN_MODELS", "lookup_embedding", "lookup_profile", "profile_from_card", "profile_from_info"]


def profile_from_card(card: ModelCard) -> ModelProfile:
    """The LangChain ``ModelProfile`` of a chat or text model's card (pure)."""
    profile = ModelProfile(
        max_input_tokens=card.context_window,
        max_output_tokens=card.max_output_tokens,
        text_inputs=True,
        text_outputs=True,
        tool_calling=card.tools,
        tool_choice=card.tools,
        structured_output=card.json_schema,
        image_inputs=card.images,
        image_url_inputs=card.images,
        audio_inputs=card.audio,
        reasoning_output=card.reasoning,
    )
    if card.tools:  # tool-call deltas stream wherever tools are accepted (docs/wire.md streaming)
        profile["tool_call_streaming"] = True
    return profile


def lookup_profile(name: str | None) -> ModelProfile | None:
    """The known profile of a chat or text model name, or ``None`` when unknown or an embedding model (pure)."""
    card = lookup_model(name)
    return profile_from_card(card) if card is not None and not card.is_embedding else None


def lookup_embedding(name: str | None) -> dict[str, Any] | None:
    """What is known about an embedding model (``dimensions``, ``supports_dimensions``, ``input_type``), or ``None``."""
    card = lookup_model(name)
    if card is None or not card.is_embedding:
        return None
    return {
        "dimensions": card.dimensions,
        "supports_dimensions": card.supports_dimensions,
        "input_type": card.input_type,
    }


def profile_from_info(model_name: str, model_type: str) -> ModelProfile | None:
    """A profile for what ``/info`` reports: the table entry for its name, else nothing (the type alone is thin)."""
    del model_type  # /info's model_type says "chat-completion" for every chat model: no capability in it
    return lookup_profile(model_name)
