"""What we know about common Azure model deployments, so adapters choose defaults without a network call.

One table, framework-neutral: the LangChain adapter turns a card into a ``ModelProfile``, the LlamaIndex adapter
into ``LLMMetadata``. ``/info`` names the model behind a single-model endpoint; this table says what it can do.

Names match case-insensitively (Azure deployment names are case-insensitive): exactly, else by the longest
known name followed by ``-`` or ``_`` (``gpt-4o-mini-2024-07-18`` is a ``gpt-4o-mini``, ``gpt-4o-2024-08-06`` a
``gpt-4o``). A ``.`` does not delimit, because it is part of version numbers: ``phi-3.5-foo`` is not a ``phi-3``
and ``gpt-4.1-mini`` is not a ``gpt-4``.

Reasoning families (o-series, gpt-5, DeepSeek-R1, Phi reasoning) also say which token-limit field they take,
which sampling fields they refuse and which ``reasoning_effort`` values they accept (docs/wire.md §V1.2.1). A
deployment name need not be a model name, so :func:`resolve_model` tries, in order, an explicit family, the
``/info`` model name, the response's ``model`` field and the deployment name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = [
    "KNOWN_MODELS",
    "REASONING_REFUSED",
    "ModelCard",
    "ResolvedModel",
    "lookup_model",
    "resolve_model",
]

REASONING_REFUSED: frozenset[str] = frozenset(
    {"temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias"}
)
"""Sampling fields OpenAI reasoning models refuse (docs/wire.md §V1.2.1, [RSN]); ``max_tokens`` is renamed instead."""


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
        token_param: The request field that limits the completion: ``max_tokens``, or ``max_completion_tokens``
            for OpenAI reasoning models, which refuse ``max_tokens`` (docs/wire.md §V1.2.1).
        refused_params: Request fields the model refuses (400 ``unsupported_parameter`` / ``unsupported_value``).
        reasoning_efforts: Accepted ``reasoning_effort`` values; empty when the model takes no such field.
        verbosity: Accepts ``verbosity`` (gpt-5 family).
        developer_role: Accepts ``developer`` messages (else they are sent as ``system``).
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
    token_param: str = "max_tokens"
    refused_params: frozenset[str] = frozenset()
    reasoning_efforts: tuple[str, ...] = ()
    verbosity: bool = False
    developer_role: bool = False

    @property
    def is_embedding(self) -> bool:
        """True for embedding models (they have ``dimensions``)."""
        return self.dimensions is not None


def _embed(context: int, dimensions: int, *, supports_dimensions: bool = False, input_type: bool = False) -> ModelCard:
    return ModelCard(context, 0, dimensions=dimensions, supports_dimensions=supports_dimensions, input_type=input_type)


def _openai_reasoning(
    context: int,
    output: int,
    efforts: tuple[str, ...],
    *,
    images: bool = True,
    tools: bool = True,
    refused: frozenset[str] = REASONING_REFUSED,
    verbosity: bool = False,
    developer_role: bool = True,
) -> ModelCard:
    # docs/wire.md §V1.2.1: max_completion_tokens only, no sampling fields; the developer role since o1 (not o1-mini).
    return ModelCard(
        context,
        output,
        tools=tools,
        json_schema=tools,
        images=images,
        reasoning=True,
        token_param="max_completion_tokens",
        refused_params=refused,
        reasoning_efforts=efforts,
        verbosity=verbosity,
        developer_role=developer_role,
    )


_GPT_4O = ModelCard(128_000, 16_384, tools=True, json_schema=True, images=True)
_GPT_41 = ModelCard(1_047_576, 32_768, tools=True, json_schema=True, images=True)
_LMH = ("low", "medium", "high")
_O_SERIES = _openai_reasoning(200_000, 100_000, _LMH)
# [SPEC] CreateChatCompletionRequest.stop: "Not supported with latest reasoning models o3 and o4-mini".
_O3 = _openai_reasoning(200_000, 100_000, _LMH, refused=REASONING_REFUSED | {"stop"})
# [RSN]: gpt-5 adds `minimal` effort and `verbosity`; gpt-5.1 adds `none` (its default) and drops `minimal`.
_GPT_5 = _openai_reasoning(400_000, 128_000, ("minimal", *_LMH), verbosity=True)
_GPT_51 = _openai_reasoning(400_000, 128_000, ("none", *_LMH), verbosity=True)
_LLAMA_31 = ModelCard(128_000, 4_096, tools=True)
_LLAMA_VISION = ModelCard(128_000, 4_096, images=True)
# DeepSeek-R1 and Phi reasoning: reasoning in `<think>` text or reasoning_content, no effort control; the
# DeepSeek tutorial still sends `max_tokens` ([DS], docs/wire.md §V1.2.1), so they keep it.
_OPEN_REASONING = ModelCard(128_000, 32_768, reasoning=True)
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
    "gpt-5": _GPT_5,
    "gpt-5-mini": _GPT_5,
    "gpt-5-nano": _GPT_5,
    "gpt-5-pro": _openai_reasoning(400_000, 272_000, ("high",), verbosity=True),  # [RSN]: only `high`
    "gpt-5-codex": _openai_reasoning(400_000, 128_000, _LMH, verbosity=True),  # [RSN]: no `minimal`
    "gpt-5.1": _GPT_51,
    # gpt-5-chat is the non-reasoning chat model of the family: classic sampling fields, no effort control.
    "gpt-5-chat": ModelCard(128_000, 16_384, tools=True, json_schema=True, images=True),
    "gpt-5.1-chat": ModelCard(128_000, 16_384, tools=True, json_schema=True, images=True),
    "gpt-4-turbo": ModelCard(128_000, 4_096, tools=True, images=True),
    "gpt-4-32k": ModelCard(32_768, 4_096, tools=True),
    "gpt-4": ModelCard(8_192, 4_096, tools=True),
    "gpt-35-turbo": ModelCard(16_385, 4_096, tools=True),
    "gpt-35-turbo-16k": ModelCard(16_385, 4_096, tools=True),
    "gpt-35-turbo-instruct": ModelCard(4_096, 4_096, text_generation=True),
    "o1": _O_SERIES,
    # [RSN]: o1-mini has no effort control, no developer role, no tools or structured output on Azure.
    "o1-mini": _openai_reasoning(128_000, 65_536, (), images=False, tools=False, developer_role=False),
    "o3": _O3,
    "o3-pro": _O3,
    "o3-mini": _openai_reasoning(200_000, 100_000, _LMH, images=False),
    "o4-mini": _O3,
    # Model router (docs/wire.md §V1.6) picks a model per request and drops the fields its reasoning models refuse
    # instead of failing; it reports the chosen model in `model`. The smallest underlying context applies.
    "model-router": ModelCard(
        200_000,
        32_768,
        tools=True,
        json_schema=True,
        images=True,
        token_param="max_completion_tokens",
        reasoning_efforts=("minimal", *_LMH),
    ),
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
    "phi-4-mini-reasoning": _OPEN_REASONING,
    # DeepSeek (R1: reasoning, no tools; the -think deployment puts it in <think> tags)
    "deepseek-r1": _OPEN_REASONING,
    "deepseek-r1-think": _OPEN_REASONING,
    "deepseek-r1-0528": _OPEN_REASONING,
    "mai-ds-r1": _OPEN_REASONING,
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
    key = _family_of(name) if name else None
    return _TABLE[key] if key is not None else None


@dataclass(frozen=True)
class ResolvedModel:
    """A card and where it came from.

    Attributes:
        family: The table key that matched (``o3-mini`` for ``o3-mini-2025-01-31``).
        card: The card of that family.
        source: Which candidate matched: ``family``, ``info``, ``response`` or ``deployment``.
        name: The name as given by that source.
    """

    family: str
    card: ModelCard
    source: str
    name: str


def _family_of(name: str) -> str | None:
    key = name.lower()
    if key in _TABLE:
        return key
    return next((k for k in _BY_LENGTH if key.startswith(k) and key[len(k)] in _DELIMITERS), None)


def resolve_model(
    *,
    family: str | None = None,
    info_model: str | None = None,
    response_model: str | None = None,
    deployment: str | None = None,
) -> ResolvedModel | None:
    """The card of a deployment whose name need not be a model name (pure).

    Candidates are tried in order of trust: an explicit ``model_family`` set by the user, the model name
    ``/info`` reports (model-inference), the ``model`` field of a response (the model that answered: for a
    model-router deployment the model it picked, docs/wire.md §V1.6), and finally the deployment name.

    Args:
        family: An explicit family (``model_family=``); must name a table entry (any case, with or without a
            version suffix).
        info_model: ``model_name`` from ``GET /info``.
        response_model: ``model`` from a previous response.
        deployment: The deployment name (path segment or body ``model``).

    Returns:
        The first candidate that matches, or ``None`` when none does.

    Raises:
        ValueError: ``family`` names no known family (the message lists the fix).
    """
    if family is not None:
        key = _family_of(family)
        if key is None:
            raise ValueError(
                f"model_family={family!r} is not a known model family. Fix: use one of the known names, e.g. "
                "'o3-mini', 'o4-mini', 'gpt-5-mini', 'gpt-4o', 'deepseek-r1' (see azure_inference.KNOWN_MODELS), "
                "or leave model_family unset to match by the model or deployment name."
            )
        return ResolvedModel(key, _TABLE[key], "family", family)
    for source, name in (("info", info_model), ("response", response_model), ("deployment", deployment)):
        if name:
            key = _family_of(name)
            if key is not None:
                return ResolvedModel(key, _TABLE[key], source, name)
    return None
