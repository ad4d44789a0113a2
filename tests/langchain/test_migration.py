"""Arguments users bring from AzureChatOpenAI, AzureOpenAIEmbeddings and langchain-azure-ai (issue 18).

They used to be dropped in silence: ``azure_deployment="gpt-4o"`` answered from the endpoint's default model and
``temprature=0.2`` vanished. Also here: ``default_profile`` in the profile file and one ``ls_provider``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference.aliases import UnknownArgumentError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, AzureInferenceLLM, ChatAzureInference

CLASSES = [ChatAzureInference, AzureInferenceLLM, AzureInferenceEmbeddings]
REPLY = {
    "id": "r1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


def test_azure_chat_openai_arguments_address_the_named_deployment() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REPLY)

    llm = ChatAzureInference(
        azure_endpoint="https://res.openai.azure.com/",
        azure_deployment="gpt-4o",
        openai_api_version="2024-10-21",
        openai_api_key="secret-key-1",
        request_timeout=12,
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    assert llm.invoke("hello").content == "hi"
    request = seen[0]
    assert request.url.path == "/openai/deployments/gpt-4o/chat/completions"
    assert request.url.params["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == "secret-key-1"
    assert llm.get_deployment().timeout == 12
    assert "secret-key-1" not in repr(llm)


@pytest.mark.parametrize("name", ["azure_deployment", "deployment_name", "model_name", "engine"])
async def test_deployment_names_reach_the_emulator(emu: EmulatorHandle, name: str) -> None:
    llm = ChatAzureInference(azure_endpoint=emu.openai_v1, **{name: "gpt-4o"})
    try:
        answer = await llm.ainvoke("Hello there")
    finally:
        await llm.aclose()
    assert "This is gpt-4o (emulated)" in str(answer.content)
    assert emu.control.requests("/chat/completions")[-1]["body"]["model"] == "gpt-4o"


async def test_embeddings_take_azure_openai_embeddings_arguments(emu: EmulatorHandle) -> None:
    emb = AzureInferenceEmbeddings(
        azure_endpoint=emu.openai_v1, azure_deployment="text-embedding-3-small", embed_batch_size=2
    )
    try:
        vectors = await emb.aembed_documents(["a", "b", "c"])
    finally:
        await emb.aclose()
    assert len(vectors) == 3
    bodies = [r["body"] for r in emu.control.requests("/embeddings")]
    assert [b["model"] for b in bodies] == ["text-embedding-3-small"] * 2  # chunk_size=2: two requests
    assert sorted(len(b["input"]) for b in bodies) == [1, 2]


def test_langchain_azure_ai_arguments_are_taken() -> None:
    llm = ChatAzureInference(
        endpoint="https://res.services.ai.azure.com/models",
        credential="k",
        model_name="Mistral-large-2411",
        api_version="2024-05-01-preview",
        model_kwargs={"safe_prompt": True},
    )
    assert (llm.get_deployment().model, llm.get_deployment().api_version) == (
        "Mistral-large-2411",
        "2024-05-01-preview",
    )
    assert llm.model_kwargs == {"safe_prompt": True}


def test_token_provider_names_map_to_token_provider() -> None:
    def provider() -> str:
        return "tok"

    llm = ChatAzureInference(azure_endpoint="https://res.openai.azure.com/openai/v1", azure_ad_token_provider=provider)
    assert llm.token_provider is provider


@pytest.mark.parametrize("cls", CLASSES)
def test_a_misspelt_argument_names_the_field_meant(cls: Any) -> None:
    with pytest.raises(UnknownArgumentError) as info:
        cls(endpoint="http://127.0.0.1:9/models", max_retires=3)
    assert str(info.value) == (
        f"unknown argument 'max_retires' for {cls.__name__}; did you mean 'max_retries'? "
        "(deliberate extras go in model_kwargs={...})"
    )


def test_temprature_is_refused_before_anything_is_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    with pytest.raises(UnknownArgumentError, match="did you mean 'temperature'"):
        ChatAzureInference(
            endpoint="http://127.0.0.1:9/models",
            temprature=0.2,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )


def test_extras_still_go_in_model_kwargs() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=REPLY)

    llm = ChatAzureInference(
        endpoint="http://127.0.0.1:9/models",
        model="gpt-4o",
        additional_kwargs={"top_k": 3},  # LlamaIndex's name for the same thing
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    llm.invoke("hi")
    assert llm.model_kwargs == {"top_k": 3}
    assert bodies[0]["top_k"] == 3


def test_configurable_fields_still_rebuild_the_model() -> None:
    from langchain_core.runnables import ConfigurableField

    llm = ChatAzureInference(endpoint="http://127.0.0.1:9/models", model="gpt-4o").configurable_fields(
        model=ConfigurableField(id="model")
    )
    chosen = llm.with_config(configurable={"model": "phi-4"})
    assert chosen._prepare(chosen.config)[0].resolved_model == "phi-4"  # type: ignore[attr-defined]


def test_default_profile_gives_the_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "azure-inference.toml"
    config.write_text(
        'default_profile = "local"\n[profiles.local]\nendpoint = "http://127.0.0.1:9/models"\nmodel = "phi-4"\n'
    )
    for name in ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_PROFILE", "AZURE_INFERENCE_CREDENTIAL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(config))
    for cls in CLASSES:
        obj = cls()
        assert (obj.get_deployment().endpoint, obj.get_deployment().model) == ("http://127.0.0.1:9/models", "phi-4")


def test_every_class_reports_the_same_ls_provider() -> None:
    chat = ChatAzureInference(endpoint="http://127.0.0.1:9/models", model="gpt-4o")
    text = AzureInferenceLLM(endpoint="http://127.0.0.1:9/models", model="gpt-35-turbo-instruct")
    assert chat._get_ls_params()["ls_provider"] == text._get_ls_params()["ls_provider"] == "azure_inference"
    assert text._get_ls_params()["ls_model_name"] == "gpt-35-turbo-instruct"
    assert text._get_ls_params()["ls_model_type"] == "llm"


def test_deployment_as_a_deployment_name_explains_the_mix_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # AzureOpenAIEmbeddings(deployment=...) names the Azure deployment; here deployment= is a profile name.
    monkeypatch.delenv("AZURE_INFERENCE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    from azure_inference import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"pass azure_deployment='text-embedding-3-small'"):
        AzureInferenceEmbeddings(deployment="text-embedding-3-small", azure_endpoint="https://r.openai.azure.com")
