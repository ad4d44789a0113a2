"""``Deployment.api`` (issue 13): which API the adapters speak, from code, a profile or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from azure_inference import ConfigurationError, Deployment

V1 = "https://r.openai.azure.com/openai/v1"


def test_chat_is_the_default_and_responses_is_chosen_in_code() -> None:
    assert Deployment(endpoint=V1, credential="k").api == "chat"
    assert Deployment(endpoint=V1, credential="k", api="responses").api == "responses"


def test_a_bad_api_value_is_refused_naming_the_choices() -> None:
    with pytest.raises((ConfigurationError, ValueError), match=r"chat.*responses"):
        Deployment(endpoint=V1, credential="k", api="completions")  # type: ignore[arg-type]


def test_the_environment_sets_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", V1)
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", "k")
    monkeypatch.setenv("AZURE_INFERENCE_API", "responses")
    assert Deployment.from_env().api == "responses"
    assert Deployment.from_env(api="chat").api == "chat"  # a given field wins over the environment
    monkeypatch.setenv("OTHER_ENDPOINT", V1)
    monkeypatch.setenv("OTHER_CREDENTIAL", "k")
    assert Deployment.from_env("OTHER").api == "chat"


def test_a_profile_sets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "azure-inference.toml"
    path.write_text(
        f'[profiles.resp]\nendpoint = "{V1}"\ncredential_env = "MY_KEY"\nmodel = "o4-mini"\napi = "responses"\n'
        f'[profiles.plain]\nendpoint = "{V1}"\ncredential_env = "MY_KEY"\nmodel = "o4-mini"\n'
    )
    monkeypatch.setenv("MY_KEY", "k")
    assert Deployment.from_profile("resp", path).api == "responses"
    assert Deployment.from_profile("plain", path).api == "chat"
    assert Deployment.resolve(Deployment.from_profile("plain", path), api="responses").api == "responses"
