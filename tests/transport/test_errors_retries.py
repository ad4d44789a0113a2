"""Error mapping, retries, timeouts and logging, against httpx.MockTransport, sync and async in one body."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from typing import Any

import httpx
import pytest

from azure_inference import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContentFilterError,
    NotFoundError,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    StreamError,
    UnsupportedParameterError,
)
from azure_inference.retry import parse_retry_after, should_retry_status

from .helpers import KEY, Factory, Server, chat_body, chunk, collect, resolve, sse

MSGS = [{"role": "user", "content": "Hi"}]
RID = {"x-request-id": "req-42"}


def err(
    status: int, body: Any = None, headers: dict[str, str] | None = None, text: str | None = None
) -> httpx.Response:
    hdrs = {**RID, **(headers or {})}
    if text is not None:
        return httpx.Response(status, text=text, headers=hdrs)
    return httpx.Response(
        status, json=body if body is not None else {"error": {"code": "X", "message": "bad"}}, headers=hdrs
    )


CASES: list[tuple[httpx.Response, type[APIStatusError], str]] = [
    (
        err(400, {"error": {"code": "invalid_value", "message": "temperature too high"}}),
        BadRequestError,
        "temperature too high",
    ),
    (
        err(401, {"error": "Unauthorized", "message": "access token is missing or invalid", "status": 401}),
        AuthenticationError,
        "AZURE_INFERENCE_CREDENTIAL",
    ),
    (
        err(403, {"error": {"code": "PermissionDenied", "message": "no"}}),
        AuthenticationError,
        "Cognitive Services User",
    ),
    (
        err(404, {"error": {"code": "DeploymentNotFound", "message": "The deployment does not exist."}}),
        NotFoundError,
        "deployment name",
    ),
    (
        err(429, {"error": {"code": "429", "message": "Rate limit"}}, {"retry-after": "7"}),
        RateLimitError,
        "retry after 7s",
    ),
    (err(500, {"error": {"code": "InternalServerError", "message": "boom"}}), ServerError, "service health"),
    (err(503, text="upstream overloaded"), ServerError, "upstream overloaded"),
    (err(413, text="too big"), APIStatusError, "too large"),
]


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(("reply", "cls", "needle"), CASES)
async def test_status_errors_are_typed_and_carry_evidence(
    sync: bool, reply: httpx.Response, cls: type[APIStatusError], needle: str, make: Factory
) -> None:
    client = make(sync, Server(reply), max_retries=0)
    with pytest.raises(cls) as info:
        await resolve(client.chat(MSGS))
    e = info.value
    assert type(e) is cls
    assert e.status_code == reply.status_code
    assert e.request_id == "req-42"
    assert e.body
    assert e.body in reply.text
    assert needle in str(e)
    assert str(e).startswith(str(reply.status_code))
    assert ".." not in str(e)


@pytest.mark.parametrize("sync", [True, False])
async def test_rate_limit_exposes_retry_after(sync: bool, make: Factory) -> None:
    client = make(sync, Server(err(429, headers={"retry-after-ms": "1500"})), max_retries=0)
    with pytest.raises(RateLimitError) as info:
        await resolve(client.chat(MSGS))
    assert info.value.retry_after == 1.5


CF_CATEGORIES = {
    "hate": {"filtered": True, "severity": "high"},
    "self_harm": {"filtered": False, "severity": "safe"},
    "violence": {"filtered": True, "severity": "medium"},
}


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "body",
    [
        {
            "error": {
                "message": "The response was filtered",
                "param": "prompt",
                "code": "content_filter",
                "status": 400,
                "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": CF_CATEGORIES},
            }
        },
        {
            "status": 400,
            "code": "content_filter",
            "message": "The response was filtered",
            "param": "messages",
            "content_filter_result": CF_CATEGORIES,
        },
    ],
    ids=["wrapped", "flat"],
)
async def test_content_filter_both_forms(sync: bool, body: dict[str, Any], make: Factory) -> None:
    client = make(sync, Server(err(400, body)))
    with pytest.raises(ContentFilterError) as info:
        await resolve(client.chat(MSGS))
    e = info.value
    assert isinstance(e, BadRequestError)
    assert e.error_code == "content_filter"
    assert e.categories == CF_CATEGORIES
    assert e.filtered_categories == ["hate", "violence"]
    assert "hate, violence" in str(e)
    assert "rephrase" in str(e)


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "status": 422,
                "code": "parameter_not_supported",
                "detail": {"loc": ["body", "response_format"], "input": "json_object"},
                "message": "One of the parameters contain invalid values.",
            },
            [("response_format", "json_object")],
        ),
        (
            {"status": 422, "detail": {"loc": ["body", "temperature"], "value": "3"}, "message": "bad"},
            [("temperature", "3")],
        ),
        (
            {
                "detail": [
                    {"loc": ["body", "tools"], "input": [1], "msg": "no tools"},
                    {"loc": ["body", "seed"], "input": 5},
                ]
            },
            [("tools", [1]), ("seed", 5)],
        ),
        (
            {"error": {"code": "invalid", "message": "nope", "details": [{"loc": ["body", "n"], "input": 2}]}},
            [("n", 2)],
        ),
    ],
    ids=["object-input", "object-value", "list", "wrapped"],
)
async def test_unsupported_parameter_details(
    sync: bool, body: dict[str, Any], expected: list[tuple[str, Any]], make: Factory
) -> None:
    client = make(sync, Server(err(422, body)))
    with pytest.raises(UnsupportedParameterError) as info:
        await resolve(client.chat(MSGS))
    e = info.value
    assert [(p.name, p.value) for p in e.params] == expected
    for name, _ in expected:
        assert f"'{name}'" in str(e)
    assert "extra_parameters='drop'" in str(e)
    assert e.params[0].loc[0] == "body"


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("reply", "needle"),
    [
        (httpx.Response(200, text="<html><body>Gateway</body></html>", headers={"content-type": "text/html"}), "HTML"),
        (
            httpx.Response(200, content=b'{"id": "x", "choices": [', headers={"content-type": "application/json"}),
            "not the expected shape",
        ),
        (httpx.Response(200, json={"choices": "many"}), "choices"),
    ],
)
async def test_bad_success_bodies(sync: bool, reply: httpx.Response, needle: str, make: Factory) -> None:
    client = make(sync, Server(reply))
    with pytest.raises(ResponseValidationError, match=needle) as info:
        await resolve(client.chat(MSGS))
    assert info.value.status_code == 200
    assert info.value.body


@pytest.mark.parametrize("sync", [True, False])
async def test_html_error_body_and_malformed_json_error(sync: bool, make: Factory) -> None:
    client = make(sync, Server(err(502, text="<html>Bad Gateway</html>"), err(400, text="{not json")), max_retries=0)
    with pytest.raises(ServerError, match="Bad Gateway") as info:
        await resolve(client.chat(MSGS))
    assert info.value.request_id == "req-42"
    with pytest.raises(BadRequestError, match="not json"):
        await resolve(client.chat(MSGS))


@pytest.mark.parametrize("sync", [True, False])
async def test_secrets_are_redacted_from_errors(sync: bool, make: Factory) -> None:
    body = {"error": {"code": "Unauthorized", "message": f"key {KEY} is invalid"}, "echo": {"api-key": KEY}}
    client = make(sync, Server(err(401, body)))
    with pytest.raises(AuthenticationError) as info:
        await resolve(client.chat(MSGS))
    e = info.value
    for text in (str(e), repr(e), e.body or "", e.message):
        assert KEY not in text
    assert "***" in str(e)


def test_error_from_response_without_body() -> None:
    from azure_inference.errors import error_from_response

    e = error_from_response(504, {"X-Ms-Error-Code": "Timeout", "apim-request-id": "a1"}, b"")
    assert isinstance(e, ServerError)
    assert (e.error_code, e.request_id) == ("Timeout", "a1")
    assert "no response body" in str(e)


# -- retries ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
async def test_retryable_statuses_are_retried(sync: bool, status: int, make: Factory) -> None:
    server = Server(err(status), err(status), httpx.Response(200, json=chat_body("ok")))
    client = make(sync, server)
    result = await resolve(client.chat(MSGS))
    assert result.content == "ok"
    assert len(server.requests) == 3
    assert len(make.sleeps.delays) == 2
    ids = {r.headers["x-ms-client-request-id"] for r in server.requests}
    assert len(ids) == 1  # one logical request


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_never_retried(sync: bool, status: int, make: Factory) -> None:
    server = Server(err(status))
    client = make(sync, server, max_retries=5)
    with pytest.raises(APIStatusError):
        await resolve(client.chat(MSGS))
    assert len(server.requests) == 1
    assert make.sleeps.delays == []


@pytest.mark.parametrize("sync", [True, False])
async def test_retries_give_up_after_max_retries(sync: bool, make: Factory) -> None:
    server = Server(err(503))
    client = make(sync, server, max_retries=3)
    with pytest.raises(ServerError):
        await resolve(client.chat(MSGS))
    assert len(server.requests) == 4
    assert len(make.sleeps.delays) == 3


@pytest.mark.parametrize("sync", [True, False])
async def test_max_retries_zero_disables(sync: bool, make: Factory) -> None:
    server = Server(err(503), httpx.Response(200, json=chat_body()))
    client = make(sync, server, max_retries=0)
    with pytest.raises(ServerError):
        await resolve(client.chat(MSGS))
    assert len(server.requests) == 1
    assert make.sleeps.delays == []


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("headers", "delay"),
    [
        ({"retry-after-ms": "250"}, 0.25),
        ({"x-ms-retry-after-ms": "1200"}, 1.2),
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "100", "retry-after": "9"}, 0.1),
        ({"retry-after": "3600"}, 60.0),  # capped at max_retry_after
    ],
)
async def test_retry_after_headers_are_honoured(
    sync: bool, headers: dict[str, str], delay: float, make: Factory
) -> None:
    server = Server(err(429, headers=headers), httpx.Response(200, json=chat_body()))
    client = make(sync, server)
    await resolve(client.chat(MSGS))
    assert make.sleeps.delays == [pytest.approx(delay)]


@pytest.mark.parametrize("sync", [True, False])
async def test_retry_after_http_date(sync: bool, make: Factory) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server = Server(err(503, headers={"retry-after": when}), httpx.Response(200, json=chat_body()))
    client = make(sync, server)
    await resolve(client.chat(MSGS))
    assert 25 <= make.sleeps.delays[0] <= 30


def test_parse_retry_after_rules() -> None:
    h = httpx.Headers
    assert parse_retry_after(h({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}), now=lambda: 1445412470.0) == 10.0
    assert parse_retry_after(h({"Retry-After": "garbage"})) is None
    assert parse_retry_after(h({"retry-after-ms": "x", "retry-after": "2"})) == 2.0
    assert parse_retry_after(h({"retry-after": "-1"})) is None
    assert parse_retry_after(h({})) is None
    assert should_retry_status(400, h({"x-should-retry": "true"}))
    assert not should_retry_status(503, h({"x-should-retry": "false"}))
    assert should_retry_status(599)


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=4.0, jitter=0.25)
    assert [policy.delay(n, rand=lambda: 0.0) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.delay(2, rand=lambda: 1.0) == pytest.approx(0.75)
    delays = {policy.delay(3) for _ in range(50)}
    assert len(delays) > 1
    assert all(1.5 <= d <= 2.0 for d in delays)
    assert RetryPolicy(jitter=0).delay(1) == 0.5


@pytest.mark.parametrize("sync", [True, False])
async def test_backoff_without_hints_grows(sync: bool, make: Factory) -> None:
    server = Server(err(500), err(500), err(500), httpx.Response(200, json=chat_body()))
    client = make(sync, server, max_retries=3, retry_policy=RetryPolicy(initial_delay=1.0, jitter=0.0))
    await resolve(client.chat(MSGS))
    assert make.sleeps.delays == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "exc", [httpx.ConnectError("refused"), httpx.RemoteProtocolError("Server disconnected"), httpx.ReadError("reset")]
)
async def test_connection_errors_are_retried_then_raised(sync: bool, exc: Exception, make: Factory) -> None:
    server = Server(exc)
    client = make(sync, server, max_retries=2)
    with pytest.raises(APIConnectionError) as info:
        await resolve(client.chat(MSGS))
    assert not isinstance(info.value, APITimeoutError)
    assert type(exc).__name__ in str(info.value)
    assert len(server.requests) == 3
    assert len(make.sleeps.delays) == 2
    ok = Server(exc, httpx.Response(200, json=chat_body("back")))
    assert (await resolve(make(sync, ok).chat(MSGS))).content == "back"


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("exc", "needle"),
    [
        (httpx.ConnectTimeout("connect"), "could not connect within 10s"),
        (httpx.ReadTimeout("read"), "timed out after 60s"),
        (httpx.WriteTimeout("write"), "timed out"),
        (httpx.PoolTimeout("pool"), "timed out"),
    ],
)
async def test_timeouts_are_api_timeout_errors(sync: bool, exc: Exception, needle: str, make: Factory) -> None:
    server = Server(exc)
    client = make(sync, server, max_retries=1)
    with pytest.raises(APITimeoutError, match=needle):
        await resolve(client.chat(MSGS))
    assert len(server.requests) == 2


@pytest.mark.parametrize("sync", [True, False])
async def test_whole_request_deadline(sync: bool, make: Factory) -> None:
    class Slow(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for _ in range(3):
                time.sleep(0.03)
                yield b" "

        async def __aiter__(self):  # type: ignore[no-untyped-def]
            for _ in range(3):
                await asyncio.sleep(0.03)
                yield b" "

    server = Server(lambda request: httpx.Response(200, stream=Slow()))
    client = make(sync, server, max_retries=0)
    with pytest.raises(APITimeoutError, match=r"longer than 0\.05s"):
        await resolve(client.chat(MSGS, timeout=0.05))


@pytest.mark.parametrize("sync", [True, False])
async def test_never_retried_after_the_stream_started(sync: bool, make: Factory) -> None:
    class Broken(httpx.SyncByteStream, httpx.AsyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield sse(chunk("par"), done=False)
            raise httpx.ReadError("connection reset")

        async def __aiter__(self):  # type: ignore[no-untyped-def]
            yield sse(chunk("par"), done=False)
            raise httpx.ReadError("connection reset")

    server = Server(lambda request: httpx.Response(200, stream=Broken()))
    client = make(sync, server, max_retries=3)
    stream = await resolve(client.stream_chat(MSGS))
    with pytest.raises(StreamError, match="broke mid-stream") as info:
        await collect(stream)
    assert info.value.chunks_received == 1
    assert info.value.content_received == "par"
    assert len(server.requests) == 1
    assert make.sleeps.delays == []


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_request_retried_before_it_starts(sync: bool, make: Factory) -> None:
    server = Server(err(429, headers={"retry-after": "1"}), httpx.Response(200, content=sse(chunk("x", finish="stop"))))
    client = make(sync, server)
    chunks = await collect(await resolve(client.stream_chat(MSGS)))
    assert len(chunks) == 1
    assert make.sleeps.delays == [1.0]


# -- logging -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_logging_never_shows_secrets(sync: bool, make: Factory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="azure_inference")
    server = Server(
        err(503, {"error": {"code": "x", "message": f"bad key {KEY}"}}),
        httpx.Response(200, json=chat_body(), headers=RID),
    )
    client = make(sync, server)
    await resolve(client.chat(MSGS))
    records = [r for r in caplog.records if r.name == "azure_inference"]
    debug = [r.getMessage() for r in records if r.levelno == logging.DEBUG]
    info = [r.getMessage() for r in records if r.levelno == logging.INFO]
    assert len(debug) == 2
    assert debug[0].startswith("POST https://res.services.ai.azure.com/models/chat/completions -> 503 in ")
    assert debug[1].endswith("(request id req-42)")
    assert " ms " in debug[1]
    assert len(info) == 1
    assert "retrying" in info[0]
    for record in records:
        assert KEY not in record.getMessage()
        assert "api-key" not in record.getMessage().lower()
    assert KEY not in caplog.text
