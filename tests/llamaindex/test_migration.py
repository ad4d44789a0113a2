"""Arguments users bring from the LlamaIndex Azure classes (``AzureOpenAI``, ``AzureOpenAIEmbedding``,
``AzureAICompletionsModel``, ``AzureAIEmbeddingsModel``) are mapped; unknown ones are refused (issue 18)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage

from azure_inference.aliases import UnknownArgumentError
from azure_inference.emulator import EmulatorHandle
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

REPLY = {
    "id": "r1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def test_azure_openai_arguments_address_the_named_deployment() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REPLY)

    llm = AzureInference(
        azure_endpoint="https://res.openai.azure.com/",
        engine="gpt-4o",
        api_version="2024-10-21",
        api_key="secret-key-2",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    assert llm.chat([ChatMessage(role="user", content="hello")]).message.content == "hi"
    assert seen[0].url.path == "/openai/deployments/gpt-4o/chat/completions"
    assert seen[0].url.params["api-version"] == "2024-10-21"
    assert seen[0].headers["api-key"] == "secret-key-2"
    assert "secret-key-2" not in repr(llm)


@pytest.mark.parametrize("name", ["azure_deployment", "deployment_name", "deployment_id", "engine", "model_name"])
async def test_deployment_names_reach_the_emulator(emu: EmulatorHandle, name: str) -> None:
    async with AzureInference(azure_endpoint=emu.openai_v1, **{name: "gpt-4o"}) as llm:
        response = await llm.achat([ChatMessage(role="user", content="Hello there")])
    assert "This is gpt-4o (emulated)" in (response.message.content or "")
    assert emu.control.requests("/chat/completions")[-1]["body"]["model"] == "gpt-4o"


@pytest.mark.parametrize("name", ["azure_deployment", "deployment_name", "model_name"])
async def test_embedding_deployment_names_reach_the_emulator(emu: EmulatorHandle, name: str) -> None:
    async with AzureInferenceEmbedding(azure_endpoint=emu.openai_v1, **{name: "text-embedding-3-small"}) as embed:
        vector = await embed.aget_query_embedding("hello")
    assert len(vector) > 0
    assert emu.control.requests("/embeddings")[-1]["body"]["model"] == "text-embedding-3-small"
    assert embed.model_name == "text-embedding-3-small"


def test_azure_ai_completions_model_arguments_are_taken() -> None:
    def provider() -> str:
        return "tok"

    llm = AzureInference(
        endpoint="https://res.services.ai.azure.com/models",
        azure_ad_token_provider=provider,
        model_name="Mistral-large-2411",
        model_kwargs={"safe_prompt": True},
        request_timeout=7,
    )
    deployment = llm.resolved_deployment()
    assert (deployment.model, deployment.timeout, deployment.token_provider) == ("Mistral-large-2411", 7, provider)
    assert llm.additional_kwargs == {"safe_prompt": True}


@pytest.mark.parametrize(
    ("cls", "extras"),
    [(AzureInference, " (deliberate extras go in additional_kwargs={...})"), (AzureInferenceEmbedding, "")],
)
def test_a_misspelt_argument_names_the_field_meant(cls: Any, extras: str) -> None:
    with pytest.raises(UnknownArgumentError) as info:
        cls(endpoint="http://127.0.0.1:9/models", max_retires=3)
    assert str(info.value) == f"unknown argument 'max_retires' for {cls.__name__}; did you mean 'max_retries'?{extras}"


def test_temprature_is_refused() -> None:
    with pytest.raises(UnknownArgumentError, match="did you mean 'temperature'"):
        AzureInference(endpoint="http://127.0.0.1:9/models", temprature=0.2)


def test_from_dict_round_trip_still_works() -> None:
    llm = AzureInference(endpoint="http://127.0.0.1:9/models", model="gpt-4o", temperature=0.3)
    again = AzureInference.from_dict(llm.to_dict())
    assert (again.model, again.temperature, again.endpoint) == ("gpt-4o", 0.3, "http://127.0.0.1:9/models")


def test_default_profile_gives_the_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "azure-inference.toml"
    config.write_text(
        'default_profile = "local"\n[profiles.local]\nendpoint = "http://127.0.0.1:9/models"\nmodel = "phi-4"\n'
    )
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_PROFILE", "AZURE_INFERENCE_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(config))
    for obj in (AzureInference(), AzureInferenceEmbedding()):
        deployment = obj.resolved_deployment()
        assert (deployment.endpoint, deployment.model) == ("http://127.0.0.1:9/models", "phi-4")


def test_deployment_as_a_deployment_name_explains_the_mix_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # LlamaIndex's AzureOpenAI(deployment=...) names the Azure deployment; here deployment= is a profile name.
    monkeypatch.delenv("AZURE_INFERENCE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    from azure_inference import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"pass azure_deployment='gpt-4o' or model='gpt-4o'"):
        AzureInference(deployment="gpt-4o", azure_endpoint="https://r.openai.azure.com")
