"""The LangChain views of the shared known-model table, and ``credential=`` objects routed like ``Deployment``."""

from __future__ import annotations

import json
import time
from typing import Any, NamedTuple

import httpx
import pytest

from azure_inference import KNOWN_MODELS, ConfigurationError
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference
from langchain_azure_inference._profiles import lookup_embedding, lookup_profile, profile_from_info

ENDPOINT = "https://res.services.ai.azure.com/models"
REPLY = {
    "id": "r1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


class AccessToken(NamedTuple):
    token: str
    expires_on: int


class TokenCredential:
    """azure-identity shaped: ``get_token(*scopes)``."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("entra-token", int(time.time()) + 3600)


def test_profile_is_built_from_the_card() -> None:
    profile = lookup_profile("gpt-4o-mini-2024-07-18")
    assert profile is not None
    card = KNOWN_MODELS["gpt-4o-mini"]
    assert (profile["max_input_tokens"], profile["max_output_tokens"]) == (card.context_window, card.max_output_tokens)
    assert profile["tool_calling"]
    assert profile["tool_choice"]
    assert profile["tool_call_streaming"]
    assert profile["structured_output"]
    assert profile["image_url_inputs"]
    r1 = lookup_profile("DeepSeek-R1")
    assert r1 is not None
    assert r1["reasoning_output"]
    assert not r1["tool_calling"]
    assert "tool_call_streaming" not in r1
    multimodal = profile_from_info("Phi-4-multimodal-instruct", "chat-completion")
    assert multimodal is not None
    assert multimodal["audio_inputs"]
    assert multimodal["image_inputs"]
    assert lookup_profile("phi-3.5-foo") is None  # one matching rule: '.' does not delimit
    assert lookup_profile("text-embedding-3-small") is None  # embedding models have no chat profile


def test_embedding_view_reads_the_same_cards() -> None:
    assert lookup_embedding("Cohere-embed-v3-multilingual") == {
        "dimensions": 1024,
        "supports_dimensions": False,
        "input_type": True,
    }
    assert lookup_embedding("text-embedding-3-large") == {
        "dimensions": 3072,
        "supports_dimensions": True,
        "input_type": False,
    }
    assert lookup_embedding("gpt-4o") is None


@pytest.mark.parametrize("sync", [True, False])
async def test_credential_object_is_routed_to_azure_credential(sync: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)  # no environment key beside the Entra token
    headers: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        headers.append(request.headers)
        assert json.loads(request.content)["model"] == "gpt-4o"
        return httpx.Response(200, json=REPLY)

    transport = httpx.MockTransport(handler)
    cred = TokenCredential()
    # The with blocks close the httpx clients: the adapter does not own clients it is given.
    with httpx.Client(transport=transport) as http:
        async with httpx.AsyncClient(transport=transport) as ahttp:
            llm = ChatAzureInference(
                endpoint=ENDPOINT,
                credential=cred,
                model="gpt-4o",
                max_retries=0,
                http_client=http,
                http_async_client=ahttp,
            )
            assert llm.azure_credential is cred
            assert llm.get_deployment().azure_credential is cred
            reply = llm.invoke("hello") if sync else await llm.ainvoke("hello")
            await llm.aclose()
    assert reply.content == "hi"
    assert headers[0]["authorization"] == "Bearer entra-token"
    assert "api-key" not in headers[0]
    assert cred.scopes == [("https://cognitiveservices.azure.com/.default",)]


def test_token_callable_and_key_object_are_routed_too() -> None:
    def provider() -> str:
        return "t"

    class KeyCredential:
        key = "key-from-object"

    by_callable = ChatAzureInference(endpoint=ENDPOINT, credential=provider)
    assert by_callable.token_provider is provider
    assert by_callable.get_deployment().token_provider is provider
    by_key = AzureInferenceEmbeddings(endpoint=ENDPOINT, api_key=KeyCredential())
    assert by_key.api_key is not None
    assert by_key.api_key.get_secret_value() == "key-from-object"
    assert "key-from-object" not in repr(by_key)
    with pytest.raises(ConfigurationError, match="credential must be"):
        ChatAzureInference(endpoint=ENDPOINT, credential=3.5)
