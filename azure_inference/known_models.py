"""What we know about common Azure model deployments, so adapters choose defaults without a network call.

One table, framework-neutral: the LangChain adapter turns a card into a ``ModelProfile``, the LlamaIndex adapter
into ``LLMMetadata``. ``/info`` names the model behind a single-model endpoint; this table says what it can do.

Names match case-insensitively (Azure deployment names are case-insensitive): exactly, else by the longest
known name followed by ``-`` or ``_`` (``gpt-4o-mini-2024-07-18`` is a ``gpt-4o-mini``, ``gpt-4o-2024-08-06`` a
``gpt-4o``). A ``.`` does not delimit, because it is part of version numbers: ``phi-3.5-foo`` is not a ``phi-3``
and ``gpt-4.1-mini`` is not a ``gpt-4``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["KNOWN_MODELS", "ModelCard", "lookup_model"]


@dataclass(frozen=True)
class ModelCard:
    """What one model family accepts and returns.

    Attributes:
        context_window: Prompt + completion tokens (for embeddings: the longest input).
        max_output_tokens: The largest completion the model produces (0 for embedding models).
        tools: Accepts ``tools`` / ``tool_choice``.
        json_schema: Accepts ``response_format`` of type ``json_schema`` (structured output).
        images: Accepts ``image_url`` content parts.
        audio: Accepts audio content parts.
        reasoning: A reasoning model: thinks before answering (``reasoning_content`` or ``<think>`` text).
        text_generation: A legacy text model served on ``/completions`` rather than ``/chat/completions``.
        dimensions: Default embedding size; ``None`` for models that are not embedding models.
        supports_dimensions: An embedding model that accepts the ``dimensions`` request field.
        input_type: An embedding model that accepts ``input_type`` (query vs document).
    """

    context_window: int
    max_output_tokens: int = 4_096
    tools: bool = False
    json_schema: bool = False
    images: bool = False
    audio: bool = False
    reasoning: bool = False
    text_generation: bool = False
    dimensions: int | None = None
    supports_dimensions: bool = False
    input_type: bool = False

    @property
    def is_embedding(self) -> bool:
        """True for embedding models (they have ``dimensions``)."""
        return self.dimensions is not None


def _embed(context: int, dimensions: int, *, supports_dimensions: bool = False, input_type: bool = False) -> ModelCard:
    return ModelCard(context, 0, dimensions=dimensions, supports_dimensions=supports_dimensions, input_type=input_type)


_GPT_4O = ModelCard(128_000, 16_384, tools=True, json_schema=True, images=True)
_GPT_41 = ModelCard(1_047_576, 32_768, tools=True, json_schema=True, images=True)
_O_SERIES = ModelCard(200_000, 100_000, tools=True, json_schema=True, images=True, reasoning=True)
_LLAMA_31 = ModelCard(128_000, 4_096, tools=True)
_LLAMA_VISION = ModelCard(128_000, 4_096, images=True)
_COHERE_EMBED_V3 = _embed(512, 1024, input_type=True)

# Where the two former adapter tables disagreed, the entry follows the Azure model card:
# - gpt-4.1*: tools=True (the LlamaIndex table relied on its tools=True default, so both agreed) and images=True.
# - o1-mini: no tools, no structured output, no images (Azure's o1-mini accepts none of them); o1 / o3 / o4-mini do.
# - o3-mini: no images (text-only on Azure); o-series are reasoning models, as LangChain's table said.
# - gpt-4 / gpt-4-32k / gpt-35-turbo(-16k): function calling since the 0613 versions, so tools=True.
# - llama-4: multimodal with tool calling on Azure; the conservative 128k context of the LlamaIndex table is kept
#   (deployments differ, and a smaller window is the safe side).
# - Embedding entries merge the LlamaIndex context sizes with LangChain's dimensions / input_type facts.
_TABLE: dict[str, ModelCard] = {
    # OpenAI (Azure OpenAI and Foundry deployments)
    "gpt-4o": _GPT_4O,
    "gpt-4o-mini": _GPT_4O,
    "gpt-4.1": _GPT_41,
    "gpt-4.1-mini": _GPT_41,
    "gpt-4.1-nano": _GPT_41,
    "gpt-5": ModelCard(400_000, 128_000, tools=True, json_schema=True, images=True, reasoning=True),
    "gpt-4-turbo": ModelCard(128_000, 4_096, tools=True, images=True),
    "gpt-4-32k": ModelCard(32_768, 4_096, tools=True),
    "gpt-4": ModelCard(8_192, 4_096, tools=True),
    "gpt-35-turbo": ModelCard(16_385, 4_096, tools=True),
    "gpt-35-turbo-16k": ModelCard(16_385, 4_096, tools=True),
    "gpt-35-turbo-instruct": ModelCard(4_096, 4_096, text_generation=True),
    "o1": _O_SERIES,
    "o1-mini": ModelCard(128_000, 65_536, reasoning=True),
    "o3": _O_SERIES,
    "o3-mini": ModelCard(200_000, 100_000, tools=True, json_schema=True, reasoning=True),
    "o4-mini": _O_SERIES,
    # Mistral (json_object only: no json_schema on the Model Inference API)
    "mistral-small": ModelCard(32_000, 4_096, tools=True),
    "mistral-large": ModelCard(128_000, 4_096, tools=True),
    "mistral-large-2411": ModelCard(128_000, 4_096, tools=True),
    "mistral-nemo": ModelCard(128_000, 4_096, tools=True),
    "ministral-3b": ModelCard(128_000, 4_096, tools=True),
    "codestral": ModelCard(256_000, 4_096),
    # Meta
    "meta-llama-3.1-8b-instruct": _LLAMA_31,
    "meta-llama-3.1-70b-instruct": _LLAMA_31,
    "meta-llama-3.1-405b-instruct": _LLAMA_31,
    "llama-3.2-11b-vision-instruct": _LLAMA_VISION,
    "llama-3.2-90b-vision-instruct": _LLAMA_VISION,
    "llama-3.3-70b-instruct": _LLAMA_31,
    "llama-4": ModelCard(128_000, 8_192, tools=True, images=True),
    # Microsoft Phi
    "phi-3": ModelCard(4_096, 4_096),
    "phi-3.5-mini-instruct": ModelCard(128_000, 4_096),
    "phi-3.5-moe-instruct": ModelCard(128_000, 4_096),
    "phi-3.5-vision-instruct": ModelCard(128_000, 4_096, images=True),
    "phi-4": ModelCard(16_384, 4_096),
    "phi-4-mini-instruct": ModelCard(128_000, 4_096, tools=True),
    "phi-4-multimodal-instruct": ModelCard(128_000, 4_096, images=True, audio=True),
    "phi-4-reasoning": ModelCard(32_768, 32_768, reasoning=True),
    # DeepSeek (R1: reasoning, no tools; the -think deployment puts it in <think> tags)
    "deepseek-r1": ModelCard(128_000, 32_768, reasoning=True),
    "deepseek-r1-think": ModelCard(128_000, 32_768, reasoning=True),
    "deepseek-v3": ModelCard(128_000, 8_192, tools=True),
    # Cohere, AI21
    "cohere-command-r": ModelCard(128_000, 4_096, tools=True),
    "cohere-command-r-plus": ModelCard(128_000, 4_096, tools=True),
    "cohere-command-a": ModelCard(256_000, 8_192, tools=True),
    "ai21-jamba-1.5-large": ModelCard(256_000, 4_096, tools=True),
    # Embeddings
    "text-embedding-3-small": _embed(8_191, 1536, supports_dimensions=True),
    "text-embedding-3-large": _embed(8_191, 3072, supports_dimensions=True),
    "text-embedding-ada-002": _embed(8_191, 1536),
    "cohere-embed-v3-english": _COHERE_EMBED_V3,
    "cohere-embed-v3-multilingual": _COHERE_EMBED_V3,
    "embed-v-4-0": _embed(128_000, 1536, supports_dimensions=True, input_type=True),
}

KNOWN_MODELS: Mapping[str, ModelCard] = MappingProxyType(_TABLE)
"""Model cards by lower-case model name (read-only)."""

_DELIMITERS = ("-", "_")
_BY_LENGTH = sorted(_TABLE, key=len, reverse=True)


def lookup_model(name: str | None) -> ModelCard | None:
    """The card of a model or deployment name, or ``None`` when it is unknown (pure).

    Args:
        name: A model or deployment name, any case (``gpt-4o-mini-2024-07-18``, ``Mistral-large-2411``).

    Returns:
        The exact entry, else the longest known name that ``name`` extends after a ``-`` or ``_``, else ``None``.
    """
    if not name:
        return None
    key = name.lower()
    card = _TABLE.get(key)
    if card is not None:
        return card
    for known in _BY_LENGTH:
        if key.startswith(known) and key[len(known)] in _DELIMITERS:
            return _TABLE[known]
    return None
