"""Shaping a chat body for a known model (``azure_inference.shaping``), table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from azure_inference.known_models import KNOWN_MODELS
from azure_inference.shaping import shape_chat_body, surface_has_max_completion_tokens

MSG = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("surface", "api_version", "expected"),
    [
        ("openai-v1", None, True),
        ("openai-compatible", None, True),
        ("azure-openai", "2024-10-21", True),
        ("azure-openai", "2024-09-01-preview", True),
        ("azure-openai", "2024-08-01-preview", False),
        ("azure-openai", "2024-02-15-preview", False),
        ("model-inference", "2024-05-01-preview", False),
    ],
)
def test_which_surfaces_have_max_completion_tokens(surface: str, api_version: str | None, expected: bool) -> None:
    assert surface_has_max_completion_tokens(surface, api_version) is expected


@pytest.mark.parametrize(
    ("model", "surface", "body", "sent", "left_out", "renamed"),
    [
        # Reasoning model on v1: the limit is renamed, sampling fields left out, effort kept.
        (
            "o3-mini",
            "openai-v1",
            {"messages": MSG, "max_tokens": 50, "temperature": 0.2, "top_p": 0.9, "reasoning_effort": "low"},
            {"messages": MSG, "max_completion_tokens": 50, "reasoning_effort": "low"},
            ("temperature", "top_p"),
            (("max_tokens", "max_completion_tokens"),),
        ),
        # o4-mini refuses stop as well; verbosity is a gpt-5 field.
        (
            "o4-mini",
            "azure-openai",
            {"messages": MSG, "stop": ["x"], "verbosity": "low", "presence_penalty": 0.5},
            {"messages": MSG},
            ("stop", "verbosity", "presence_penalty"),
            (),
        ),
        # gpt-5 takes verbosity and minimal effort.
        (
            "gpt-5-mini",
            "openai-v1",
            {"messages": MSG, "verbosity": "low", "reasoning_effort": "minimal", "max_completion_tokens": 9},
            {"messages": MSG, "verbosity": "low", "reasoning_effort": "minimal", "max_completion_tokens": 9},
            (),
            (),
        ),
        # A classic model: sampling kept, reasoning_effort left out, max_tokens untouched.
        (
            "gpt-4o",
            "openai-v1",
            {"messages": MSG, "max_tokens": 5, "temperature": 0.1, "reasoning_effort": "high"},
            {"messages": MSG, "max_tokens": 5, "temperature": 0.1},
            ("reasoning_effort",),
            (),
        ),
        # Model Inference API: its spec only has max_tokens, whatever the model.
        (
            "o3-mini",
            "model-inference",
            {"messages": MSG, "max_completion_tokens": 7},
            {"messages": MSG, "max_tokens": 7},
            (),
            (("max_completion_tokens", "max_tokens"),),
        ),
        # DeepSeek-R1 keeps max_tokens and temperature ([DS]).
        (
            "deepseek-r1",
            "openai-v1",
            {"messages": MSG, "max_tokens": 100, "temperature": 0.6},
            {"messages": MSG, "max_tokens": 100, "temperature": 0.6},
            (),
            (),
        ),
        # Unset fields (None) are dropped without a warning.
        (
            "o3",
            "openai-v1",
            {"messages": MSG, "temperature": None, "max_tokens": None},
            {"messages": MSG},
            (),
            (),
        ),
    ],
)
def test_shape_chat_body(
    model: str,
    surface: str,
    body: dict[str, Any],
    sent: dict[str, Any],
    left_out: tuple[str, ...],
    renamed: tuple[tuple[str, str], ...],
) -> None:
    original = {**body}
    shaped = shape_chat_body(KNOWN_MODELS[model], body, surface=surface)
    assert shaped.body == sent
    assert shaped.left_out == left_out
    assert shaped.renamed == renamed
    assert shaped.changed is bool(left_out or renamed)
    assert body == original  # the input is not changed


def test_warning_names_every_change_once() -> None:
    shaped = shape_chat_body(
        KNOWN_MODELS["o1-mini"],
        {"messages": [{"role": "developer", "content": "be brief"}, *MSG], "max_tokens": 3, "temperature": 0},
        surface="openai-v1",
    )
    assert shaped.body["messages"][0] == {"role": "system", "content": "be brief"}
    assert shaped.system_for_developer
    assert shaped.warning("o1-mini") == (
        "o1-mini: left out temperature (not accepted by this model); sent max_tokens as max_completion_tokens; "
        "sent developer messages as system messages."
    )


def test_nothing_changed_means_no_warning() -> None:
    shaped = shape_chat_body(
        KNOWN_MODELS["o3"], {"messages": [{"role": "developer", "content": "x"}]}, surface="openai-v1"
    )
    assert not shaped.changed
    assert shaped.warning("o3") is None


def test_an_effort_the_model_does_not_take_raises_naming_the_values() -> None:
    with pytest.raises(ValueError, match=r"reasoning_effort='minimal' .* Fix: use one of low, medium, high"):
        shape_chat_body(KNOWN_MODELS["o3-mini"], {"messages": MSG, "reasoning_effort": "minimal"}, surface="openai-v1")


def test_two_differing_limits_raise() -> None:
    with pytest.raises(ValueError, match=r"Both max_tokens \(5\) and max_completion_tokens \(9\)"):
        shape_chat_body(
            KNOWN_MODELS["o3-mini"], {"messages": MSG, "max_tokens": 5, "max_completion_tokens": 9}, surface="openai-v1"
        )


def test_equal_limits_collapse_into_one() -> None:
    shaped = shape_chat_body(
        KNOWN_MODELS["o3-mini"], {"messages": MSG, "max_tokens": 5, "max_completion_tokens": 5}, surface="openai-v1"
    )
    assert shaped.body == {"messages": MSG, "max_completion_tokens": 5}


def test_the_config_surface_enum_is_accepted() -> None:
    from azure_inference.config import Surface

    assert not surface_has_max_completion_tokens(Surface.MODEL_INFERENCE)
    shaped = shape_chat_body(KNOWN_MODELS["o3"], {"messages": MSG, "max_tokens": 3}, surface=Surface.OPENAI_V1)
    assert shaped.body == {"messages": MSG, "max_completion_tokens": 3}
