"""Known model capabilities, for LangChain's ``profile`` and for choosing defaults without a network call.

The table is matched by model (or deployment) name: exact match first (case-insensitive, as Azure deployment
names are), then the longest known prefix (``gpt-4o-mini-2024-07-18`` → ``gpt-4o-mini``). ``/info`` gives the
model name of single-model endpoints; the table gives what the model can do. Users override any entry with
``profile=``.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import ModelProfile

__all__ = ["KNOWN_MODELS", "lookup_profile", "profile_from_info"]


def _p(ctx: int, out: int, **caps: bool) -> dict[str, Any]:
    base: dict[str, Any] = {
        "max_input_tokens": ctx,
        "max_output_tokens": out,
        "text_inputs": True,
        "text_outputs": True,
        "tool_calling": False,
        "tool_choice": False,
        "structured_output": False,
        "image_inputs": False,
        "image_url_inputs": False,
        "audio_inputs": False,
        "reasoning_output": False,
    }
    if caps.pop("tools", False):
        base.update(tool_calling=True, tool_choice=True, tool_call_streaming=True)
    if caps.pop("images", False):
        base.update(image_inputs=True, image_url_inputs=True)
    base.update(caps)
    return base


KNOWN_MODELS: dict[str, dict[str, Any]] = {
    "gpt-4o": _p(128_000, 16_384, tools=True, images=True, structured_output=True),
    "gpt-4o-mini": _p(128_000, 16_384, tools=True, images=True, structured_output=True),
    "gpt-4.1": _p(1_047_576, 32_768, tools=True, images=True, structured_output=True),
    "gpt-4.1-mini": _p(1_047_576, 32_768, tools=True, images=True, structured_output=True),
    "gpt-4.1-nano": _p(1_047_576, 32_768, tools=True, images=True, structured_output=True),
    "gpt-35-turbo": _p(16_385, 4_096, tools=True),
    "o1": _p(200_000, 100_000, tools=True, images=True, structured_output=True, reasoning_output=True),
    "o3-mini": _p(200_000, 100_000, tools=True, structured_output=True, reasoning_output=True),
    "o4-mini": _p(200_000, 100_000, tools=True, images=True, structured_output=True, reasoning_output=True),
    "mistral-small": _p(32_000, 4_096, tools=True),
    "mistral-large": _p(128_000, 4_096, tools=True),
    "mistral-large-2411": _p(128_000, 4_096, tools=True),
    "mistral-nemo": _p(128_000, 4_096, tools=True),
    "ministral-3b": _p(128_000, 4_096, tools=True),
    "codestral": _p(256_000, 4_096),
    "phi-3.5-mini-instruct": _p(128_000, 4_096),
    "phi-3.5-vision-instruct": _p(128_000, 4_096, images=True),
    "phi-4": _p(16_384, 4_096),
    "phi-4-mini-instruct": _p(128_000, 4_096, tools=True),
    "phi-4-multimodal-instruct": _p(128_000, 4_096, images=True, audio_inputs=True),
    "phi-4-reasoning": _p(32_768, 32_768, reasoning_output=True),
    "deepseek-r1": _p(128_000, 32_768, reasoning_output=True),
    "deepseek-r1-think": _p(128_000, 32_768, reasoning_output=True),
    "deepseek-v3": _p(128_000, 8_192, tools=True),
    "meta-llama-3.1-8b-instruct": _p(128_000, 4_096, tools=True),
    "meta-llama-3.1-70b-instruct": _p(128_000, 4_096, tools=True),
    "meta-llama-3.1-405b-instruct": _p(128_000, 4_096, tools=True),
    "llama-3.2-11b-vision-instruct": _p(128_000, 4_096, images=True),
    "llama-3.2-90b-vision-instruct": _p(128_000, 4_096, images=True),
    "llama-3.3-70b-instruct": _p(128_000, 4_096, tools=True),
    "cohere-command-r": _p(128_000, 4_096, tools=True),
    "cohere-command-r-plus": _p(128_000, 4_096, tools=True),
    "cohere-command-a": _p(256_000, 8_192, tools=True),
    "ai21-jamba-1.5-large": _p(256_000, 4_096, tools=True),
    "gpt-35-turbo-instruct": _p(4_096, 4_096),
}
"""Capabilities by lower-case model name (LangChain ``ModelProfile`` keys)."""

# Embedding models: which accept ``input_type`` (asymmetric query/document embeddings) and ``dimensions``.
EMBEDDING_MODELS: dict[str, dict[str, Any]] = {
    "text-embedding-3-small": {"dimensions": 1536, "supports_dimensions": True, "input_type": False},
    "text-embedding-3-large": {"dimensions": 3072, "supports_dimensions": True, "input_type": False},
    "text-embedding-ada-002": {"dimensions": 1536, "supports_dimensions": False, "input_type": False},
    "cohere-embed-v3-english": {"dimensions": 1024, "supports_dimensions": False, "input_type": True},
    "cohere-embed-v3-multilingual": {"dimensions": 1024, "supports_dimensions": False, "input_type": True},
    "embed-v-4-0": {"dimensions": 1536, "supports_dimensions": True, "input_type": True},
}


def _match(table: dict[str, dict[str, Any]], name: str | None) -> dict[str, Any] | None:
    if not name:
        return None
    key = name.lower()
    if key in table:
        return table[key]
    prefixes = [k for k in table if key.startswith(k + "-") or key.startswith(k + "_")]
    return table[max(prefixes, key=len)] if prefixes else None


def lookup_profile(name: str | None) -> ModelProfile | None:
    """The known profile of a model name, or ``None`` when the model is unknown (pure)."""
    found = _match(KNOWN_MODELS, name)
    return ModelProfile(**found) if found is not None else None  # type: ignore[typeddict-item]


def lookup_embedding(name: str | None) -> dict[str, Any] | None:
    """What is known about an embedding model (``input_type`` and ``dimensions`` support), or ``None``."""
    return _match(EMBEDDING_MODELS, name)


def profile_from_info(model_name: str, model_type: str) -> ModelProfile | None:
    """A profile for what ``/info`` reports: the table entry for its name, else nothing (the type alone is thin)."""
    del model_type  # /info's model_type says "chat-completion" for every chat model: no capability in it
    return lookup_profile(model_name)
