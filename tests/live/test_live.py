"""Against a real deployment: runs only when AZURE_INFERENCE_ENDPOINT (and a credential) are set.

    AZURE_INFERENCE_ENDPOINT=https://<res>.services.ai.azure.com/models AZURE_INFERENCE_CREDENTIAL=... \\
    AZURE_INFERENCE_MODEL=gpt-4o-mini AZURE_INFERENCE_EMBEDDINGS_MODEL=text-embedding-3-small \\
    .venv/bin/pytest tests/live -m live

Everything else in the suite runs offline against the bundled emulator; these tests check the same calls
against the service itself (no emulator involved), through the transport and the LlamaIndex adapter (the
LangChain standard integration suite switches to the real endpoint on its own).
"""

from __future__ import annotations

import os

import pytest

from azure_inference import AsyncInferenceClient, Deployment, InferenceClient, RouteNotSupportedError

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("AZURE_INFERENCE_ENDPOINT"), reason="set AZURE_INFERENCE_ENDPOINT to run against Azure"
    ),
]

ASK = [{"role": "user", "content": "Reply with the single word: pong"}]


def _embeddings_model() -> str:
    model = os.environ.get("AZURE_INFERENCE_EMBEDDINGS_MODEL")
    if not model:
        pytest.skip("set AZURE_INFERENCE_EMBEDDINGS_MODEL to test embeddings")
    return model


def test_chat_stream_and_usage() -> None:
    with InferenceClient(Deployment.from_env()) as client:
        whole = client.chat(ASK, max_tokens=10, temperature=0)
        assert whole.content
        assert whole.usage is not None
        assert whole.usage.total_tokens > 0
        with client.stream_chat(ASK, max_tokens=10, temperature=0) as stream:
            final = stream.get_final_response()
        assert final.content
        assert final.choices[0].finish_reason in ("stop", "length")


async def test_async_chat_and_model_info() -> None:
    async with AsyncInferenceClient(Deployment.from_env()) as client:
        reply = await client.chat(ASK, max_tokens=10, temperature=0)
        assert reply.content
        try:
            info = await client.get_model_info()
        except RouteNotSupportedError:
            return  # Azure OpenAI and GitHub Models have no /info: a typed answer is the contract
        assert info.model_name


def test_tool_call_round_trip() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
    with InferenceClient(Deployment.from_env()) as client:
        reply = client.chat(
            [{"role": "user", "content": "What is the weather in Paris?"}], tools=[tool], tool_choice="required"
        )
    calls = reply.choices[0].message.tool_calls
    assert calls
    assert calls[0].function.name == "get_weather"


def test_embeddings_are_unit_vectors_in_order() -> None:
    model = _embeddings_model()
    with InferenceClient(Deployment.from_env(model=model)) as client:
        result = client.embed(["the cat sat", "quarterly revenue grew"])
    assert len(result.vectors) == 2
    for vector in result.vectors:
        norm = sum(x * x for x in vector) ** 0.5
        assert abs(norm - 1.0) < 1e-2


def test_llamaindex_chat_and_embedding() -> None:
    from llama_index.core.llms import ChatMessage

    from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

    llm = AzureInference(max_tokens=10, temperature=0)
    assert llm.chat([ChatMessage(role="user", content=ASK[0]["content"])]).message.content
    llm.close()
    embedding = AzureInferenceEmbedding(model=_embeddings_model())
    assert len(embedding.get_query_embedding("hello")) > 0
    embedding.close()
