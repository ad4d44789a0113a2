"""The official azure-ai-inference SDK (1.0.0b9) works against the emulator unchanged."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient, ImageEmbeddingsClient
from azure.ai.inference.models import (
    ChatCompletionsNamedToolChoice,
    ChatCompletionsNamedToolChoiceFunction,
    ChatCompletionsToolDefinition,
    FunctionDefinition,
    ImageEmbeddingInput,
    JsonSchemaFormat,
    SystemMessage,
    UserMessage,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError

from azure_inference.emulator import EmulatorHandle

pytestmark = pytest.mark.e2e
KEY = AzureKeyCredential("any-key")
WEATHER = ChatCompletionsToolDefinition(
    function=FunctionDefinition(
        name="get_weather",
        description="Get the weather for a city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    )
)


@pytest.fixture
def chat_client(emu: EmulatorHandle) -> Iterator[ChatCompletionsClient]:
    with ChatCompletionsClient(endpoint=emu.endpoint, credential=KEY) as client:
        yield client


def test_complete_plain(chat_client: ChatCompletionsClient, emu: EmulatorHandle) -> None:
    result = chat_client.complete(
        messages=[SystemMessage("Be brief."), UserMessage("Tell me about otters")],
        temperature=0.1,
        max_tokens=100,
        seed=7,
    )
    assert "otters" in result.choices[0].message.content
    assert result.choices[0].finish_reason == "stop"
    assert result.usage.total_tokens == result.usage.prompt_tokens + result.usage.completion_tokens
    sent = emu.control.requests()[-1]
    assert sent["query"] == "api-version=2024-05-01-preview"
    assert sent["headers"]["api-key"] == "***"
    assert sent["headers"]["authorization"] == "***"


def test_complete_streaming(chat_client: ChatCompletionsClient) -> None:
    full = chat_client.complete(messages=[UserMessage("Tell me a long story about otters")])
    updates = list(chat_client.complete(messages=[UserMessage("Tell me a long story about otters")], stream=True))
    assert len(updates) > 3
    text = "".join(u.choices[0].delta.content or "" for u in updates if u.choices)
    assert text == full.choices[0].message.content
    assert updates[-1].choices[0].finish_reason == "stop"
    assert updates[-1].usage.completion_tokens == full.usage.completion_tokens


def test_complete_tools_json_and_stream(chat_client: ChatCompletionsClient) -> None:
    result = chat_client.complete(
        messages=[UserMessage("What's the weather in Lisbon?")],
        tools=[WEATHER],
        tool_choice=ChatCompletionsNamedToolChoice(function=ChatCompletionsNamedToolChoiceFunction(name="get_weather")),
    )
    call = result.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Lisbon"}
    # The SDK sample's way of folding a streamed tool call (docs/wire.md §4).
    name, args, call_id = "", "", ""
    for update in chat_client.complete(
        messages=[UserMessage("What's the weather in Lisbon?")], tools=[WEATHER], tool_choice="required", stream=True
    ):
        if update.choices and update.choices[0].delta.tool_calls:
            tc = update.choices[0].delta.tool_calls[0]
            call_id = tc.id or call_id
            name = tc.function.name or name
            args += tc.function.arguments or ""
    assert name == "get_weather"
    assert call_id.startswith("call_")
    assert json.loads(args) == {"city": "Lisbon"}
    fmt = JsonSchemaFormat(
        name="city",
        schema={
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
    )
    result = chat_client.complete(messages=[UserMessage("Name a city like Porto")], response_format=fmt)
    assert json.loads(result.choices[0].message.content) == {"name": "Porto"}


def test_model_info(chat_client: ChatCompletionsClient) -> None:
    info = chat_client.get_model_info()
    assert info.model_name == "gpt-4o-mini"
    assert info.model_type == "chat-completion"
    assert info.model_provider_name == "OpenAI"


def test_embeddings_clients(emu: EmulatorHandle) -> None:
    with EmbeddingsClient(endpoint=emu.endpoint, credential=KEY) as client:
        result = client.embed(input=["first phrase", "second phrase"], dimensions=64)
        assert [len(d.embedding) for d in result.data] == [64, 64]
        result = client.embed(input=["x"], encoding_format="base64", model="text-embedding-3-small")
        assert isinstance(result.data[0].embedding, str)
        # Multi-model endpoint: /info without ?model= describes the default chat model (docs/emulator.md).
        assert client.get_model_info().model_name == "gpt-4o-mini"
    png = "data:image/png;base64," + base64.b64encode(b"fake png").decode()
    with ImageEmbeddingsClient(endpoint=emu.endpoint, credential=KEY) as client:
        result = client.embed(input=[ImageEmbeddingInput(image=png)], model="Cohere-embed-v3-multilingual")
        assert len(result.data[0].embedding) == 1024
        assert result.model == "Cohere-embed-v3-multilingual"


def test_model_extras_pass_through(chat_client: ChatCompletionsClient, emu: EmulatorHandle) -> None:
    result = chat_client.complete(messages=[UserMessage("hi")], model_extras={"custom_knob": 3})
    assert result.choices[0].message.content
    sent = emu.control.requests()[-1]
    assert sent["headers"]["extra-parameters"] == "pass-through"
    assert sent["body"]["custom_knob"] == 3


def test_sdk_errors(chat_client: ChatCompletionsClient, emu: EmulatorHandle, keyed_emulator: EmulatorHandle) -> None:
    with pytest.raises(HttpResponseError) as info:
        chat_client.complete(messages=[UserMessage("hi")], model="DeepSeek-R1", tools=[WEATHER])
    assert info.value.status_code == 422
    assert info.value.error is not None
    assert info.value.error.code == "parameter_not_supported"
    emu.control.set_blocklists(prompt=["dangerous"])
    with pytest.raises(HttpResponseError) as info:
        chat_client.complete(messages=[UserMessage("something dangerous")])
    assert info.value.status_code == 400
    assert info.value.error is not None
    assert info.value.error.code == "content_filter"
    with pytest.raises(ResourceNotFoundError):
        chat_client.complete(messages=[UserMessage("hi")], model="missing-model")
    with (
        ChatCompletionsClient(endpoint=keyed_emulator.endpoint, credential=AzureKeyCredential("bad")) as bad,
        pytest.raises(ClientAuthenticationError) as auth,
    ):
        bad.complete(messages=[UserMessage("hi")])
    assert auth.value.status_code == 401
    with ChatCompletionsClient(endpoint=keyed_emulator.endpoint, credential=AzureKeyCredential("test-key")) as ok:
        assert ok.complete(messages=[UserMessage("hi")]).choices[0].message.content
