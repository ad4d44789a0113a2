"""The quota budget in the clients' send loop (issue 14; docs/quota.md, "In the clients"), sync and async.

Each client takes its budget on a fake clock, so what the budget took, what it corrected and how long it
waited are exact; the server is ``httpx.MockTransport`` (or the fake sender), as in every transport unit test.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference import AsyncInferenceClient, ConfigurationError, Deployment, InferenceClient, RateLimitError
from azure_inference.budget import (
    Budget,
    Limits,
    LocalStore,
    budget_key,
    clear_shared_budgets,
    estimate_cost,
    registered_budget,
)

from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, chunk, collect, resolve, sse

PROMPT = [{"role": "user", "content": "x" * 40}]  # 10 tokens by characters / 4
TPM = 6_000  # a 60 s window holds 6,000 tokens


class FakeClock:
    """Time that moves only when the budget sleeps."""

    def __init__(self) -> None:
        self.t = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.t += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def _fresh_registry() -> Iterator[None]:
    clear_shared_budgets()
    yield
    clear_shared_budgets()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def budget_on(clock: FakeClock, limits: Limits | None = None) -> tuple[Budget, LocalStore]:
    store = LocalStore(clock=clock)
    budget = Budget("k", limits or Limits(TPM, 600), store, sleep=clock.sleep, async_sleep=clock.async_sleep)
    return budget, store


def limited(body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(200, headers=headers, json=body if body is not None else chat_body())


@pytest.mark.parametrize("sync", [True, False])
async def test_each_attempt_takes_the_estimated_cost_of_the_body_sent(
    sync: bool, make: Factory, clock: FakeClock
) -> None:
    busy = httpx.Response(503, json={"error": {"message": "busy"}})
    server = Server(busy, busy, limited(body=chat_body(usage={"prompt_tokens": 1, "completion_tokens": 1})))
    budget, store = budget_on(clock)
    client = make(sync, server, budget=budget, max_retries=2)
    await resolve(client.chat(PROMPT, max_tokens=30))
    cost = estimate_cost(json.loads(server.last.content))
    assert cost == 10 + 30  # the prompt by characters, plus the output limit the service reserves
    used = store.usage("k")
    assert (used["taken_tokens"], used["taken_requests"]) == (3 * cost, 3)  # the service charges every arrival
    assert used["tokens_level"] == TPM - 3 * cost


@pytest.mark.parametrize("sync", [True, False])
async def test_rate_limit_headers_lower_the_levels(sync: bool, make: Factory, clock: FakeClock) -> None:
    server = Server(
        limited(headers={"x-ratelimit-remaining-tokens": "120", "x-ratelimit-remaining-requests": "3"}),
    )
    budget, store = budget_on(clock)
    client = make(sync, server, budget=budget)
    await resolve(client.chat(PROMPT))
    used = store.usage("k")
    assert (used["tokens_level"], used["requests_level"]) == (120, 3)  # another consumer spent the rest
    # The next call needs 10 tokens and a request: both there, so it goes at once; a call of 200 tokens waits
    # for the refill (100 tokens/s) of the 80 the service said were missing.
    await resolve(client.chat(PROMPT))
    assert clock.t == 0.0
    await resolve(client.chat([{"role": "user", "content": "y" * 800}]))
    assert clock.t == pytest.approx((200 - (120 - 10)) / (TPM / 60), abs=0.02)


@pytest.mark.parametrize("sync", [True, False])
async def test_a_429_pauses_every_caller_for_the_retry_after_asked(sync: bool, make: Factory, clock: FakeClock) -> None:
    refused = httpx.Response(429, headers={"retry-after-ms": "1500"}, json={"error": {"code": "429", "message": "x"}})
    server = Server(refused, limited())
    budget, _ = budget_on(clock)
    client = make(sync, server, budget=budget, max_retries=1)
    await resolve(client.chat(PROMPT))
    assert make.sleeps.delays == [1.5]  # the client's own retry wait (a recording sleep: no time passes)
    assert clock.t == pytest.approx(1.5)  # the budget held the retry until the pause was over


@pytest.mark.parametrize("sync", [True, False])
async def test_a_429_that_is_not_retried_still_pauses_the_budget(sync: bool, make: Factory, clock: FakeClock) -> None:
    refused = httpx.Response(429, headers={"retry-after": "2"}, json={"error": {"code": "429", "message": "x"}})
    budget, _ = budget_on(clock)
    client = make(sync, Server(refused, limited()), budget=budget, max_retries=0)
    with pytest.raises(RateLimitError):
        await resolve(client.chat(PROMPT))
    assert clock.t == 0.0
    await resolve(client.chat(PROMPT))  # the next call, from anywhere in the process, waits the pause out
    assert clock.t == pytest.approx(2.0)


@pytest.mark.parametrize("sync", [True, False])
async def test_usage_above_the_reservation_is_charged(sync: bool, make: Factory, clock: FakeClock) -> None:
    usage = {"prompt_tokens": 10, "completion_tokens": 490, "total_tokens": 500}
    budget, store = budget_on(clock)
    client = make(sync, Server(limited(body=chat_body(usage=usage))), budget=budget)
    await resolve(client.chat(PROMPT))  # no output limit sent: 10 reserved
    assert store.usage("k")["tokens_level"] == TPM - 500


@pytest.mark.parametrize("sync", [True, False])
async def test_a_quoted_total_tokens_in_the_answer_text_is_not_read_as_usage(
    sync: bool, make: Factory, clock: FakeClock
) -> None:
    body = chat_body(content='{"total_tokens": 99999}', usage={"prompt_tokens": 10, "completion_tokens": 2})
    budget, store = budget_on(clock)
    client = make(sync, Server(limited(body=body)), budget=budget)
    await resolve(client.chat(PROMPT))
    assert store.usage("k")["tokens_level"] == TPM - 10  # no total_tokens key: the reservation stands


@pytest.mark.parametrize("sync", [True, False])
async def test_a_request_that_fails_before_sending_gives_its_budget_back(
    sync: bool, make: Factory, clock: FakeClock
) -> None:
    def broken_token() -> str:
        raise RuntimeError("token service down")

    budget, store = budget_on(clock)
    server = Server(limited())
    client = make(sync, server, budget=budget, credential=None, token_provider=broken_token)
    with pytest.raises(Exception, match="token service down"):
        await resolve(client.chat(PROMPT))
    assert server.requests == []
    assert store.usage("k")["tokens_level"] == TPM  # released: the service never saw it


async def test_a_cancelled_wait_takes_nothing(clock: FakeClock) -> None:
    store = LocalStore(clock=clock)
    gate = asyncio.Event()

    async def stuck_sleep(seconds: float) -> None:
        await gate.wait()  # the budget's wait for refill never ends until cancelled

    budget = Budget("k", Limits(TPM), store, sleep=clock.sleep, async_sleep=stuck_sleep)
    server = Server(limited())
    async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as http:
        client = AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY, http_client=http, budget=budget)
        big = [{"role": "user", "content": "z" * 4 * (TPM + 1)}]  # more than the whole window: waits for a full one
        await client.chat(PROMPT)
        task = asyncio.create_task(client.chat(big))
        for _ in range(20):
            await asyncio.sleep(0)
        assert budget.waiting() == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert budget.waiting() == 0
    assert len(server.requests) == 1
    assert store.usage("k")["tokens_level"] == TPM - 10


@pytest.mark.parametrize("sync", [True, False])
async def test_a_stream_takes_budget_and_reads_the_headers(sync: bool, make: Factory, clock: FakeClock) -> None:
    reply = httpx.Response(
        200,
        headers={"content-type": "text/event-stream", "x-ratelimit-remaining-tokens": "77"},
        content=sse(chunk("Hi"), chunk(finish="stop")),
    )
    budget, store = budget_on(clock)
    client = make(sync, Server(reply), budget=budget)
    await collect(await resolve(client.stream_chat(PROMPT, max_tokens=5)))
    used = store.usage("k")
    assert (used["taken_tokens"], used["tokens_level"]) == (15, 77)


@pytest.mark.parametrize("sync", [True, False])
async def test_embeddings_take_their_input_tokens(sync: bool, make: Factory, clock: FakeClock) -> None:
    budget, store = budget_on(clock)
    client = make(sync, Server(), budget=budget)
    await resolve(client.embed(["a" * 8, "b" * 12]))
    assert store.usage("k")["taken_tokens"] == 2 + 3


def test_clients_of_one_deployment_share_one_budget_and_refuse_other_limits() -> None:
    dep = Deployment(endpoint=ENDPOINT, credential=KEY, model="m", tokens_per_minute=1_000, requests_per_minute=60)
    a, b = InferenceClient(dep), AsyncInferenceClient(dep)
    try:
        other = InferenceClient(dep.with_options(model="n"))  # another deployment: its own budget
        assert a._budget is not None
        assert a._budget is b._budget
        assert other._budget is not None
        assert other._budget is not a._budget
        assert a._budget.key == budget_key(ENDPOINT, "m")
        assert a._budget.limits == Limits(1_000, 60)
        with pytest.raises(ConfigurationError, match="same tokens_per_minute"):
            InferenceClient(dep.with_options(tokens_per_minute=2_000))
        assert InferenceClient(dep.with_options(tokens_per_minute=None, requests_per_minute=None))._budget is None
    finally:
        a.close()


def test_budget_takes_only_a_budget() -> None:
    with pytest.raises(ConfigurationError, match=r"budget= takes an azure_inference\.budget\.Budget"):
        InferenceClient(endpoint=ENDPOINT, credential=KEY, budget=Limits(100))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tokens_per_minute": 0}, "tokens_per_minute must be a positive number of tokens per minute"),
        ({"requests_per_minute": -5}, "requests_per_minute must be a positive number of requests per minute"),
        ({"tokens_per_minute": 100, "token_window_s": 0}, "token_window_s must be positive seconds"),
    ],
)
def test_bad_quota_fields_name_the_problem(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Deployment(endpoint=ENDPOINT, credential=KEY, **fields)


def test_quota_comes_from_a_profile_or_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "azure-inference.toml"
    toml.write_text(
        f'[profiles.bulk]\nendpoint = "{ENDPOINT}"\ncredential_env = "BULK_KEY"\nmodel = "e"\n'
        "tokens_per_minute = 150000\nrequests_per_minute = 900\ntoken_window_s = 10\n"
    )
    monkeypatch.setenv("BULK_KEY", KEY)
    assert Deployment.from_profile("bulk", path=toml).quota == Limits(150_000, 900, 10, 10)
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    monkeypatch.setenv("AZURE_INFERENCE_TOKENS_PER_MINUTE", "30000")
    assert Deployment.from_env().quota == Limits(30_000)
    assert Deployment(endpoint=ENDPOINT, credential=KEY).quota is None
    short = Deployment(endpoint=ENDPOINT, credential=KEY, requests_per_minute=60, token_window_s=2).quota
    assert short == Limits(None, 60, 2, 2)  # requests burst over the same span as tokens


def quota_429(limit_tokens: str | None = "6000") -> httpx.Response:
    headers = {"retry-after-ms": "20", "x-ratelimit-remaining-tokens": "0"}
    if limit_tokens is not None:
        headers["x-ratelimit-limit-tokens"] = limit_tokens
    return httpx.Response(429, headers=headers, json={"error": {"code": "429", "message": "over the quota"}})


@pytest.mark.parametrize("sync", [True, False])
async def test_a_429_naming_the_quota_is_adopted_and_paces_the_calls_after_it(
    sync: bool, make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    server = Server(quota_429(), limited())
    client = make(sync, server, max_retries=1, model="m")
    with caplog.at_level("WARNING", logger="azure_inference"):
        await resolve(client.chat(PROMPT))  # refused, then retried through the adopted budget
        await resolve(client.chat(PROMPT))
    adopted = registered_budget(budget_key(ENDPOINT, "m"))
    assert adopted is not None
    assert adopted.limits == Limits(6_000, None, 60.0, 10.0)
    usage = adopted.store.usage(adopted.key)  # type: ignore[attr-defined]
    assert (usage["taken_requests"], usage["taken_tokens"]) == (2, 20)  # the retry and the next call, 10 each
    [warning] = [r for r in caplog.records if "naming its quota" in r.getMessage()]
    assert "tokens_per_minute=" in warning.getMessage()  # it says how to pace from the first call


@pytest.mark.parametrize("sync", [True, False])
async def test_no_quota_is_adopted_without_its_headers_or_with_adapt_off(sync: bool, make: Factory) -> None:
    plain = make(sync, Server(quota_429(limit_tokens=None), limited()), max_retries=1, model="plain")
    await resolve(plain.chat(PROMPT))
    assert registered_budget(budget_key(ENDPOINT, "plain")) is None  # a 429 that names no quota: only retried
    off = make(sync, Server(quota_429(), limited()), max_retries=1, model="off", adapt="off")
    await resolve(off.chat(PROMPT))
    assert registered_budget(budget_key(ENDPOINT, "off")) is None
