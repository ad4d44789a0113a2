"""langchain-tests standard unit suites (no network: construction, params, serialization)."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests, EmbeddingsUnitTests

from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

ENDPOINT = "https://example.services.ai.azure.com/models"


class TestChatAzureInferenceUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatAzureInference]:
        return ChatAzureInference

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"endpoint": ENDPOINT, "model": "gpt-4o-mini", "api_key": "test-key"}

    @property
    def model_override_value(self) -> str:
        return "gpt-4o"

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"AZURE_INFERENCE_ENDPOINT": ENDPOINT, "AZURE_INFERENCE_CREDENTIAL": "env-key"}
        return env, {"model": "gpt-4o-mini"}, {"endpoint": ENDPOINT, "api_key": "env-key"}


class TestAzureInferenceEmbeddingsUnit(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[AzureInferenceEmbeddings]:
        return AzureInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"endpoint": ENDPOINT, "model": "text-embedding-3-small", "api_key": "test"}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        env = {"AZURE_INFERENCE_ENDPOINT": ENDPOINT, "AZURE_INFERENCE_CREDENTIAL": "env-key"}
        return env, {"model": "text-embedding-3-small"}, {"endpoint": ENDPOINT, "api_key": "env-key"}
