"""``azure_inference.notebook.connect``: the notebooks' one-line set-up, on a real emulator over loopback."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from azure_inference import ContentFilterError, Deployment, InferenceClient
from azure_inference.emulator import EmulatorHandle
from azure_inference.notebook import connect
from tests.conftest import KEYED_EMULATOR_KEY

pytestmark = pytest.mark.e2e
VARIABLES = (
    "AZURE_INFERENCE_ENDPOINT",
    "AZURE_INFERENCE_CREDENTIAL",
    "AZURE_INFERENCE_MODEL",
    "AZURE_INFERENCE_EMBEDDINGS_ENDPOINT",
    "AZURE_INFERENCE_EMBEDDINGS_MODEL",
    "AZURE_INFERENCE_CONFIG",
    "AZURE_INFERENCE_PROFILE",
    "AZURE_INFERENCE_EMULATOR_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AZURE_INFERENCE_* from the caller, and a working directory outside the repository."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def chat_model(profile: str) -> str:
    with InferenceClient(Deployment.from_profile(profile)) as client:
        return client.chat([{"role": "user", "content": "hi"}]).model


@pytest.mark.usefixtures("clean_env")
def test_without_an_endpoint_it_starts_the_emulator_and_every_profile_works() -> None:
    backend = connect()
    try:
        assert backend.emulator is not None
        assert backend.profile == "emulator-v1"
        assert backend.url == backend.emulator.url
        assert Path(os.environ["AZURE_INFERENCE_CONFIG"]) == backend.profiles_file
        assert chat_model(backend.profile) == "gpt-4o"
        for profile in ("emulator", "emulator-aoai", "emulator-local"):
            assert chat_model(profile)
        with InferenceClient(Deployment.from_profile(backend.embeddings_profile)) as client:
            assert len(client.embed(["a"]).vectors[0]) == 3072
        url = backend.emulator.url
    finally:
        backend.close()
    assert "AZURE_INFERENCE_CONFIG" not in os.environ  # the environment is put back
    assert "AZURE_INFERENCE_EMULATOR_URL" not in os.environ
    assert not backend.profiles_file.exists()
    with pytest.raises(httpx.TransportError):  # the emulator is stopped
        httpx.get(url + "/_emulator/health", timeout=2)
    backend.close()  # idempotent


@pytest.mark.parametrize("keyed", [True, False], ids=["with-key", "keyless"])
def test_with_an_endpoint_it_uses_the_deployment(
    clean_env: None,
    keyed: bool,
    emulator: EmulatorHandle,
    keyed_emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A session emulator stands in for "your deployment", reached only through the environment."""
    if keyed:
        emulator = keyed_emulator
        monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEYED_EMULATOR_KEY)
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", emulator.openai_v1)
    monkeypatch.setenv("AZURE_INFERENCE_MODEL", "Mistral-small")
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", "/somewhere/else.toml")
    with connect() as backend:
        assert backend.emulator is None
        assert backend.profile == "azure"
        assert backend.url == emulator.openai_v1
        assert chat_model("azure") == "Mistral-small"
        with InferenceClient(Deployment.from_profile("azure-embeddings")) as client:
            assert len(client.embed(["a"]).vectors[0]) == 1536  # text-embedding-3-small, the default
    assert os.environ["AZURE_INFERENCE_CONFIG"] == "/somewhere/else.toml"
    assert "AZURE_INFERENCE_EMBEDDINGS_ENDPOINT" not in os.environ


@pytest.mark.usefixtures("clean_env")
def test_emulator_options_reach_the_emulator() -> None:
    with (
        connect(prompt_blocklist={"dynamite": "violence"}) as backend,
        InferenceClient(Deployment.from_profile(backend.profile)) as client,
    ):
        assert client.chat([{"role": "user", "content": "hi"}]).content
        with pytest.raises(ContentFilterError):
            client.chat([{"role": "user", "content": "dynamite"}])
