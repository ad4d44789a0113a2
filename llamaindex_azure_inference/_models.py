"""What we know about common Azure model deployments, so ``metadata`` needs no network call.

Each entry gives the context window, the output budget and which request features the model accepts. Names
are matched case-insensitively, first exactly, then by the longest known prefix (``gpt-4o-2024-08-06`` is a
``gpt-4o``). The emulator's default catalog (``azure_inference/emulator/catalog.py``) is covered by name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ModelCaps", "lookup_model"]


@dataclass(frozen=True)
class ModelCaps:
    """Capabilities of one model family.

    Attributes:
        context_window: prompt + completion tokens.
        num_output: the largest completion the model produces.
        tools: accepts ``tools`` / ``tool_choice``.
        json_schema: accepts ``response_format`` of type ``json_schema``.
        text_generation: a legacy text model served on ``/completions`` rather than ``/chat/completions``.
        input_type: an embedding model that accepts ``input_type`` (query vs document).
    """

    context_window: int
    num_output: int = 4096
    tools: bool = True
    json_schema: bool = False
    text_generation: bool = False
    input_type: bool = False


_OPENAI_4O = ModelCaps(128_000, 16_384, tools=True, json_schema=True)
_REASONING_O = ModelCaps(200_000, 100_000, tools=True, json_schema=True)

KNOWN_MODELS: dict[str, ModelCaps] = {
    # OpenAI family (Azure OpenAI and Foundry deployments)
    "gpt-4o": _OPENAI_4O,
    "gpt-4o-mini": _OPENAI_4O,
    "gpt-4.1": ModelCaps(1_047_576, 32_768, json_schema=True),
    "gpt-4.1-mini": ModelCaps(1_047_576, 32_768, json_schema=True),
    "gpt-4.1-nano": ModelCaps(1_047_576, 32_768, json_schema=True),
    "gpt-5": ModelCaps(400_000, 128_000, json_schema=True),
    "gpt-4-turbo": ModelCaps(128_000, 4_096),
    "gpt-4-32k": ModelCaps(32_768, 4_096),
    "gpt-4": ModelCaps(8_192, 4_096),
    "gpt-35-turbo-16k": ModelCaps(16_385, 4_096),
    "gpt-35-turbo-instruct": ModelCaps(4_096, 4_096, tools=False, text_generation=True),
    "gpt-35-turbo": ModelCaps(16_385, 4_096),
    "o1": _REASONING_O,
    "o1-mini": ModelCaps(128_000, 65_536, tools=False),
    "o3": _REASONING_O,
    "o3-mini": _REASONING_O,
    "o4-mini": _REASONING_O,
    # Mistral
    "mistral-large": ModelCaps(128_000, 4_096),
    "mistral-large-2411": ModelCaps(128_000, 4_096),
    "mistral-small": ModelCaps(32_000, 4_096),
    "mistral-nemo": ModelCaps(128_000, 4_096),
    "ministral-3b": ModelCaps(128_000, 4_096),
    "codestral": ModelCaps(256_000, 4_096, tools=False),
    # Meta
    "meta-llama-3.1-405b-instruct": ModelCaps(128_000, 4_096),
    "meta-llama-3.1-70b-instruct": ModelCaps(128_000, 4_096),
    "meta-llama-3.1-8b-instruct": ModelCaps(128_000, 4_096),
    "llama-3.3-70b-instruct": ModelCaps(128_000, 4_096),
    "llama-4": ModelCaps(128_000, 8_192),
    # Microsoft Phi
    "phi-3.5-mini-instruct": ModelCaps(128_000, 4_096, tools=False),
    "phi-3.5-moe-instruct": ModelCaps(128_000, 4_096, tools=False),
    "phi-3.5-vision-instruct": ModelCaps(128_000, 4_096, tools=False),
    "phi-3": ModelCaps(4_096, 4_096, tools=False),
    "phi-4": ModelCaps(16_384, 4_096, tools=False),
    "phi-4-mini-instruct": ModelCaps(128_000, 4_096),
    "phi-4-multimodal-instruct": ModelCaps(128_000, 4_096, tools=False),
    # DeepSeek (reasoning content, no tools on R1)
    "deepseek-r1": ModelCaps(128_000, 32_768, tools=False),
    "deepseek-r1-think": ModelCaps(128_000, 32_768, tools=False),
    "deepseek-v3": ModelCaps(128_000, 8_192),
    # Cohere
    "cohere-command-r-plus": ModelCaps(128_000, 4_096),
    "cohere-command-r": ModelCaps(128_000, 4_096),
    "cohere-command-a": ModelCaps(256_000, 8_192),
    # Embeddings
    "text-embedding-3-small": ModelCaps(8_191, 0, tools=False),
    "text-embedding-3-large": ModelCaps(8_191, 0, tools=False),
    "text-embedding-ada-002": ModelCaps(8_191, 0, tools=False),
    "cohere-embed-v3-english": ModelCaps(512, 0, tools=False, input_type=True),
    "cohere-embed-v3-multilingual": ModelCaps(512, 0, tools=False, input_type=True),
    "embed-v-4-0": ModelCaps(128_000, 0, tools=False, input_type=True),
}

_BY_LENGTH = sorted(KNOWN_MODELS, key=len, reverse=True)


def lookup_model(name: str | None) -> ModelCaps | None:
    """The capabilities of ``name`` (exact, else longest known prefix), or None when unknown."""
    if not name:
        return None
    key = name.lower()
    if key in KNOWN_MODELS:
        return KNOWN_MODELS[key]
    for known in _BY_LENGTH:
        if key.startswith(known):
            return KNOWN_MODELS[known]
    return None
