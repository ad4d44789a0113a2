"""The emulator cannot be knocked over (issue 12) and accepts what the service accepts (issue 18).

End to end against emulator subprocesses on 127.0.0.1; every loop is bounded and every request has a timeout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from azure_inference.emulator import EmulatorHandle, run_emulator

pytestmark = pytest.mark.e2e

API = {"api-version": "2025-05-01"}
KEY = "hardening-key"
LIMIT = 200_000


@pytest.fixture(scope="module")
def small() -> Iterator[EmulatorHandle]:
    """An emulator with a key, a 200 kB body limit and a 300 kB request log."""
    catalog_args = ["--key", KEY, "--max-body-bytes", str(LIMIT), "--log-max-bytes", "300000"]
    with run_emulator(*catalog_args) as handle:
        yield handle


def _assert_alive(emu: EmulatorHandle) -> None:
    health = httpx.get(emu.url + "/_emulator/health", timeout=5).json()
    assert health == {"status": "ok", "internal_errors": health["internal_errors"]}
    assert health["internal_errors"] == 0


def _tool(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": {"name": "f", "description": "a tool", "parameters": parameters}}


HOSTILE_SCHEMAS = {
    "minItems 1e9": {
        "type": "object",
        "properties": {"xs": {"type": "array", "items": {"type": "integer"}, "minItems": 1_000_000_000}},
        "required": ["xs"],
    },
    "minLength 1e9": {
        "type": "object",
        "properties": {"s": {"type": "string", "minLength": 1e9}},
        "required": ["s"],
    },
    "recursive $ref": {"$ref": "#/$defs/node", "$defs": {"node": {"$ref": "#/$defs/node"}}},
    "required recursion": {
        "type": "object",
        "properties": {"child": {"$ref": "#"}},
        "required": ["child"],
    },
    "wide and deep": {
        "type": "object",
        "properties": {
            f"p{i}": {"type": "array", "minItems": 100, "items": {"type": "array", "minItems": 100, "items": {}}}
            for i in range(20)
        },
        "required": [f"p{i}" for i in range(20)],
    },
}


@pytest.mark.parametrize("name", list(HOSTILE_SCHEMAS))
@pytest.mark.parametrize("where", ["tools", "response_format"])
def test_hostile_schemas_get_400_and_the_server_stays_up(emu: EmulatorHandle, name: str, where: str) -> None:
    schema = HOSTILE_SCHEMAS[name]
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "go"}]}
    if where == "tools":
        body |= {"tools": [_tool(schema)], "tool_choice": "required"}
    else:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    r = httpx.post(emu.endpoint + "/chat/completions", params=API, json=body, timeout=10)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_payload"
    assert "Fix:" in error["message"]
    _assert_alive(emu)


def test_200k_deep_body_is_400(emu: EmulatorHandle) -> None:
    raw = b'{"messages": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    r = httpx.post(emu.endpoint + "/chat/completions", params=API, content=raw, timeout=10)
    assert r.status_code == 400, r.text
    assert "nested deeper" in r.json()["error"]["message"]
    _assert_alive(emu)


def test_moderately_deep_body_is_400_before_validation(emu: EmulatorHandle) -> None:
    deep: Any = "x"
    for _ in range(500):  # within the JSON parser's limit, beyond the emulator's
        deep = {"a": deep}
    body = {"messages": [{"role": "user", "content": "hi"}], "extra": deep}
    r = httpx.post(emu.endpoint + "/chat/completions", params=API, json=body, timeout=10)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["target"] == "body"
    assert emu.control.requests()  # the log (and its JSON rendering) survives it
    _assert_alive(emu)


def test_auth_is_checked_before_the_body_is_read_or_logged(small: EmulatorHandle) -> None:
    small.control.reset()
    big = {"messages": [{"role": "user", "content": "x" * 100_000}]}
    for _ in range(5):
        r = httpx.post(small.endpoint + "/chat/completions", params=API, json=big, timeout=10)
        assert r.status_code == 401
    log = small.control.requests()
    assert len(log) == 5
    assert all(entry["body"] is None for entry in log)


def test_body_over_the_limit_is_413_in_azure_shape(small: EmulatorHandle) -> None:
    body = {"messages": [{"role": "user", "content": "x" * (LIMIT + 10)}]}
    headers = {"api-key": KEY}
    r = httpx.post(small.endpoint + "/chat/completions", params=API, json=body, headers=headers, timeout=10)
    assert r.status_code == 413
    assert r.headers["x-ms-error-code"] == "RequestEntityTooLarge"
    assert str(LIMIT) in r.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:  # no content-length: the limit applies while reading
        yield b'{"messages": [{"role": "user", "content": "'
        for _ in range(LIMIT // 10_000 + 2):
            yield b"x" * 10_000
        yield b'"}]}'

    r = httpx.post(small.endpoint + "/chat/completions", params=API, content=chunks(), headers=headers, timeout=10)
    assert r.status_code == 413
    ok = httpx.post(
        small.endpoint + "/chat/completions",
        params=API,
        json={"messages": [{"role": "user", "content": "small"}]},
        headers=headers,
        timeout=10,
    )
    assert ok.status_code == 200


def test_request_log_is_bounded_in_bytes(small: EmulatorHandle) -> None:
    small.control.reset()
    headers = {"api-key": KEY}
    for i in range(12):  # 12 x ~100 kB through a 300 kB log
        body = {"messages": [{"role": "user", "content": f"{i} " + "y" * 100_000}]}
        r = httpx.post(small.endpoint + "/chat/completions", params=API, json=body, headers=headers, timeout=10)
        assert r.status_code == 200
    log = small.control.requests()
    assert 1 <= len(log) <= 3
    assert sum(len(json.dumps(e["body"])) for e in log) <= 300_000
    assert log[-1]["body"]["messages"][0]["content"].startswith("11 ")  # the newest are kept


@pytest.mark.parametrize("path", ["/completions", "/chat/completions", "/embeddings", "/images/embeddings"])
@pytest.mark.parametrize("key", ["messages", "prompt", "input", "tools", "response_format", "stream_options"])
def test_pass_through_never_reaches_the_handlers_unvalidated(emu: EmulatorHandle, path: str, key: str) -> None:
    # Issue 18: {"messages": null} on /completions with pass-through was a 500. Every route, with every key
    # another route knows set to null, must answer 200 or 4xx.
    valid = {
        "/completions": {"prompt": "hi"},
        "/chat/completions": {"messages": [{"role": "user", "content": "hi"}]},
        "/embeddings": {"input": ["hi"]},
        "/images/embeddings": {"input": [{"image": "data:image/png;base64,AA=="}]},
    }[path]
    for body in ({key: None}, {**valid, key: None}):
        r = httpx.post(
            emu.endpoint + path, params=API, json=body, headers={"extra-parameters": "pass-through"}, timeout=10
        )
        assert r.status_code in (200, 400, 404, 422), r.text
    _assert_alive(emu)


def test_messages_null_on_completions_with_pass_through(emu: EmulatorHandle) -> None:
    r = httpx.post(
        emu.endpoint + "/completions",
        params=API,
        json={"messages": None},
        headers={"extra-parameters": "pass-through"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert r.json()["object"] == "text_completion"


def test_model_null_is_accepted_on_deployment_routes(emu: EmulatorHandle) -> None:
    body = {"model": None, "messages": [{"role": "user", "content": "hi"}]}
    r = httpx.post(emu.deployment("gpt-4o") + "/chat/completions", params={"api-version": "2024-10-21"}, json=body)
    assert r.status_code == 200, r.text
    assert r.json()["model"] == "gpt-4o"
    r = httpx.post(emu.endpoint + "/chat/completions", params=API, json=body, timeout=10)
    assert r.status_code == 400  # the model-inference route still names a null model as the problem
    assert r.json()["error"]["target"] == "model"


def test_branching_recursive_schema_is_400_quickly(emu: EmulatorHandle) -> None:
    node = {"type": "object", "properties": {"l": {"$ref": "#"}, "r": {"$ref": "#"}}, "required": ["l", "r"]}
    body = {"messages": [{"role": "user", "content": "go"}], "tools": [_tool(node)], "tool_choice": "required"}
    r = httpx.post(emu.endpoint + "/chat/completions", params=API, json=body, timeout=10)
    assert r.status_code == 400, r.text
    _assert_alive(emu)
