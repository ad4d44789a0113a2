"""The pure adaptation rules (``azure_inference.adapt``) against the strict emulator's real refusals.

The send loop that applies them is wired later; here a few lines of test code play it (send, read the
refusal, apply the rewrites, send once more) over raw httpx, so the rules meet the bodies they were written for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emu_helpers import Emu

from azure_inference.adapt import DeploymentMemory, Rewrite, apply_rewrites, rewrites_for, structured_method
from azure_inference.emulator import EmulatorHandle, run_emulator
from azure_inference.known_models import lookup_model

pytestmark = pytest.mark.e2e
MSG = [{"role": "user", "content": "Tell me a joke about cats"}]
SCHEMA = {
    "type": "object",
    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
    "required": ["setup", "punchline"],
    "additionalProperties": False,
}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": SCHEMA, "strict": True}}


def send_adapting(
    http: httpx.Client, url: str, body: dict[str, Any], *, params: dict[str, str] | None = None, tries: int = 4
) -> tuple[httpx.Response, dict[str, Any], list[Rewrite]]:
    """Send; on a refusal the rules can answer, rewrite and send again. Returns the last answer and body."""
    done: list[Rewrite] = []
    for _ in range(tries):
        r = http.post(url, json=body, params=params)
        if r.status_code < 400:
            return r, body, done
        try:
            payload: Any = r.json()
        except ValueError:
            payload = r.text
        rewrites = rewrites_for(r.status_code, payload, body)
        if not rewrites:
            return r, body, done
        body, applied = apply_rewrites(body, rewrites)
        done += applied
    raise AssertionError(f"still refused after {tries} tries: {done}")


CATALOG = """
[models."prod-reasoner"]
provider = "OpenAI"
tools = true
json_schema = true
json_object = true
reasoning = true
hide_reasoning = true
token_param = "max_completion_tokens"
refused_params = ["temperature", "top_p", "presence_penalty", "frequency_penalty"]
reasoning_efforts = ["low", "medium", "high"]
"""


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    path: Path = tmp_path_factory.mktemp("catalog") / "catalog.toml"
    path.write_text(CATALOG)
    with run_emulator(catalog=path) as handle:
        yield handle


def test_a_reasoning_deployment_the_table_does_not_know_works_through_adaptation(
    custom: EmulatorHandle, http: httpx.Client
) -> None:
    assert lookup_model("prod-reasoner") is None
    url = custom.openai_v1 + "/chat/completions"
    first = {"model": "prod-reasoner", "messages": MSG, "max_tokens": 40, "temperature": 0.2, "top_p": 0.9}
    r, sent, done = send_adapting(http, url, first)
    assert r.status_code == 200, r.text
    assert done == [
        Rewrite("max_completion_tokens", "max_tokens"),
        Rewrite("drop", "temperature"),
        Rewrite("drop", "top_p"),
    ]
    assert sent == {"model": "prod-reasoner", "messages": MSG, "max_completion_tokens": 40}
    # Remembered: the next request is shaped before it is sent and succeeds at once.
    memory = DeploymentMemory()
    memory.learn(url + "|prod-reasoner", done)
    shaped, applied = memory.shape(url + "|prod-reasoner", {**first, "max_tokens": 60})
    assert len(applied) == 3
    assert http.post(url, json=shaped).status_code == 200


def test_json_schema_falls_back_on_a_422_from_model_inference(e: Emu) -> None:
    # Mistral-small takes tools but no json_schema (docs/wire.md §9: 422 with a detail list).
    url = e.handle.endpoint + "/chat/completions"
    body = {"model": "Mistral-small", "messages": MSG, "response_format": JSON_SCHEMA}
    r, sent, done = send_adapting(e.http, url, body, params={"api-version": "2025-05-01"})
    assert r.status_code == 200, r.text
    assert done == [Rewrite("function_calling", "response_format")]
    assert structured_method(sent) == "function_calling"
    call = r.json()["choices"][0]["message"]["tool_calls"][0]["function"]
    assert call["name"] == "Joke"
    assert set(json.loads(call["arguments"])) == {"setup", "punchline"}


def test_json_schema_falls_back_twice_down_to_json_object(e: Emu) -> None:
    # Phi-3.5-mini-instruct takes neither json_schema nor tools, only json_object.
    url = e.handle.endpoint + "/chat/completions"
    body = {"model": "Phi-3.5-mini-instruct", "messages": MSG, "response_format": JSON_SCHEMA}
    r, sent, done = send_adapting(e.http, url, body, params={"api-version": "2025-05-01"})
    assert r.status_code == 200, r.text
    assert [d.kind for d in done] == ["function_calling", "json_object"]
    assert structured_method(sent) == "json_object"
    assert isinstance(json.loads(r.json()["choices"][0]["message"]["content"]), dict)


def test_json_schema_falls_back_on_a_400_naming_response_format(e: Emu) -> None:
    # The Azure OpenAI body of an old api-version / a model without structured output (langchain#31490).
    e.control.queue_error(
        400,
        body={
            "error": {
                "message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this "
                "model.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    )
    body = {"model": "gpt-4o-mini", "messages": MSG, "response_format": JSON_SCHEMA}
    r, _, done = send_adapting(e.http, e.handle.openai_v1 + "/chat/completions", body)
    assert r.status_code == 200, r.text
    assert done == [Rewrite("function_calling", "response_format")]
    assert r.json()["choices"][0]["finish_reason"] == "tool_calls"


def test_json_schema_falls_back_on_a_5xx_naming_response_format(e: Emu) -> None:
    # An OpenAI-compatible server that crashes on json_schema (ik_llama.cpp#778).
    e.control.queue_error(
        500,
        body={
            "error": {
                "code": 500,
                "message": 'response_format type must be one of "text" or "json_object", but got: json_schema',
                "type": "server_error",
            }
        },
    )
    body = {"model": "gpt-4o-mini", "messages": MSG, "response_format": JSON_SCHEMA}
    r, _, done = send_adapting(e.http, e.handle.url + "/v1/chat/completions", body)
    assert r.status_code == 200, r.text
    assert done == [Rewrite("function_calling", "response_format")]


def test_refusals_outside_the_list_are_left_to_raise(e: Emu) -> None:
    # A strict schema the service finds invalid is the caller's bug, not a method to step down from.
    loose = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": {"type": "object"}, "strict": True}}
    body = {"model": "gpt-4o-mini", "messages": MSG, "response_format": loose}
    r, sent, done = send_adapting(e.http, e.handle.openai_v1 + "/chat/completions", body)
    assert r.status_code == 400
    assert done == []
    assert sent == body
