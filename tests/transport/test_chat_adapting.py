"""Chat shaped for the known model and adapted once to a recognised refusal, sync and async (issue 11).

Mocked at the transport (``httpx.MockTransport`` and the fake sender, via the ``make`` fixture); the refusal
bodies are the service's (docs/wire.md §V1.2.2, docs/wire.md §9) and an OpenAI-compatible server's 5xx.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from azure_inference import (
    BadRequestError,
    ConfigurationError,
    Deployment,
    InferenceClient,
    InvalidRequestError,
    ServerError,
)

from .helpers import Factory, Server, chat_body, chunk, collect, resolve, sse

V1 = "https://r.openai.azure.com/openai/v1"
MSGS = [{"role": "user", "content": "Hi"}]
SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}},
    "required": ["name"],
    "additionalProperties": False,
}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "Person", "schema": SCHEMA, "strict": True}}


def refusal(param: str, code: str = "unsupported_parameter") -> httpx.Response:
    """The service's 400 for a refused field (docs/wire.md §V1.2.2)."""
    message = (
        f"Unsupported parameter: '{param}' is not supported with this model. Use 'max_completion_tokens' instead."
        if param == "max_tokens"
        else f"Unsupported parameter: '{param}' is not supported with this model."
    )
    error = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return httpx.Response(400, json={"error": error})


def strict_reasoner(request: httpx.Request) -> httpx.Response:
    """A deployment that behaves as o4-mini does: refuses max_tokens and temperature, one field per answer."""
    body: dict[str, Any] = httpx.Response(200, content=request.content).json()
    for field in ("max_tokens", "temperature"):
        if field in body:
            return refusal(field)
    return httpx.Response(200, json=chat_body("ok", model="my-reasoner"))


@pytest.mark.parametrize("sync", [True, False])
async def test_an_unknown_reasoning_deployment_works_on_first_use_and_is_shaped_before_the_second(
    make: Factory, sync: bool, caplog: pytest.LogCaptureFixture
) -> None:
    server = Server(strict_reasoner)
    client = make(sync, server, endpoint=V1, model="my-reasoner")
    with caplog.at_level(logging.INFO, logger="azure_inference"):
        first = await resolve(client.chat(MSGS, max_tokens=50, temperature=0.2))
    assert first.content == "ok"
    assert first.adaptations == ("sent max_tokens as max_completion_tokens", "left out temperature")
    assert [set(server.body(i)) - {"messages", "model"} for i in range(3)] == [
        {"max_tokens", "temperature"},
        {"max_completion_tokens", "temperature"},
        {"max_completion_tokens"},
    ]
    assert server.body(2)["max_completion_tokens"] == 50
    rewrites = [r.getMessage() for r in caplog.records if "refused the request" in r.getMessage()]
    assert len(rewrites) == 2
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="azure_inference"):
        second = await resolve(client.chat(MSGS, max_tokens=60, temperature=0.2))
    assert len(server.requests) == 4  # shaped before sending: no refusal this time
    assert server.body()["max_completion_tokens"] == 60
    assert "temperature" not in server.body()
    assert second.adaptations == ("sent max_tokens as max_completion_tokens", "left out temperature")
    assert not [r for r in caplog.records if "refused the request" in r.getMessage()]  # logged once per client


@pytest.mark.parametrize("sync", [True, False])
async def test_a_stream_adapts_too_the_refusal_comes_before_it_starts(make: Factory, sync: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if b'"max_tokens"' in request.content:
            return refusal("max_tokens")
        events = sse(chunk("o"), chunk("k", finish="stop"))
        return httpx.Response(200, content=events, headers={"content-type": "text/event-stream"})

    server = Server(handler)
    client = make(sync, server, endpoint=V1, model="my-reasoner")
    stream = await resolve(client.stream_chat(MSGS, max_tokens=5))
    chunks = await collect(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "ok"
    assert stream.adaptations == ("sent max_tokens as max_completion_tokens",)
    assert len(server.requests) == 2
    assert server.body()["max_completion_tokens"] == 5


@pytest.mark.parametrize("sync", [True, False])
async def test_adapt_off_raises_the_typed_error_as_before(make: Factory, sync: bool) -> None:
    server = Server(strict_reasoner)
    client = make(sync, server, endpoint=V1, model="my-reasoner", adapt="off")
    with pytest.raises(BadRequestError) as info:
        await resolve(client.chat(MSGS, max_tokens=50))
    assert info.value.status_code == 400
    assert len(server.requests) == 1
    # Per call too: a client that adapts can be told not to for one request.
    client2 = make(sync, Server(strict_reasoner), endpoint=V1, model="my-reasoner")
    with pytest.raises(BadRequestError):
        await resolve(client2.chat(MSGS, max_tokens=50, adapt="off"))


@pytest.mark.parametrize("sync", [True, False])
async def test_a_refusal_outside_the_closed_list_raises_after_one_request(make: Factory, sync: bool) -> None:
    server = Server(refusal("messages"))
    client = make(sync, server, endpoint=V1, model="my-reasoner")
    with pytest.raises(BadRequestError):
        await resolve(client.chat(MSGS))
    assert len(server.requests) == 1


def test_a_bad_adapt_value_is_refused_before_sending() -> None:
    with pytest.raises(ConfigurationError, match="adapt"):
        Deployment(endpoint=V1, model="m", adapt="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize("sync", [True, False])
async def test_a_per_call_bad_adapt_value_is_refused_before_sending(make: Factory, sync: bool) -> None:
    server = Server()
    client = make(sync, server, endpoint=V1, model="m")
    with pytest.raises(InvalidRequestError, match="adapt must be 'auto' or 'off'"):
        await resolve(client.chat(MSGS, adapt="maybe"))  # type: ignore[typeddict-item]
    assert server.requests == []


# -- structured output falls back on each of the three refusal shapes -----------------------------------------


def _refuse_json_schema(status: int, body: dict[str, Any]) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        sent = httpx.Response(200, content=request.content).json()
        if (sent.get("response_format") or {}).get("type") == "json_schema":
            return httpx.Response(status, json=body)
        call = {"id": "c1", "type": "function", "function": {"name": "Person", "arguments": '{"name":"Ada"}'}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
        return httpx.Response(
            200, json=chat_body(choices=[{"index": 0, "finish_reason": "tool_calls", "message": message}])
        )

    return handler


REFUSALS = {
    "422 model-inference": (
        "https://res.services.ai.azure.com/models",
        422,
        {"detail": [{"loc": ["body", "response_format"], "msg": "json_schema is not supported", "type": "value"}]},
    ),
    "400 openai-style": (
        V1,
        400,
        {
            "error": {
                "message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with "
                "this model.",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        },
    ),
    "5xx naming response_format": (
        "http://127.0.0.1:8000/v1",
        500,
        {"error": {"code": 500, "message": 'response_format type must be one of "text" or "json_object"'}},
    ),
}


@pytest.mark.parametrize("shape", list(REFUSALS))
@pytest.mark.parametrize("sync", [True, False])
async def test_json_schema_falls_back_to_function_calling_on_each_refusal_shape(
    make: Factory, sync: bool, shape: str
) -> None:
    endpoint, status, body = REFUSALS[shape]
    server = Server(_refuse_json_schema(status, body))
    client = make(sync, server, endpoint=endpoint, model="my-model", max_retries=0)
    result = await resolve(client.chat(MSGS, response_format=JSON_SCHEMA))
    assert result.adaptations == ("sent response_format json_schema as a forced function call",)
    assert result.choices[0].message.tool_calls[0].function.arguments == '{"name":"Ada"}'
    retried = server.body()
    assert "response_format" not in retried
    assert retried["tool_choice"] == {"type": "function", "function": {"name": "Person"}}
    assert retried["tools"][0]["function"]["parameters"] == SCHEMA


@pytest.mark.parametrize("sync", [True, False])
async def test_a_5xx_that_names_nothing_is_retried_by_the_retry_rules_not_adapted(make: Factory, sync: bool) -> None:
    server = Server(httpx.Response(500, json={"error": {"message": "boom"}}))
    client = make(sync, server, endpoint=V1, model="m", max_retries=1)
    with pytest.raises(ServerError):
        await resolve(client.chat(MSGS, response_format=JSON_SCHEMA))
    assert len(server.requests) == 2


# -- known models: shaped before sending, one warning per client ----------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_a_known_reasoning_model_gets_max_completion_tokens_and_one_warning(
    make: Factory, sync: bool, caplog: pytest.LogCaptureFixture
) -> None:
    server = Server()
    client = make(sync, server, endpoint=V1, model="o3-mini")
    with caplog.at_level(logging.WARNING, logger="azure_inference"):
        for _ in range(3):
            await resolve(client.chat(MSGS, max_tokens=40, temperature=0.5, top_p=0.9, reasoning_effort="low"))
    sent = server.body()
    assert sent["max_completion_tokens"] == 40
    assert sent["reasoning_effort"] == "low"
    assert not {"max_tokens", "temperature", "top_p"} & set(sent)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "temperature" in warnings[0]
    assert "top_p" in warnings[0]
    assert len(server.requests) == 3


@pytest.mark.parametrize("sync", [True, False])
async def test_model_family_names_the_model_behind_any_deployment_name(make: Factory, sync: bool) -> None:
    server = Server()
    client = make(sync, server, endpoint=V1, model="prod-chat", model_family="gpt-5-mini")
    await resolve(client.chat(MSGS, max_tokens=10, verbosity="low", reasoning_effort="minimal"))
    assert server.body()["max_completion_tokens"] == 10
    assert server.body()["verbosity"] == "low"


def test_an_unknown_model_family_is_a_configuration_error_naming_the_fix() -> None:
    with pytest.raises(ConfigurationError, match=r"model_family='o99'.*Fix"):
        Deployment(endpoint=V1, model="m", model_family="o99")


@pytest.mark.parametrize("sync", [True, False])
async def test_a_reasoning_effort_the_known_model_does_not_take_is_refused_before_sending(
    make: Factory, sync: bool
) -> None:
    server = Server()
    client = make(sync, server, endpoint=V1, model="o3-mini")
    with pytest.raises(InvalidRequestError, match="reasoning_effort='minimal'"):
        await resolve(client.chat(MSGS, reasoning_effort="minimal"))
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
async def test_the_answering_model_is_used_after_the_first_call(make: Factory, sync: bool) -> None:
    # A deployment named "prod" serving o4-mini: the first call goes as set, the response names the model,
    # and the second is shaped for it without a refusal.
    server = Server(httpx.Response(200, json=chat_body(model="o4-mini-2025-04-16")))
    client = make(sync, server, endpoint=V1, model="prod")
    await resolve(client.chat(MSGS, max_tokens=7))
    assert server.body()["max_tokens"] == 7
    await resolve(client.chat(MSGS, max_tokens=7))
    assert server.body()["max_completion_tokens"] == 7
    assert "max_tokens" not in server.body()


@pytest.mark.parametrize("sync", [True, False])
async def test_max_completion_tokens_goes_as_max_tokens_on_the_model_inference_api(make: Factory, sync: bool) -> None:
    server = Server()
    client = make(sync, server, model="my-model")  # docs/wire.md §3: that spec only has max_tokens
    await resolve(client.chat(MSGS, max_completion_tokens=12))
    assert server.body()["max_tokens"] == 12
    assert "max_completion_tokens" not in server.body()


@pytest.mark.parametrize("bad", [-1, 1.5, "10"])
@pytest.mark.parametrize("sync", [True, False])
async def test_a_bad_max_completion_tokens_is_refused_before_sending(make: Factory, sync: bool, bad: Any) -> None:
    server = Server()
    client = make(sync, server, endpoint=V1, model="m")
    with pytest.raises(InvalidRequestError, match="max_completion_tokens"):
        await resolve(client.chat(MSGS, max_completion_tokens=bad))
    assert server.requests == []


def test_model_family_and_adapt_come_from_a_profile(tmp_path: Any) -> None:
    path = tmp_path / "profiles.toml"
    path.write_text(
        '[profiles.prod]\nendpoint = "http://127.0.0.1:9/openai/v1"\nmodel = "prod-chat"\n'
        'model_family = "o4-mini"\nadapt = "off"\n'
    )
    dep = Deployment.from_profile("prod", path)
    assert dep.model_family == "o4-mini"
    assert dep.adapt == "off"
    server = Server()
    with httpx.Client(transport=httpx.MockTransport(server)) as http, InferenceClient(dep, http_client=http) as client:
        client.chat(MSGS, max_tokens=5, temperature=0.1)
    assert server.body()["max_completion_tokens"] == 5  # shaped for o4-mini, whatever the deployment is called
    assert "temperature" not in server.body()


@pytest.mark.parametrize("sync", [True, False])
async def test_the_deployment_in_an_azure_openai_path_names_the_model(make: Factory, sync: bool) -> None:
    # The first example: an Azure OpenAI deployment of o3-mini, on the default api-version.
    server = Server()
    client = make(sync, server, endpoint="https://r.openai.azure.com/openai/deployments/o3-mini")
    await resolve(client.chat(MSGS, max_completion_tokens=50))
    assert server.body()["max_completion_tokens"] == 50
    assert "max_tokens" not in server.body()
    assert server.last.url.params["api-version"] == "2025-04-01-preview"
