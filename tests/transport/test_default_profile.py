"""``default_profile`` in the TOML profile file is used when nothing else names an endpoint (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest

from azure_inference import ConfigurationError, Deployment
from azure_inference.profiles import default_profile_name

PROFILES = """
default_profile = "local"

[profiles.local]
endpoint = "http://127.0.0.1:9/models"
model = "gpt-4o-mini"

[profiles.other]
endpoint = "http://127.0.0.1:9/openai/v1"
model = "o4-mini"
"""


@pytest.fixture
def profile_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "profiles.toml"
    path.write_text(PROFILES)
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_PROFILE", "AZURE_INFERENCE_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(path))
    return path


def test_resolve_uses_the_default_profile_when_nothing_else_names_an_endpoint(profile_file: Path) -> None:
    deployment = Deployment.resolve()
    assert (deployment.name, deployment.endpoint, deployment.model) == (
        "local",
        "http://127.0.0.1:9/models",
        "gpt-4o-mini",
    )
    # Fields given alongside still override the profile's.
    assert Deployment.resolve(model="phi-4").model == "phi-4"


def test_environment_names_win_over_the_file_default(profile_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_PROFILE", "other")
    assert Deployment.resolve().name == "other"
    monkeypatch.delenv("AZURE_INFERENCE_PROFILE")
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", "http://127.0.0.1:8/models")
    assert Deployment.resolve().endpoint == "http://127.0.0.1:8/models"
    assert Deployment.resolve(endpoint="http://127.0.0.1:7/models").endpoint == "http://127.0.0.1:7/models"


def test_no_file_and_no_endpoint_still_says_no_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_PROFILE", "AZURE_INFERENCE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_profile_name() is None
    with pytest.raises(ConfigurationError, match="no endpoint"):
        Deployment.resolve()


def test_a_file_without_default_profile_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[profiles.a]\nendpoint = "http://127.0.0.1:9/models"\n')
    monkeypatch.delenv("AZURE_INFERENCE_ENDPOINT", raising=False)
    monkeypatch.delenv("AZURE_INFERENCE_PROFILE", raising=False)
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(path))
    assert default_profile_name() is None
    with pytest.raises(ConfigurationError, match="no endpoint"):
        Deployment.resolve()


def test_a_broken_file_is_reported_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.toml"
    path.write_text("default_profile = \n")
    monkeypatch.delenv("AZURE_INFERENCE_ENDPOINT", raising=False)
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(path))
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        Deployment.resolve()
