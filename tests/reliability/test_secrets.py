"""The key never shows: not in repr/str, DEBUG logs, exception messages or framework serialisation; and a key
is never sent over plain http to a host that is not loopback."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from azure_inference import APIStatusError, ConfigurationError, Deployment
from azure_inference.emulator import EmulatorHandle

from .drivers import STACKS, Driver, constructors, drivers
from .helpers import deployment, established_to, session

pytestmark = pytest.mark.e2e

KEY = "sk-reliability-SECRET-7f3a9c2e41"


def _serialisations(obj: Any) -> dict[str, str]:
    out = {"repr": repr(obj), "str": str(obj)}
    if type(obj).__module__.startswith("langchain_azure_inference"):
        from langchain_core.load import dumpd, dumps

        out["dumpd"] = str(dumpd(obj))
        out["dumps"] = dumps(obj)
    if type(obj).__module__.startswith("llamaindex_azure_inference"):
        out["to_dict"] = str(obj.to_dict())
        out["to_json"] = obj.to_json()
        out["model_dump"] = str(obj.model_dump())
        out["model_dump_json"] = obj.model_dump_json()
    if hasattr(obj, "deployment") and isinstance(obj.deployment, Deployment):
        out["deployment"] = repr(obj.deployment) + str(obj.deployment) + str(obj.deployment.model_dump())
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_key_absent_from_repr_str_and_serialisation(stack: str) -> None:
    for name, build in constructors(stack).items():
        obj = build("https://myres.services.ai.azure.com/models", KEY)
        try:
            for how, text in _serialisations(obj).items():
                assert KEY not in text, f"{name} {how} shows the key"
        finally:
            close = getattr(obj, "close", None)
            if close is not None and not type(obj).__name__.startswith("Async"):
                close()


@drivers()
async def test_key_absent_from_debug_logs_and_errors(
    driver: Driver, emu: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    # The server echoes the key back in its error (some proxies do): the message must still not carry it.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="azure_inference")
    dep = deployment(emu, credential=KEY, max_retries=0)
    async with session(driver, dep) as s:
        assert "secret-check" in await s.chat("secret-check")
        emu.control.queue_error(401, code="Unauthorized", message=f"key {KEY} is not valid here", route="chat")
        with pytest.raises(APIStatusError) as info:
            await s.chat("again")
    err = info.value
    assert err.status_code == 401
    for text in (str(err), repr(err), err.body or "", str(err.headers), str(err.args)):
        assert KEY not in text
    assert "***" in str(err), "the key was redacted, not the message dropped"
    assert caplog.records, "DEBUG logging was on: something should have been logged"
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in str(record.args)
    assert KEY not in caplog.text
    sent = emu.control.requests("/chat/completions")
    assert sent, "the requests did go out (so the check above saw real traffic)"


@pytest.mark.parametrize("stack", STACKS)
def test_key_over_plain_http_refused_at_construction(stack: str) -> None:
    for name, build in constructors(stack).items():
        start = time.monotonic()
        with pytest.raises(ConfigurationError) as info:
            build("http://192.0.2.1/models", KEY)
        assert "plain http" in str(info.value), name
        assert KEY not in str(info.value)
        assert time.monotonic() - start < 1.0, "refused without trying to connect"
        assert established_to("http://192.0.2.1:80") == 0


@drivers()
async def test_key_over_plain_http_refused_before_any_connection(driver: Driver) -> None:
    # Whatever the construction does, the first call must refuse without touching the network.
    build = next(iter(constructors(driver.stack).values()))

    async def first_call() -> None:
        obj = build("http://192.0.2.1/models", KEY)
        if driver.stack == "langchain":
            obj.invoke("hi") if driver.sync else await obj.ainvoke("hi")
        elif driver.stack == "llamaindex":
            obj.complete("hi") if driver.sync else await obj.acomplete("hi")

    start = time.monotonic()
    with pytest.raises(ConfigurationError, match="plain http"):
        await first_call()
    assert time.monotonic() - start < 1.0
