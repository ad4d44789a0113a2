"""langchain-tests standard integration suites against the emulator (or a real deployment when
``AZURE_INFERENCE_ENDPOINT`` is set)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests, EmbeddingsIntegrationTests

from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

LIVE = bool(os.environ.get("AZURE_INFERENCE_ENDPOINT"))


class TestChatAzureInferenceIntegration(ChatModelIntegrationTests):
    @pytest.fixture(autouse=True)
    def _endpoint(self, emulator: EmulatorHandle) -> None:
        self._emu_endpoint = emulator.endpoint

    @property
    def chat_model_class(self) -> type[ChatAzureInference]:
        return ChatAzureInference

    @property
    def chat_model_params(self) -> dict[str, Any]:
        if LIVE:
            return {"model": os.environ.get("AZURE_INFERENCE_MODEL", "gpt-4o-mini")}
        return {"endpoint": self._emu_endpoint, "model": "gpt-4o-mini"}

    @pytest.fixture
    async def model(self, request: Any) -> AsyncIterator[ChatAzureInference]:  # type: ignore[override]
        extra = getattr(request, "param", None) or {}
        llm = ChatAzureInference(**{**self.standard_chat_model_params, **self.chat_model_params, **extra})
        yield llm
        await llm.aclose()

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
    def has_tool_choice(self) -> bool:
        return True

    # -- tests that need the internet (they run for real when LIVE) ------------------------------------------

    @pytest.mark.xfail(not LIVE, reason="the test downloads an image from the internet, which this sandbox lacks")
    def test_image_inputs(self, model: Any) -> None:
        super().test_image_inputs(model)


class TestAzureInferenceEmbeddingsIntegration(EmbeddingsIntegrationTests):
    @pytest.fixture(autouse=True)
    def _endpoint(self, emulator: EmulatorHandle) -> None:
        self._emu_endpoint = emulator.endpoint

    @property
    def embeddings_class(self) -> type[AzureInferenceEmbeddings]:
        return AzureInferenceEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        if LIVE:
            return {"model": os.environ.get("AZURE_INFERENCE_EMBEDDINGS_MODEL", "text-embedding-3-small")}
        return {"endpoint": self._emu_endpoint, "model": "text-embedding-3-small"}

    @pytest.fixture
    async def model(self) -> AsyncIterator[AzureInferenceEmbeddings]:  # type: ignore[override]
        emb = AzureInferenceEmbeddings(**self.embedding_model_params)
        yield emb
        await emb.aclose()
