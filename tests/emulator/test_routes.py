"""Every route on every prefix, api-version, auth, model selection (e2e over loopback, plain httpx)."""

from __future__ import annotations

import httpx
import pytest
from emu_helpers import API, Emu

from azure_inference.emulator import EmulatorHandle

pytestmark = pytest.mark.e2e

CHAT = {"messages": [{"role": "user", "content": "Hello there"}]}


@pytest.mark.parametrize("prefix", ["", "/models", "/api/models"])
def test_azure_prefixes_serve_every_route(e: Emu, prefix: str) -> None:
    r = e.post(prefix + "/chat/completions", CHAT)
    assert r.status_code == 200
    assert r.json()["object"] == "chat.completion"
    assert r.json()["model"] == "gpt-4o-mini"  # the default chat model
    r = e.post(prefix + "/embeddings", {"input": ["a b c"]})
    assert r.status_code == 200
    assert r.json()["model"] == "text-embedding-3-small"
    assert len(r.json()["data"][0]["embedding"]) == 1536
    r = e.post(prefix + "/images/embeddings", {"input": [{"image": "data:image/png;base64,AAAA"}]})
    assert r.status_code == 200
    assert r.json()["model"] == "Cohere-embed-v3-multilingual"
    r = e.post(prefix + "/completions", {"prompt": "Say hi"})
    assert r.status_code == 200
    assert r.json()["object"] == "text_completion"
    assert r.json()["model"] == "gpt-35-turbo-instruct"
    r = e.http.get(e.handle.url + prefix + "/info", params={"api-version": API})
    assert r.json() == {"model_name": "gpt-4o-mini", "model_type": "chat-completion", "model_provider_name": "OpenAI"}


def test_info_model_query_selects_model(e: Emu) -> None:
    r = e.http.get(e.handle.endpoint + "/info", params={"api-version": API, "model": "Cohere-embed-v3-multilingual"})
    assert r.json() == {
        "model_name": "Cohere-embed-v3-multilingual",
        "model_type": "embeddings",
        "model_provider_name": "Cohere",
    }


@pytest.mark.parametrize("prefix", ["/v1", "/openai/v1"])
def test_openai_prefixes_need_no_api_version(e: Emu, prefix: str) -> None:
    for path, body in [
        ("/chat/completions", CHAT),
        ("/embeddings", {"input": "one string"}),
        ("/completions", {"prompt": "x", "model": "gpt-35-turbo-instruct"}),
    ]:
        r = e.post(prefix + path, body, api_version=None)
        assert r.status_code == 200, (path, r.text)
    r = e.http.get(e.handle.url + prefix + "/models")
    names = [m["id"] for m in r.json()["data"]]
    assert "gpt-4o-mini" in names
    assert "text-embedding-3-small" in names


def test_openai_surface_ignores_unknown_parameters(e: Emu) -> None:
    r = e.post("/v1/chat/completions", {**CHAT, "n": 1, "user": "u1"}, api_version=None)
    assert r.status_code == 200


def test_deployment_path_selects_model_and_needs_api_version(e: Emu) -> None:
    url = e.handle.deployment("Mistral-small")
    r = e.http.post(url + "/chat/completions", params={"api-version": "2024-10-21"}, json=CHAT)
    assert r.status_code == 200
    assert r.json()["model"] == "Mistral-small"
    r = e.http.post(url + "/chat/completions", json=CHAT)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "MissingApiVersionParameter"
    r = e.http.post(
        e.handle.deployment("text-embedding-3-large") + "/embeddings",
        params={"api-version": "2024-10-21"},
        json={"input": ["x"]},
    )
    assert len(r.json()["data"][0]["embedding"]) == 3072
    r = e.http.post(e.handle.deployment("nope") + "/chat/completions", params={"api-version": "x"}, json=CHAT)
    assert r.status_code == 404


def test_api_version_missing_and_unknown(e: Emu) -> None:
    r = e.post("/models/chat/completions", CHAT, api_version=None)
    assert r.status_code == 400
    assert r.headers["x-ms-error-code"] == "MissingApiVersionParameter"
    assert set(r.json()["error"]) >= {"code", "message"}
    r = e.post("/models/chat/completions", CHAT, api_version="2023-01-01")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidApiVersionParameter"
    for version in ["2024-05-01-preview", "2025-04-01", "2025-05-01", "2025-05-15-preview"]:
        assert e.post("/models/chat/completions", CHAT, api_version=version).status_code == 200


def test_model_selection_and_unknown_model(e: Emu) -> None:
    r = e.chat("Hi", model="DeepSeek-R1")
    assert r.json()["model"] == "DeepSeek-R1"
    assert e.chat("Hi", model="deepseek-r1").json()["model"] == "DeepSeek-R1"  # case-insensitive
    r = e.chat("Hi", model="no-such-model")
    assert r.status_code == 404
    assert r.headers["x-ms-error-code"] == "unknown_model"
    assert "no-such-model" in r.json()["error"]["message"]
    r = e.post("/models/embeddings", {"input": ["x"], "model": "gpt-4o-mini"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "OperationNotSupported"


def test_unknown_path_is_404_in_azure_shape(e: Emu) -> None:
    r = e.http.get(e.handle.url + "/models/nope")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NotFound"
    r = e.http.get(e.handle.url + "/models/chat/completions")
    assert r.status_code == 405
    assert r.json()["error"]["code"] == "MethodNotAllowed"


def test_auth_required_when_keys_configured(keyed_emulator: EmulatorHandle, http: httpx.Client) -> None:
    url = keyed_emulator.endpoint + "/chat/completions"
    params = {"api-version": API}
    r = http.post(url, params=params, json=CHAT)
    assert r.status_code == 401
    assert r.headers["x-ms-error-code"] == "Unauthorized"
    assert r.json()["error"]["code"] == "Unauthorized"
    assert http.post(url, params=params, json=CHAT, headers={"api-key": "wrong"}).status_code == 401
    assert http.post(url, params=params, json=CHAT, headers={"api-key": "test-key"}).status_code == 200
    assert http.post(url, params=params, json=CHAT, headers={"Authorization": "Bearer test-key"}).status_code == 200
    assert http.post(url, params=params, json=CHAT, headers={"Authorization": "Basic test-key"}).status_code == 401
    # The request log masks secrets.
    logged = keyed_emulator.control.requests()[-1]
    assert logged["headers"]["authorization"] == "***"


def test_open_emulator_accepts_any_or_no_key(e: Emu) -> None:
    assert e.chat("hi", headers={"api-key": "whatever"}).status_code == 200


def test_single_model_mode_ignores_model(http: httpx.Client) -> None:
    from azure_inference.emulator import run_emulator

    with run_emulator(single_model="Phi-3.5-mini-instruct") as emu:
        r = http.post(emu.url + "/chat/completions", params={"api-version": API}, json={**CHAT, "model": "gpt-4o-mini"})
        assert r.json()["model"] == "Phi-3.5-mini-instruct"
        info = http.get(emu.url + "/info", params={"api-version": API}).json()
        assert info["model_name"] == "Phi-3.5-mini-instruct"
        assert emu.control.health()["internal_errors"] == 0


def test_request_ids_and_deployment_header(e: Emu) -> None:
    r = e.chat("hi", headers={"x-ms-client-request-id": "client-1", "azureml-model-deployment": "Mistral-small"})
    assert r.json()["model"] == "Mistral-small"
    assert r.headers["x-ms-client-request-id"] == "client-1"
    seq = e.control.requests()[-1]["seq"]
    assert r.headers["x-request-id"] == r.headers["apim-request-id"] == f"emulator-{seq}"
    r = e.chat("hi", model="nope")
    assert r.headers["x-request-id"] == f"emulator-{seq + 1}"


def test_developer_role_and_max_completion_tokens(e: Emu) -> None:
    r = e.chat([{"role": "developer", "content": "Be terse."}, {"role": "user", "content": "Tell me about otters"}])
    assert r.status_code == 200
    r = e.chat("Tell me about otters", prefix="/v1", max_completion_tokens=2)
    assert r.json()["choices"][0]["finish_reason"] == "length"
