"""The LlamaIndex adapter reads the shared known-model table and routes ``credential=`` objects like Deployment."""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import httpx
import pytest
from llama_index.core.llms import ChatMessage

import azure_inference
from azure_inference import ConfigurationError
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding, ModelCaps, lookup_model

ENDPOINT = "https://res.services.ai.azure.com/models"
REPLY = {
    "id": "r1",
    "created": 1,
    "model": "gpt-4o",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class AccessToken(NamedTuple):
    token: str
    expires_on: int


class TokenCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("entra-token", int(time.time()) + 3600)


def test_public_names_are_the_shared_table() -> None:
    assert ModelCaps is azure_inference.ModelCard
    assert lookup_model("gpt-4o-2024-08-06") is azure_inference.KNOWN_MODELS["gpt-4o"]


def test_metadata_follows_the_one_matching_rule() -> None:
    # The old LlamaIndex table matched raw prefixes: phi-3.5-foo became a 4k-context phi-3.
    odd = AzureInference(endpoint=ENDPOINT, credential="k", model="phi-3.5-foo")
    assert odd.caps is None
    assert odd.metadata.context_window == 128_000  # the adapter default, not phi-3's 4096
    r1 = AzureInference(endpoint=ENDPOINT, credential="k", model="DeepSeek-R1")
    assert (r1.metadata.num_output, r1.metadata.is_function_calling_model) == (32_768, False)


@pytest.mark.parametrize("sync", [True, False])
async def test_credential_object_sends_a_bearer_token(sync: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=REPLY)

    transport = httpx.MockTransport(handler)
    msgs = [ChatMessage(role="user", content="hello")]
    # The with blocks close the httpx clients: the adapter does not own clients it is given.
    with httpx.Client(transport=transport) as http:
        async with httpx.AsyncClient(transport=transport) as ahttp:
            llm = AzureInference(
                endpoint=ENDPOINT,
                credential=TokenCredential(),
                model="gpt-4o",
                http_client=http,
                async_http_client=ahttp,
            )
            reply = llm.chat(msgs) if sync else await llm.achat(msgs)
            await llm.aclose()
    assert reply.message.content == "hi"
    assert seen[0].headers["authorization"] == "Bearer entra-token"
    assert "api-key" not in seen[0].headers


def test_unknown_credential_objects_are_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="credential must be"):
        AzureInferenceEmbedding(endpoint=ENDPOINT, credential=3.5)
