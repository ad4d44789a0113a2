"""Issue 12, secrets: nothing that holds a key shows it, every known secret is redacted before a message is cut,
the endpoint is checked by its parsed scheme and never carries credentials, and a redirect followed by an
injected client does not take our credentials to another origin."""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
import warnings
from typing import Any

import httpx
import pytest

from azure_inference import (
    APIStatusError,
    AsyncInferenceClient,
    ConfigurationError,
    Deployment,
    InferenceClient,
    ResponseValidationError,
    StreamError,
)

from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, chunk, collect, resolve, sse

MSGS = [{"role": "user", "content": "Hi"}]
GATEWAY = "gw-subscription-SECRET-55aa77bb"


@pytest.mark.parametrize("scheme", ["HTTP", "Http", "hTTp"])
def test_plain_http_refused_whatever_the_case_of_the_scheme(scheme: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Deployment(endpoint=f"{scheme}://myres.services.ai.azure.com/models", credential=KEY)


@pytest.mark.parametrize(
    "endpoint",
    ["https://alice:pa55word@myres.services.ai.azure.com/models", "http://u:pa55word@127.0.0.1:9/models"],
)
def test_user_password_in_endpoint_refused_without_showing_it(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="user:password@") as info:
        Deployment(endpoint=endpoint, credential=KEY)
    assert "pa55word" not in str(info.value)


@pytest.mark.parametrize("endpoint", ["http://u\\@127.0.0.1/models", "https://res.example/mo dels"])
def test_backslash_or_space_in_endpoint_is_a_configuration_error(endpoint: str) -> None:
    with pytest.raises(ConfigurationError):
        Deployment(endpoint=endpoint, credential=KEY)


def _rendered_with_locals(exc: BaseException) -> str:
    return "".join(traceback.TracebackException.from_exception(exc, capture_locals=True).format())


async def test_traceback_with_locals_shows_no_key(make: Factory) -> None:
    # The frames of the send loop hold the prepared request and the auth headers (a plain 503 is enough).
    for sync in (True, False):
        server = Server(httpx.Response(503, json={"error": {"code": "Busy", "message": "busy"}}))
        client = make(sync, server, max_retries=0, headers={"Ocp-Apim-Subscription-Key": GATEWAY})
        with pytest.raises(APIStatusError) as info:
            await resolve(client.chat(MSGS))
        text = _rendered_with_locals(info.value)
        assert "PreparedRequest(" in text or "headers" in text  # the locals were rendered
        assert KEY not in text
        assert GATEWAY not in text


def test_prepared_request_repr_masks_credentials() -> None:
    client = InferenceClient(endpoint=ENDPOINT, credential=KEY, headers={"X-Gateway-Key": GATEWAY})
    try:
        req = client._prepare_chat(MSGS, {}, stream=False)
        req.headers.update(client._auth.headers())
        assert KEY not in repr(req)
        assert GATEWAY not in repr(req)
        assert KEY not in repr(client._auth.headers())
    finally:
        client.close()


async def test_server_echo_of_key_and_gateway_key_is_redacted(make: Factory) -> None:
    echo = f"invalid key {KEY} (gateway {GATEWAY})"
    for sync in (True, False):
        server = Server(httpx.Response(401, json={"error": {"code": "Unauthorized", "message": echo}}))
        client = make(sync, server, max_retries=0, headers={"Ocp-Apim-Subscription-Key": GATEWAY})
        with pytest.raises(APIStatusError) as info:
            await resolve(client.chat(MSGS))
        for text in (str(info.value), info.value.body or ""):
            assert KEY not in text
            assert GATEWAY not in text


async def test_excerpt_redacted_before_it_is_cut(make: Factory) -> None:
    # The key straddles the 300-byte excerpt of a body that is not JSON: no prefix of it may remain.
    body = ("x" * 290 + KEY + "y" * 50).encode()
    for sync in (True, False):
        server = Server(httpx.Response(200, content=body, headers={"content-type": "application/json"}))
        client = make(sync, server, max_retries=0)
        with pytest.raises(ResponseValidationError) as info:
            await resolve(client.chat(MSGS))
        for text in (str(info.value), info.value.body or ""):
            assert KEY[:6] not in text


@pytest.mark.parametrize(
    "event",
    [
        f'{{"bad chunk {KEY}',  # malformed JSON echoing the key
        {"error": {"code": "Unauthorized", "message": f"key {KEY} revoked"}},  # an error object mid-stream
        "x" * 100 + KEY,  # cut at 120 characters in the message: no prefix may remain
    ],
)
async def test_stream_errors_do_not_show_the_key(make: Factory, event: Any) -> None:
    for sync in (True, False):
        server = Server(httpx.Response(200, content=sse(chunk("a"), event, done=False)))
        client = make(sync, server, max_retries=0)
        stream = await resolve(client.stream_chat(MSGS))
        with pytest.raises(StreamError) as info:
            await collect(stream)
        assert KEY[:6] not in str(info.value)


def _redirecting(seen: dict[str, httpx.Headers], target: str) -> Server:
    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers
        if request.url.host == "res.services.ai.azure.com":
            return httpx.Response(307, headers={"location": f"{target}/models/chat/completions"})
        return httpx.Response(200, json=chat_body())

    return Server(handler)


@pytest.mark.parametrize("sync", [True, False])
async def test_injected_client_following_redirects_keeps_credentials_on_their_origin(sync: bool) -> None:
    seen: dict[str, httpx.Headers] = {}
    server = _redirecting(seen, "https://elsewhere.example")
    fields: dict[str, Any] = {"endpoint": ENDPOINT, "credential": KEY, "headers": {"X-Gateway-Key": GATEWAY}}
    if sync:
        with (
            httpx.Client(transport=httpx.MockTransport(server), follow_redirects=True) as http,
            InferenceClient(http_client=http, **fields) as client,
        ):
            assert client.chat(MSGS).content == "Hello!"
    else:
        async with httpx.AsyncClient(transport=httpx.MockTransport(server), follow_redirects=True) as ahttp:
            aclient = AsyncInferenceClient(http_client=ahttp, **fields)
            assert (await aclient.chat(MSGS)).content == "Hello!"
            await aclient.close()
    other = seen["elsewhere.example"]
    assert "api-key" not in other
    assert "authorization" not in other
    assert "x-gateway-key" not in other
    assert seen["res.services.ai.azure.com"]["api-key"] == KEY  # the first hop did carry it


def test_route_pasted_at_the_end_of_the_endpoint_is_repaired_with_one_warning() -> None:
    url = "https://pasted.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview"
    with pytest.warns(UserWarning, match="ends with the route '/chat/completions'"):
        dep = Deployment(endpoint=url, credential=KEY)
    assert dep.endpoint == "https://pasted.services.ai.azure.com/models"
    assert dep.api_version == "2024-05-01-preview"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = Deployment(endpoint=url, credential=KEY)  # the same URL again: no second warning
    assert again.endpoint == dep.endpoint
    with pytest.warns(UserWarning, match="/embeddings"):
        emb = Deployment(endpoint="https://pasted2.services.ai.azure.com/models/embeddings", credential=KEY)
    assert emb.endpoint == "https://pasted2.services.ai.azure.com/models"


class _Token:
    def __init__(self, token: str) -> None:
        self.token = token
        self.expires_on = time.time() + 3600


async def test_async_token_refresh_is_single_flight(make: Factory) -> None:
    calls = 0

    async def provider() -> _Token:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return _Token("tok-1")

    client = make(False, Server(), token_provider=provider)
    results = await asyncio.gather(*(client.chat(MSGS) for _ in range(200)))
    assert len(results) == 200
    assert calls == 1


class _SlowCredential:
    def __init__(self) -> None:
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> _Token:
        self.calls += 1
        time.sleep(0.05)
        return _Token("tok-sync")


async def test_async_entra_credential_fetched_once_for_concurrent_calls(make: Factory) -> None:
    cred = _SlowCredential()
    client = make(False, Server(), azure_credential=cred)
    await asyncio.gather(*(client.chat(MSGS) for _ in range(10)))
    assert cred.calls == 1


def test_sync_token_refresh_is_single_flight_across_threads() -> None:
    cred = _SlowCredential()
    with (
        httpx.Client(transport=httpx.MockTransport(Server())) as http,
        InferenceClient(http_client=http, endpoint=ENDPOINT, azure_credential=cred) as client,
    ):
        errors: list[BaseException] = []

        def call() -> None:
            try:
                client.chat(MSGS)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    assert cred.calls == 1
