"""Reasoning families in the known-model table, and resolving a deployment whose name is not a model name."""

from __future__ import annotations

import pytest

from azure_inference.known_models import KNOWN_MODELS, REASONING_REFUSED, lookup_model, resolve_model


@pytest.mark.parametrize(
    ("name", "family", "efforts", "stop_refused"),
    [
        ("o1", "o1", ("low", "medium", "high"), False),
        ("o1-2024-12-17", "o1", ("low", "medium", "high"), False),
        ("o3-mini-2025-01-31", "o3-mini", ("low", "medium", "high"), False),
        ("o3", "o3", ("low", "medium", "high"), True),  # [SPEC]: o3 and o4-mini take no `stop`
        ("o4-mini-2025-04-16", "o4-mini", ("low", "medium", "high"), True),
        ("gpt-5", "gpt-5", ("minimal", "low", "medium", "high"), False),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini", ("minimal", "low", "medium", "high"), False),
        ("GPT-5-NANO", "gpt-5-nano", ("minimal", "low", "medium", "high"), False),
        ("gpt-5.1", "gpt-5.1", ("none", "low", "medium", "high"), False),
        ("gpt-5-pro", "gpt-5-pro", ("high",), False),
    ],
)
def test_openai_reasoning_families_take_max_completion_tokens_and_refuse_sampling(
    name: str, family: str, efforts: tuple[str, ...], stop_refused: bool
) -> None:
    card = lookup_model(name)
    assert card is KNOWN_MODELS[family]
    assert card.reasoning
    assert card.token_param == "max_completion_tokens"
    assert card.refused_params >= REASONING_REFUSED
    assert ("stop" in card.refused_params) is stop_refused
    assert card.reasoning_efforts == efforts
    assert card.developer_role
    assert card.verbosity is family.startswith("gpt-5")


def test_o1_mini_has_no_effort_control_nor_developer_role() -> None:
    card = KNOWN_MODELS["o1-mini"]
    assert card.reasoning_efforts == ()
    assert not card.developer_role
    assert card.token_param == "max_completion_tokens"


@pytest.mark.parametrize("name", ["gpt-5-chat", "gpt-5-chat-latest", "gpt-5.1-chat"])
def test_gpt5_chat_is_not_a_reasoning_model(name: str) -> None:
    card = lookup_model(name)
    assert card is not None
    assert not card.reasoning
    assert card.token_param == "max_tokens"
    assert card.refused_params == frozenset()
    assert card.reasoning_efforts == ()


@pytest.mark.parametrize(
    "name", ["DeepSeek-R1", "DeepSeek-R1-0528", "MAI-DS-R1", "Phi-4-reasoning", "Phi-4-mini-reasoning"]
)
def test_open_reasoning_models_keep_max_tokens_and_sampling(name: str) -> None:
    # [DS]: the DeepSeek-R1 tutorial sends max_tokens; none of these have effort control.
    card = lookup_model(name)
    assert card is not None
    assert card.reasoning
    assert card.token_param == "max_tokens"
    assert card.refused_params == frozenset()
    assert card.reasoning_efforts == ()


@pytest.mark.parametrize(
    ("name", "context", "output"), [("o3-mini", 200_000, 100_000), ("gpt-5-mini", 400_000, 128_000)]
)
def test_context_window_and_output_limit(name: str, context: int, output: int) -> None:
    card = KNOWN_MODELS[name]
    assert (card.context_window, card.max_output_tokens) == (context, output)


# -- resolve_model: family, /info, response model, deployment ---------------------------------------------------


def test_explicit_family_wins_over_every_name() -> None:
    got = resolve_model(family="O3-mini", info_model="gpt-4o", response_model="gpt-4o", deployment="gpt-4o")
    assert got is not None
    assert (got.family, got.source, got.name) == ("o3-mini", "family", "O3-mini")
    assert got.card is KNOWN_MODELS["o3-mini"]


def test_family_with_a_version_suffix_is_accepted() -> None:
    got = resolve_model(family="gpt-5-mini-2025-08-07")
    assert got is not None
    assert got.family == "gpt-5-mini"


def test_unknown_family_raises_naming_the_fix() -> None:
    with pytest.raises(ValueError, match=r"model_family='reasoner-x' is not a known model family\. Fix:"):
        resolve_model(family="reasoner-x", deployment="o3-mini")


@pytest.mark.parametrize(
    ("kwargs", "family", "source"),
    [
        # /info names the model behind a model-inference endpoint: trusted before the response and the name.
        ({"info_model": "DeepSeek-R1", "response_model": "gpt-4o", "deployment": "o3-mini"}, "deepseek-r1", "info"),
        # A deployment called "prod-chat" serving o4-mini: after the first call the response says so.
        ({"response_model": "o4-mini-2025-04-16", "deployment": "prod-chat"}, "o4-mini", "response"),
        # Model router answers with the model it picked (docs/wire.md §V1.6).
        ({"response_model": "gpt-5-mini-2025-08-07", "deployment": "model-router"}, "gpt-5-mini", "response"),
        # An unknown /info name falls through to the next candidate.
        ({"info_model": "my-finetune", "deployment": "o3-mini-eastus"}, "o3-mini", "deployment"),
    ],
)
def test_candidates_are_tried_in_order(kwargs: dict[str, str], family: str, source: str) -> None:
    got = resolve_model(**kwargs)
    assert got is not None
    assert (got.family, got.source) == (family, source)


def test_nothing_known_resolves_to_none() -> None:
    assert resolve_model(deployment="prod-chat", response_model="my-finetune") is None
    assert resolve_model() is None
