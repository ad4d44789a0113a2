"""The surface rules table, the pure retry rules, the error helpers, and the calls written once as flows."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from azure_inference import (
    DEFAULT_API_VERSIONS,
    APIConnectionError,
    APIStatusError,
    AsyncInferenceClient,
    BadRequestError,
    ConfigurationError,
    Deployment,
    InferenceClient,
    RetryPolicy,
    ServerError,
    Surface,
)
from azure_inference._response import request_id
from azure_inference._surfaces import RULES, detect_surface
from azure_inference.errors import ResponseValidationError, filtered_categories
from azure_inference.retry import retry_delay, should_retry

from .fake_sender import FakeAsyncSender, FakeSender
from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, chunk, collect, resolve, sse

MSGS = [{"role": "user", "content": "Hi"}]

# One endpoint per surface, with the model each needs.
ENDPOINTS = {
    Surface.MODEL_INFERENCE: ENDPOINT,
    Surface.AZURE_OPENAI: "https://r.openai.azure.com/openai/deployments/dep",
    Surface.OPENAI_V1: "https://r.openai.azure.com/openai/v1",
    Surface.OPENAI_COMPATIBLE: "http://127.0.0.1:8000/v1",
}


# -- the rules table ------------------------------------------------------------------------------------------


def test_every_surface_has_frozen_rules_matching_the_design_table() -> None:
    assert set(RULES) == set(Surface)
    for surface, rules in RULES.items():
        assert rules.surface is surface
        assert DEFAULT_API_VERSIONS[surface] == rules.default_api_version
        with pytest.raises(dataclasses.FrozenInstanceError):
            rules.stream_usage = not rules.stream_usage  # type: ignore[misc]
    table = {  # docs/wire.md §S; docs/wire.md §V1.1 and §3 for /responses
        s: (r.key_header, r.model_in_body, r.stream_usage, r.extra_parameters_header, r.info, r.responses)
        for s, r in RULES.items()
    }
    assert table == {
        Surface.MODEL_INFERENCE: ("both", True, False, True, True, False),
        Surface.AZURE_OPENAI: ("api-key", False, True, False, False, True),
        Surface.OPENAI_V1: ("api-key", True, True, False, False, True),
        Surface.OPENAI_COMPATIBLE: ("bearer", True, True, False, False, True),
    }


@pytest.mark.parametrize("surface", list(Surface))
def test_the_deployment_reads_its_surface_rules(surface: Surface) -> None:
    dep = Deployment(endpoint=ENDPOINTS[surface], credential=KEY, model="m")
    assert detect_surface(dep.endpoint) is surface
    assert dep.rules is RULES[surface]
    assert dep.resolved_api_version == RULES[surface].default_api_version


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("surface", list(Surface))
async def test_the_client_follows_the_flags_of_each_surface(sync: bool, surface: Surface, make: Factory) -> None:
    rules = RULES[surface]
    info = {"model_name": "m", "model_type": "chat-completion", "model_provider_name": "p"}
    server = Server(httpx.Response(200, content=sse(chunk("x", finish="stop"))), httpx.Response(200, json=info))
    client = make(sync, server, endpoint=ENDPOINTS[surface], model="m")
    await collect(await resolve(client.stream_chat(MSGS, seed=1, extra_parameters="drop")))
    body, headers = server.body(), server.last.headers
    assert ("stream_options" in body) is rules.stream_usage
    assert ("model" in body) is rules.model_in_body
    assert ("extra-parameters" in headers) is rules.extra_parameters_header
    assert ("api-key" in headers) is (rules.key_header in ("api-key", "both"))
    assert ("authorization" in headers) is (rules.key_header in ("bearer", "both"))
    sent = len(server.requests)
    assert (await resolve(client.try_get_model_info()) is not None) is rules.info
    assert len(server.requests) == sent + (1 if rules.info else 0)  # no request where /info does not exist


# -- retry rules (pure) ---------------------------------------------------------------------------------------


def status(code: int, **headers: str) -> APIStatusError:
    return APIStatusError("x", status_code=code, headers=headers)


def test_should_retry_is_a_pure_table() -> None:
    assert should_retry(status(429), 0, 2)
    assert should_retry(status(503), 1, 2)
    assert not should_retry(status(503), 2, 2)  # the retries are used up
    assert not should_retry(status(400), 0, 2)
    assert should_retry(status(400, **{"X-Should-Retry": "true"}), 0, 2)  # any header case
    assert not should_retry(status(500, **{"X-Should-Retry": "false"}), 0, 2)
    assert should_retry(APIConnectionError("refused"), 0, 1)
    assert not should_retry(ResponseValidationError("bad body"), 0, 5)
    assert not should_retry(ValueError("bug"), 0, 5)


def test_retry_delay_prefers_the_services_wait_and_caps_it() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0, max_retry_after=10.0, jitter=0.5)
    asked = APIStatusError("x", status_code=503, retry_after=2.5)
    assert retry_delay(asked, 1, policy) == 2.5
    assert retry_delay(APIStatusError("x", status_code=503, retry_after=99.0), 1, policy) == 10.0
    assert retry_delay(APIConnectionError("refused"), 3, policy, rand=lambda: 0.0) == 4.0
    assert retry_delay(APIConnectionError("refused"), 3, policy, rand=lambda: 1.0) == 2.0
    assert retry_delay(status(500), 9, policy, rand=lambda: 0.0) == 8.0


@pytest.mark.parametrize("sync", [True, False])
async def test_every_status_error_has_retry_after_and_lower_cased_headers(sync: bool, make: Factory) -> None:
    headers = {"Retry-After": "2", "X-Should-Retry": "false", "APIM-Request-Id": "rid-9"}
    server = Server(httpx.Response(503, headers=headers, json={"error": {"code": "Busy", "message": "busy"}}))
    client = make(sync, server, max_retries=3)
    with pytest.raises(ServerError) as info:
        await resolve(client.chat(MSGS))
    err = info.value
    assert err.retry_after == 2.0  # parsed once, on a 503 as on a 429
    assert err.headers["retry-after"] == "2"
    assert all(name == name.lower() for name in err.headers)
    assert err.request_id == "rid-9"
    assert len(server.requests) == 1  # x-should-retry: false is honoured whatever case the server used


# -- error helpers ----------------------------------------------------------------------------------------------


def test_request_id_is_one_rule() -> None:
    assert request_id({"x-ms-request-id": "a", "apim-request-id": "b"}) == "b"
    assert request_id(httpx.Headers({"X-Request-ID": "c", "apim-request-id": "b"})) == "c"
    assert request_id({"x-ms-client-request-id": "ours"}) == "ours"
    assert request_id({"x-request-id": ""}) is None


def test_filtered_categories_is_one_helper() -> None:
    categories: dict[str, Any] = {"hate": {"filtered": True}, "violence": {"filtered": False}, "odd": "x"}
    assert filtered_categories(categories) == ["hate"]
    assert filtered_categories(None) == []


# -- the sender keyword, and the flows written once -------------------------------------------------------------


def test_a_sender_and_an_http_client_together_are_refused() -> None:
    with httpx.Client() as http, pytest.raises(ConfigurationError, match="not both"):
        InferenceClient(endpoint=ENDPOINT, credential=KEY, http_client=http, sender=FakeSender(Server()))
    with pytest.raises(ConfigurationError, match="not both"):
        AsyncInferenceClient(
            endpoint=ENDPOINT, credential=KEY, http_client=httpx.AsyncClient(), sender=FakeAsyncSender(Server())
        )


@pytest.mark.parametrize("sync", [True, False])
async def test_each_reply_is_released_once_whole_or_streamed(sync: bool) -> None:
    factory = Factory("sender")
    server = Server(
        httpx.Response(200, json=chat_body()),
        httpx.Response(200, content=sse(chunk("a"), chunk("b", finish="stop"))),
    )
    client = factory(sync, server)
    sender: Any = client._sender
    await resolve(client.chat(MSGS))
    stream = await resolve(client.stream_chat(MSGS))
    assert sender.replies[1].closes == 0  # a stream holds its connection until it ends
    assert len(await collect(stream)) == 2
    assert [reply.closes for reply in sender.replies] == [1, 1]
    await resolve(client.close())
    assert sender.closed


@pytest.mark.parametrize("sync", [True, False])
async def test_the_embed_flow_falls_back_once_and_remembers(sync: bool, make: Factory) -> None:
    refused = httpx.Response(
        400, json={"error": {"code": "invalid", "message": "encoding_format base64 is not supported"}}
    )
    floats = {"object": "list", "model": "e", "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}]}
    server = Server(refused, httpx.Response(200, json=floats))
    client = make(sync, server)
    assert (await resolve(client.embed("a"))).vectors == [[0.5]]
    assert (await resolve(client.embed("b"))).vectors == [[0.5]]
    assert [server.body(i).get("encoding_format") for i in range(3)] == ["base64", None, None]
    server.replies = [refused]
    with pytest.raises(BadRequestError):  # an explicit encoding is never rewritten
        await resolve(client.embed("c", encoding_format="base64"))


@pytest.mark.parametrize("sync", [True, False])
async def test_the_info_flow_caches_the_answer_and_the_absence(sync: bool, make: Factory) -> None:
    info = {"model_name": "m", "model_type": "chat-completion", "model_provider_name": "p"}
    server = Server(httpx.Response(200, json=info))
    client = make(sync, server)
    first = await resolve(client.get_model_info())
    assert await resolve(client.get_model_info()) is first
    assert len(server.requests) == 1
    missing = Server(httpx.Response(404, json={"error": {"code": "NotFound", "message": "no"}}))
    client = make(sync, missing)
    assert await resolve(client.try_get_model_info()) is None
    assert await resolve(client.try_get_model_info()) is None
    assert len(missing.requests) == 1
