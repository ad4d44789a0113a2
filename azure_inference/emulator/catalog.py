"""The model catalog: which models the emulator serves and what each can do.

A catalog is an ordered mapping of model name to :class:`ModelSpec`. The first model of each type is the
default for the routes of that type when a request names no ``model`` (docs/wire.md §3: ``model`` is optional and
only picks a deployment on multi-model endpoints).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CHAT = "chat-completion"
EMBEDDINGS = "embeddings"
IMAGE_EMBEDDINGS = "image-embeddings"
TEXT_GENERATION = "text-generation"
IMAGE_GENERATION = "image-generation"
MODEL_TYPES = (CHAT, EMBEDDINGS, IMAGE_EMBEDDINGS, TEXT_GENERATION, IMAGE_GENERATION)

ALL_ENCODINGS = ("float", "base64", "int8", "uint8", "binary", "ubinary")


class CatalogError(ValueError):
    """A catalog file or flag is invalid."""


@dataclass(frozen=True)
class ModelSpec:
    """One deployed model and its capabilities.

    Attributes:
        name: Deployment / model name matched against the request's ``model``.
        types: Model types this deployment serves; the first is reported by ``/info``.
        provider: ``model_provider_name`` reported by ``/info``.
        tools: Accepts ``tools`` / ``tool_choice``.
        json_schema: Accepts ``response_format`` ``json_schema``.
        json_object: Accepts ``response_format`` ``json_object``.
        images: Accepts ``image_url`` content parts in user messages.
        audio: Accepts audio content parts and the ``audio`` modality.
        reasoning: Returns ``reasoning_content`` (S25 field) with each reply.
        think_tags: Puts its reasoning inside ``<think>…</think>`` at the start of ``content`` instead.
        context_window: Maximum prompt + completion tokens.
        max_output_tokens: Maximum completion tokens (default for ``max_tokens``).
        dimensions: Default embedding size.
        supports_dimensions: Accepts the ``dimensions`` request field.
        encoding_formats: Accepted ``encoding_format`` values.
        input_types: Accepted ``input_type`` values; empty means the field is not supported.
        image_text: Image embeddings accept the optional ``text`` of each input.
        token_param: The completion limit the model takes on OpenAI-style routes; ``max_completion_tokens``
            makes ``max_tokens`` a 400 ``unsupported_parameter`` (docs/wire.md §V1.2.2).
        refused_params: Fields refused outright on OpenAI-style routes (400 ``unsupported_parameter``).
        default_only_params: Fields accepted only at their default value (400 ``unsupported_value``).
        reasoning_efforts: Accepted ``reasoning_effort`` values (empty: the field is not checked).
        verbosity: Accepts ``verbosity`` (``low``/``medium``/``high``).
        hide_reasoning: Reasons (``reasoning_tokens`` in usage) but returns no reasoning text, as OpenAI
            reasoning models do on chat (docs/wire.md §V1.2.3).
        routes_to: A model-router deployment: answers as one of these models (docs/wire.md §V1.6).
        retired: A deployment of a retired model: every request fails (docs/wire.md §V1.6).
    """

    name: str
    types: tuple[str, ...] = (CHAT,)
    provider: str = "Emulator"
    tools: bool = False
    json_schema: bool = False
    json_object: bool = False
    images: bool = False
    audio: bool = False
    reasoning: bool = False
    think_tags: bool = False
    context_window: int = 128_000
    max_output_tokens: int = 4_096
    dimensions: int = 1_536
    supports_dimensions: bool = False
    encoding_formats: tuple[str, ...] = ("float", "base64")
    input_types: tuple[str, ...] = ()
    image_text: bool = False
    token_param: str = "max_tokens"
    refused_params: tuple[str, ...] = ()
    default_only_params: tuple[str, ...] = ()
    reasoning_efforts: tuple[str, ...] = ()
    verbosity: bool = False
    hide_reasoning: bool = False
    routes_to: tuple[str, ...] = ()
    retired: bool = False

    @property
    def model_type(self) -> str:
        """The type reported by ``GET /info`` (the spec spelling, docs/wire.md §7)."""
        return self.types[0]

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-friendly dict (the TOML keys)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _chat(name: str, provider: str, **caps: Any) -> ModelSpec:
    return ModelSpec(name=name, types=(CHAT,), provider=provider, **caps)


# docs/wire.md §V1.2.1-2.2: what OpenAI reasoning models refuse on chat. o1 / o3-mini refuse the sampling fields
# outright (unsupported_parameter); o3 / o4-mini / gpt-5 accept them at the default value only (unsupported_value).
_LOGPROB_FIELDS = ("logprobs", "top_logprobs", "logit_bias")
_SAMPLING_FIELDS = ("temperature", "top_p", "presence_penalty", "frequency_penalty")
_REASONING = dict(
    tools=True,
    json_schema=True,
    json_object=True,
    reasoning=True,
    hide_reasoning=True,
    token_param="max_completion_tokens",
    reasoning_efforts=("low", "medium", "high"),
)

DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    _chat(
        "gpt-4o-mini", "OpenAI", tools=True, json_schema=True, json_object=True, images=True, max_output_tokens=16_384
    ),
    _chat("gpt-4o", "OpenAI", tools=True, json_schema=True, json_object=True, images=True, max_output_tokens=16_384),
    _chat("Mistral-small", "Mistral AI", tools=True, json_object=True, context_window=32_000),
    _chat("Mistral-large-2411", "Mistral AI", tools=True, json_object=True),
    _chat("Phi-3.5-mini-instruct", "Microsoft", json_object=True),
    _chat("Phi-4-multimodal-instruct", "Microsoft", images=True, audio=True),
    _chat("DeepSeek-R1", "DeepSeek", reasoning=True, max_output_tokens=32_768),
    _chat("DeepSeek-R1-think", "DeepSeek", think_tags=True, max_output_tokens=32_768),
    _chat(
        "o3-mini",
        "OpenAI",
        **_REASONING,
        refused_params=_SAMPLING_FIELDS + _LOGPROB_FIELDS,
        context_window=200_000,
        max_output_tokens=100_000,
    ),
    _chat(
        "o4-mini",
        "OpenAI",
        **_REASONING,
        images=True,
        refused_params=(*_LOGPROB_FIELDS, "stop"),
        default_only_params=_SAMPLING_FIELDS,
        context_window=200_000,
        max_output_tokens=100_000,
    ),
    _chat(
        "gpt-5-mini",
        "OpenAI",
        **{**_REASONING, "reasoning_efforts": ("minimal", "low", "medium", "high")},
        images=True,
        verbosity=True,
        refused_params=_LOGPROB_FIELDS,
        default_only_params=_SAMPLING_FIELDS,
        context_window=400_000,
        max_output_tokens=128_000,
    ),
    _chat(
        "model-router",
        "OpenAI",
        tools=True,
        json_schema=True,
        json_object=True,
        images=True,
        context_window=200_000,
        max_output_tokens=32_768,
        routes_to=("gpt-5-mini-2025-08-07", "gpt-4.1-mini-2025-04-14", "o4-mini-2025-04-16"),
    ),
    _chat("gpt-35-turbo-0301", "OpenAI", tools=True, context_window=16_385, retired=True),
    ModelSpec(
        "text-embedding-3-small",
        (EMBEDDINGS,),
        "OpenAI",
        dimensions=1536,
        supports_dimensions=True,
        context_window=8_191,
    ),
    ModelSpec(
        "text-embedding-3-large",
        (EMBEDDINGS,),
        "OpenAI",
        dimensions=3072,
        supports_dimensions=True,
        context_window=8_191,
    ),
    ModelSpec(
        "Cohere-embed-v3-multilingual",
        (EMBEDDINGS, IMAGE_EMBEDDINGS),
        "Cohere",
        dimensions=1024,
        encoding_formats=ALL_ENCODINGS,
        input_types=("text", "query", "document"),
        context_window=512,
    ),
    ModelSpec("gpt-35-turbo-instruct", (TEXT_GENERATION,), "OpenAI", context_window=4_096),
    ModelSpec("Stable-Image-Ultra", (IMAGE_GENERATION,), "Stability AI"),
)


@dataclass
class Catalog:
    """An ordered set of models with per-type defaults.

    Attributes:
        models: Models by name, in declaration order.
        defaults: Default model name per model type (first model of that type unless set).
    """

    models: dict[str, ModelSpec] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_specs(cls, specs: Iterable[ModelSpec]) -> Catalog:
        """Build a catalog from specs; the first spec of each type becomes that type's default."""
        cat = cls()
        for spec in specs:
            cat.add(spec)
        return cat

    @classmethod
    def default(cls) -> Catalog:
        """The built-in catalog (see docs/emulator.md)."""
        return cls.from_specs(DEFAULT_MODELS)

    def add(self, spec: ModelSpec, *, make_default: bool = False) -> None:
        """Add or replace a model; optionally make it the default of each of its types."""
        for t in spec.types:
            if t not in MODEL_TYPES:
                raise CatalogError(f"model {spec.name!r}: unknown type {t!r}; expected one of {MODEL_TYPES}")
        self.models[spec.name] = spec
        for t in spec.types:
            if make_default or t not in self.defaults:
                self.defaults[t] = spec.name

    def get(self, name: str) -> ModelSpec | None:
        """Look a model up by name (exact, then case-insensitive as Azure deployment names are)."""
        spec = self.models.get(name)
        if spec is None:
            lowered = name.lower()
            spec = next((m for n, m in self.models.items() if n.lower() == lowered), None)
        return spec

    def default_for(self, model_type: str) -> ModelSpec | None:
        """The default model for a type, if the catalog has one."""
        name = self.defaults.get(model_type)
        return self.models.get(name) if name else None


def spec_from_mapping(name: str, data: Mapping[str, Any], base: ModelSpec | None = None) -> ModelSpec:
    """Build a :class:`ModelSpec` from TOML-style keys, on top of ``base`` when given.

    ``type`` (a string) is accepted as a shorthand for ``types``.
    """
    known = {f.name for f in fields(ModelSpec)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        key = key.replace("-", "_")
        if key == "type":
            key, value = "types", [value]
        if key not in known or key == "name":
            raise CatalogError(f"model {name!r}: unknown key {key!r}")
        values[key] = tuple(value) if isinstance(value, list) else value
    spec = replace(base, name=name, **values) if base else ModelSpec(name=name, **values)
    for enc in spec.encoding_formats:
        if enc not in ALL_ENCODINGS:
            raise CatalogError(f"model {name!r}: unknown encoding format {enc!r}")
    return spec


def load_catalog_toml(path: str | Path, *, base: Catalog | None = None) -> tuple[Catalog, dict[str, Any]]:
    """Load a catalog TOML file.

    The file has ``[models."<name>"]`` tables (keys as :class:`ModelSpec` fields), an optional
    ``replace_defaults = true`` to drop the built-in models, an optional ``[defaults]`` table
    (type → model name), and any ``[emulator]`` settings, which are returned untouched.

    Args:
        path: The TOML file.
        base: Catalog to extend (the built-in one when ``None``).

    Returns:
        The catalog and the raw ``[emulator]`` table.
    """
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    replace_defaults = bool(data.get("replace_defaults", False))
    cat = Catalog() if replace_defaults else (base or Catalog.default())
    for name, table in (data.get("models") or {}).items():
        if not isinstance(table, Mapping):
            raise CatalogError(f"[models.{name}] must be a table")
        cat.add(spec_from_mapping(name, table, cat.models.get(name)))
    for model_type, name in (data.get("defaults") or {}).items():
        if name not in cat.models:
            raise CatalogError(f"[defaults] {model_type} = {name!r}: no such model")
        cat.defaults[model_type] = name
    settings = data.get("emulator") or {}
    if not isinstance(settings, dict):
        raise CatalogError("[emulator] must be a table")
    return cat, settings
