"""End to end (emulator subprocess): an unknown reasoning deployment works on first use through adaptation,
the next request is shaped before sending, and structured output steps down on a real refusal (issue 11)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from azure_inference import AsyncInferenceClient, BadRequestError, InferenceClient
from azure_inference.emulator import EmulatorHandle
from azure_inference.known_models import lookup_model

from .helpers import collect, resolve
from .reasoner import REASONER, chat_posts, reasoner_emulator

pytestmark = pytest.mark.e2e
MSGS = [{"role": "user", "content": "Tell me a joke about cats"}]
SCHEMA = {
    "type": "object",
    "properties": {"setup": {"type": "string"}, "punchline": {"type": "string"}},
    "required": ["setup", "punchline"],
    "additionalProperties": False,
}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "Joke", "schema": SCHEMA, "strict": True}}


@pytest.fixture(scope="module")
def reasoner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    with reasoner_emulator(tmp_path_factory.mktemp("reasoner")) as handle:
        yield handle


@pytest.fixture
def fresh(reasoner: EmulatorHandle) -> EmulatorHandle:
    reasoner.control.reset()
    return reasoner


def client(sync: bool, handle: EmulatorHandle, model: str = REASONER, **kw: object) -> object:
    cls = InferenceClient if sync else AsyncInferenceClient
    return cls(endpoint=handle.openai_v1, model=model, **kw)


async def close(c: object) -> None:
    await resolve(c.close())  # type: ignore[attr-defined]


@pytest.mark.parametrize("sync", [True, False])
async def test_unknown_reasoning_deployment_adapts_on_first_use_and_is_shaped_before_the_second(
    fresh: EmulatorHandle, sync: bool
) -> None:
    assert lookup_model(REASONER) is None
    c = client(sync, fresh)
    try:
        first = await resolve(c.chat(MSGS, max_tokens=40, temperature=0.2))  # type: ignore[attr-defined]
        assert first.content
        assert "sent max_tokens as max_completion_tokens" in first.adaptations
        assert "left out temperature" in first.adaptations
        refused = len(chat_posts(fresh))
        assert refused >= 3  # one refusal per field, then the answer
        second = await resolve(c.chat(MSGS, max_tokens=40, temperature=0.2))  # type: ignore[attr-defined]
        assert second.content
        posts = chat_posts(fresh)
        assert len(posts) == refused + 1  # shaped before sending: accepted at once
        assert posts[-1]["max_completion_tokens"] == 40
        assert "temperature" not in posts[-1]
        # A stream is shaped the same way (and would adapt the same way: the refusal precedes the stream).
        stream = await resolve(c.stream_chat(MSGS, max_tokens=40, temperature=0.2))  # type: ignore[attr-defined]
        chunks = await collect(stream)
        assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        assert len(chat_posts(fresh)) == refused + 2
    finally:
        await close(c)


@pytest.mark.parametrize("sync", [True, False])
async def test_a_stream_adapts_on_first_use(fresh: EmulatorHandle, sync: bool) -> None:
    c = client(sync, fresh)
    try:
        stream = await resolve(c.stream_chat(MSGS, max_tokens=30))  # type: ignore[attr-defined]
        chunks = await collect(stream)
        assert "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
        assert stream.adaptations == ("sent max_tokens as max_completion_tokens",)
        assert [("max_tokens" in p) for p in chat_posts(fresh)] == [True, False]
    finally:
        await close(c)


@pytest.mark.parametrize("sync", [True, False])
async def test_adapt_off_raises_the_services_refusal(fresh: EmulatorHandle, sync: bool) -> None:
    c = client(sync, fresh, adapt="off")
    try:
        with pytest.raises(BadRequestError, match="max_tokens"):
            await resolve(c.chat(MSGS, max_tokens=40))  # type: ignore[attr-defined]
        assert len(chat_posts(fresh)) == 1
    finally:
        await close(c)


@pytest.mark.parametrize("sync", [True, False])
async def test_strict_json_schema_round_trips(fresh: EmulatorHandle, sync: bool) -> None:
    c = client(sync, fresh, model="o4-mini")
    try:
        result = await resolve(c.chat(MSGS, response_format=JSON_SCHEMA))  # type: ignore[attr-defined]
        assert set(json.loads(result.content)) == {"setup", "punchline"}
        assert result.adaptations == ()
    finally:
        await close(c)


@pytest.mark.parametrize("sync", [True, False])
async def test_json_schema_falls_back_twice_on_the_model_inference_api(fresh: EmulatorHandle, sync: bool) -> None:
    # Phi-3.5-mini-instruct takes neither json_schema nor tools there (422s, docs/wire.md §9), only json_object.
    cls = InferenceClient if sync else AsyncInferenceClient
    c = cls(endpoint=fresh.endpoint, model="Phi-3.5-mini-instruct", api_version="2025-05-01")
    try:
        result = await resolve(c.chat(MSGS, response_format=JSON_SCHEMA))
        assert result.adaptations == (
            "sent response_format json_schema as a forced function call",
            "sent the forced function call as response_format json_object",
        )
        assert isinstance(json.loads(result.content), dict)
    finally:
        await resolve(c.close())
