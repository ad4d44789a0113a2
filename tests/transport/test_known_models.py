"""The shared known-model table (``azure_inference.known_models``) and the shared credential router."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

import azure_inference
from azure_inference import KNOWN_MODELS, ConfigurationError, Deployment, ModelCard, lookup_model
from azure_inference.config import route_credential
from azure_inference.emulator.catalog import DEFAULT_MODELS, EMBEDDINGS, IMAGE_GENERATION, TEXT_GENERATION

# -- lookup ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),  # longest prefix wins over gpt-4o
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("Mistral-large-2411", "mistral-large-2411"),  # exact beats the mistral-large prefix, any case
        ("MISTRAL-LARGE-2407", "mistral-large"),
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-4-0613", "gpt-4"),
        ("DeepSeek-R1-think", "deepseek-r1-think"),
        ("deepseek-r1_distill", "deepseek-r1"),  # '_' delimits too
        ("Cohere-embed-v3-multilingual", "cohere-embed-v3-multilingual"),
    ],
)
def test_lookup_matches_exact_then_longest_delimited_prefix(name: str, known: str) -> None:
    assert lookup_model(name) is KNOWN_MODELS[known]


@pytest.mark.parametrize(
    "name",
    [
        "phi-3.5-foo",  # '.' is part of a version, not a delimiter: not a phi-3
        "gpt-4.5-preview",  # nor a gpt-4
        "gpt-4omni",  # no delimiter after gpt-4o
        "o1x",
        "my-fine-tune",
        "",
        None,
    ],
)
def test_lookup_refuses_what_only_looks_alike(name: str | None) -> None:
    assert lookup_model(name) is None


def test_table_is_read_only_lower_case_and_self_consistent() -> None:
    with pytest.raises(TypeError):
        KNOWN_MODELS["x"] = ModelCard(1)  # type: ignore[index]
    for name, card in KNOWN_MODELS.items():
        assert name == name.lower(), name
        assert lookup_model(name.upper()) is card, name
        if card.is_embedding:
            assert card.max_output_tokens == 0, name
            assert not card.tools, name
            assert not card.json_schema, name
            assert not card.reasoning, name
        else:
            assert 0 < card.max_output_tokens <= card.context_window, name
            assert not card.supports_dimensions, name
            assert not card.input_type, name
        assert not (card.text_generation and card.tools), name


@pytest.mark.parametrize("spec", [s for s in DEFAULT_MODELS if IMAGE_GENERATION not in s.types], ids=lambda s: s.name)
def test_every_emulator_catalog_model_has_a_card_that_matches_its_capabilities(spec: Any) -> None:
    card = lookup_model(spec.name)
    assert card is not None
    assert card.tools == spec.tools
    assert card.json_schema == spec.json_schema
    assert card.images == spec.images
    assert card.audio == spec.audio
    assert card.reasoning == (spec.reasoning or spec.think_tags)  # reasoning_content or <think> text
    assert card.text_generation == (TEXT_GENERATION in spec.types)
    assert card.input_type == bool(spec.input_types)
    assert card.context_window == spec.context_window
    if EMBEDDINGS in spec.types:
        assert (card.dimensions, card.supports_dimensions) == (spec.dimensions, spec.supports_dimensions)
    else:
        assert card.max_output_tokens == spec.max_output_tokens
        assert not card.is_embedding


def test_names_are_exported_lazily_from_the_package() -> None:
    for name in ("KNOWN_MODELS", "ModelCard", "lookup_model"):
        assert name in azure_inference.__all__
        assert name in dir(azure_inference)
    assert azure_inference.lookup_model("gpt-4o") == ModelCard(
        128_000, 16_384, tools=True, json_schema=True, images=True
    )


# -- credential routing ----------------------------------------------------------------------------------------


class TokenCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise AssertionError("not called by routing")


class KeyCredential:
    """Shaped like azure.core.credentials.AzureKeyCredential."""

    key = "key-from-object"


def token() -> str:
    return "t"


def test_route_credential_moves_each_kind_to_its_field_without_touching_the_input() -> None:
    cred = TokenCredential()
    given = {"endpoint": "https://x", "credential": cred}
    assert route_credential(given) == {"endpoint": "https://x", "azure_credential": cred}
    assert given == {"endpoint": "https://x", "credential": cred}  # pure: a new dict
    assert route_credential({"credential": token}) == {"token_provider": token}
    routed = route_credential({"credential": KeyCredential()})
    assert isinstance(routed["credential"], SecretStr)
    assert routed["credential"].get_secret_value() == "key-from-object"
    for plain in ("k", SecretStr("k"), None):
        assert route_credential({"credential": plain}) == {"credential": plain}
    assert route_credential({"api_key": token}, key="api_key") == {"token_provider": token}
    assert route_credential({"api_key": token}) == {"api_key": token}  # only the named key is routed


def test_route_credential_refuses_other_objects_without_echoing_them() -> None:
    with pytest.raises(ConfigurationError, match="not int") as info:
        route_credential({"credential": 123456789})
    assert "123456789" not in str(info.value)


def test_deployment_uses_the_router() -> None:
    cred = TokenCredential()
    dep = Deployment(endpoint="https://res.services.ai.azure.com/models", credential=cred)
    assert dep.azure_credential is cred
    assert dep.credential is None
    keyed = Deployment(endpoint="https://res.services.ai.azure.com/models", credential=KeyCredential())
    assert keyed.credential is not None
    assert keyed.credential.get_secret_value() == "key-from-object"
    with pytest.raises(ConfigurationError, match="credential must be"):
        Deployment(endpoint="https://res.services.ai.azure.com/models", credential=object())
