"""Bad input gets a clear typed error naming the problem, raised before anything is sent where possible
(the emulator's request log proves nothing went out)."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from azure_inference import APIStatusError, ConfigurationError, InvalidRequestError, ResponseValidationError
from azure_inference.emulator import EmulatorHandle
from azure_inference.emulator.embeddings import text_embedding

from .drivers import DRIVERS, Driver, Session, TransportSession, constructors, drivers
from .helpers import EMBED_MODEL, deployment, model_requests, session

pytestmark = pytest.mark.e2e

NOT_JSON_SCHEMA = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "banana"}}}


async def _empty(s: Session) -> Any:
    return await s.chat_messages([])


async def _unknown_role(s: Session) -> Any:
    return await s.chat_messages([s.message("wizard", "hi")])


async def _tool_schema(s: Session) -> Any:
    return await s.chat("use the lookup tool", tools=[NOT_JSON_SCHEMA])


async def _non_utf8(s: Session) -> Any:
    # What b"caf\xe9".decode("utf-8", "surrogateescape") gives: a lone surrogate, not encodable as UTF-8.
    return await s.chat(b"caf\xe9 au lait".decode("utf-8", "surrogateescape"))


async def _huge(s: Session) -> Any:
    return await s.chat("x" * 10_000_000)


async def _nan(s: Session) -> Any:
    return await s.chat("hi", temperature=math.nan)


async def _image_path(s: Session) -> Any:
    return await s.embed_image("/definitely/not/here/cat.png")


# case -> (call, words the error must contain)
PRE_SEND: dict[str, tuple[Any, tuple[str, ...]]] = {
    "empty-messages": (_empty, ("empty",)),
    "unknown-role": (_unknown_role, ("wizard",)),
    "tool-schema-not-json-schema": (_tool_schema, ("banana", "JSON Schema")),
    "non-utf8-text": (_non_utf8, ("Unicode",)),
    "10MB-prompt": (_huge, ("10,000,000", "limit")),
    "nan-temperature": (_nan, ("temperature",)),
    "missing-image-path": (_image_path, ("/definitely/not/here/cat.png", "does not exist")),
}


@pytest.mark.parametrize("case", list(PRE_SEND))
@drivers()
async def test_bad_input_fails_before_sending(driver: Driver, emu: EmulatorHandle, case: str) -> None:
    call, words = PRE_SEND[case]
    model = EMBED_MODEL if case == "missing-image-path" else "gpt-4o-mini"
    if case == "missing-image-path":
        model = "Cohere-embed-v3-multilingual"
    async with session(driver, deployment(emu, model=model, max_retries=0)) as s:
        # InvalidRequestError is a ValueError, as the frameworks' own validation errors are.
        with pytest.raises(ValueError, match=re.escape(words[0])) as info:
            await call(s)
    message = str(info.value)
    for word in words:
        assert word in message, f"{case}: {word!r} not in {message!r}"
    if driver.stack == "transport":
        assert isinstance(info.value, InvalidRequestError)
    assert model_requests(emu, "/") == [], f"{case} was sent: {model_requests(emu, '/')}"


@pytest.mark.parametrize("stack", ["transport", "langchain", "llamaindex"])
def test_endpoint_without_scheme_is_refused_at_construction(stack: str) -> None:
    for name, build in constructors(stack).items():
        with pytest.raises(ConfigurationError) as info:
            build("myresource.services.ai.azure.com/models", "k" * 32)
        assert "scheme" in str(info.value) or "http(s)" in str(info.value), name


@pytest.mark.parametrize("status", [200, 502])
@drivers()
async def test_html_answer_is_a_typed_error(driver: Driver, emu: EmulatorHandle, status: int) -> None:
    emu.control.set_faults([{"kind": "html", "status": status, "route": "chat"}])
    async with session(driver, deployment(emu, max_retries=0)) as s:
        with pytest.raises((ResponseValidationError, APIStatusError)) as info:
            await s.chat("hi")
    if status == 200:
        assert isinstance(info.value, ResponseValidationError)
        assert "HTML" in str(info.value)
    else:
        assert getattr(info.value, "status_code", None) == 502
        assert "Bad Gateway" in str(info.value)


@drivers()
async def test_nested_embedding_is_unwrapped_or_named(driver: Driver, emu: EmulatorHandle) -> None:
    # Some OpenAI-compatible servers answer [[...]] for one input. One vector inside a list is unwrapped to the
    # right vector; anything else must be a ResponseValidationError, never a list of lists handed to the caller.
    emu.control.set_faults([{"kind": "nested_embedding", "route": "embeddings"}])
    texts = ["nested one", "nested two"]
    async with session(driver, deployment(emu, model=EMBED_MODEL, max_retries=0)) as s:
        vectors = await s.embed(texts)
    for text, vector in zip(texts, vectors, strict=True):
        assert all(isinstance(x, float) for x in vector)
        expected = text_embedding(text, 1536)
        assert vector == pytest.approx(expected, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("sync", [True, False])
async def test_nested_float_embedding_is_unwrapped(emu: EmulatorHandle, sync: bool) -> None:
    emu.control.set_faults([{"kind": "nested_embedding", "route": "embeddings"}])
    session_driver = next(d for d in DRIVERS if d.stack == "transport" and d.sync is sync)
    async with session(session_driver, deployment(emu, model=EMBED_MODEL, max_retries=0)) as s:
        assert isinstance(s, TransportSession)
        if sync:
            result = s.sync_client.embed(["nested one"], encoding_format="float")
        else:
            result = await s.async_client.embed(["nested one"], encoding_format="float")
    assert result.data[0].embedding == pytest.approx(text_embedding("nested one", 1536), rel=1e-6)
