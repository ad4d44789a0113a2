"""The pure GenAI mapping (``azure_inference._genai``): attributes and captured content from wire data."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from azure_inference import ConfigurationError
from azure_inference._genai import (
    ENV_CAPTURE,
    ENV_MAX_CONTENT,
    capture_settings,
    input_messages,
    output_messages,
    request_attributes,
    response_attributes,
    server_attributes,
)
from azure_inference.models.chat import ChatCompletions
from azure_inference.models.completions import Completions
from azure_inference.models.embeddings import EmbeddingsResult


def test_request_attributes_take_numbers_and_stop_only() -> None:
    attrs = request_attributes(
        "chat", "m", {"temperature": 0, "max_tokens": 5, "stop": "x", "tools": [{}], "seed": True}, stream=True
    )
    assert attrs == {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "m",
        "gen_ai.request.temperature": 0,  # zero is a value, not "absent"
        "gen_ai.request.max_tokens": 5,
        "gen_ai.request.stop_sequences": ["x"],
        "gen_ai.request.stream": True,
    }
    assert "gen_ai.request.model" not in request_attributes("embeddings", None, {}, stream=False)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://a.openai.azure.com/openai/deployments/d",
            {"server.address": "a.openai.azure.com", "server.port": 443},
        ),
        ("http://127.0.0.1:8123/models", {"server.address": "127.0.0.1", "server.port": 8123}),
        ("http://localhost/v1", {"server.address": "localhost", "server.port": 80}),
    ],
)
def test_server_attributes(url: str, expected: dict[str, object]) -> None:
    assert server_attributes(url) == expected


def test_response_attributes_per_result_type() -> None:
    chat = ChatCompletions.model_validate(
        {
            "id": "a",
            "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop"}, {"index": 1, "finish_reason": "length"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
    )
    assert response_attributes(chat) == {
        "gen_ai.response.id": "a",
        "gen_ai.response.model": "m",
        "gen_ai.response.finish_reasons": ["stop", "length"],
        "gen_ai.usage.input_tokens": 1,
        "gen_ai.usage.output_tokens": 2,
    }
    emb = EmbeddingsResult.model_validate({"data": [], "usage": {"prompt_tokens": 9, "total_tokens": 9}})
    assert response_attributes(emb) == {"gen_ai.usage.input_tokens": 9}
    assert response_attributes(Completions()) == {}


def test_input_messages_shapes_and_truncation() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "abcdefgh"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}],
            },
            {"role": "tool", "tool_call_id": "c", "content": "result!!!"},
        ]
    }
    got = json.loads(input_messages(json.dumps(body).encode(), 4) or "")
    assert got == [
        {"role": "user", "parts": [{"type": "text", "content": "abcd…[4 more characters]"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c", "name": "f", "arguments": "{}"}]},
        {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c", "response": "resu…[5 more characters]"}]},
    ]
    prompts = json.loads(input_messages(b'{"prompt": ["p1", "p2"]}', 10) or "")
    assert prompts == [{"role": "user", "parts": [{"type": "text", "content": p}]} for p in ("p1", "p2")]
    assert input_messages(b'{"input": ["x"]}', 10) is None  # embeddings: no messages to capture
    assert input_messages(None, 10) is None


def test_output_messages_of_a_text_completion() -> None:
    result = Completions.model_validate({"choices": [{"index": 0, "text": "hello", "finish_reason": "stop"}]})
    assert json.loads(output_messages(result, 3) or "") == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": "hel…[2 more characters]"}],
            "finish_reason": "stop",
        }
    ]


def test_capture_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CAPTURE, raising=False)
    monkeypatch.delenv(ENV_MAX_CONTENT, raising=False)
    assert capture_settings() == (False, 4096)
    monkeypatch.setenv(ENV_CAPTURE, "True")
    monkeypatch.setenv(ENV_MAX_CONTENT, "100")
    assert capture_settings() == (True, 100)
    monkeypatch.setenv(ENV_MAX_CONTENT, "lots")
    with pytest.raises(ConfigurationError, match="AZURE_INFERENCE_TELEMETRY_MAX_CONTENT='lots'"):
        capture_settings()


def test_telemetry_on_without_opentelemetry_says_how_to_fix() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules["opentelemetry"] = None  # as if the otel extra were not installed
        from azure_inference import InferenceClient, ConfigurationError
        try:
            InferenceClient(endpoint="http://127.0.0.1:9/models", telemetry=True)
        except ConfigurationError as err:
            print(err)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pip install 'azure-inference-adapters[otel]'" in done.stdout
