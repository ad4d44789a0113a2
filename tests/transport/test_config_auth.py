"""Deployment (code, env, TOML profiles), secrecy, and every auth mode on the wire."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference import AsyncInferenceClient, ConfigurationError, Deployment, InferenceClient

from .helpers import ENDPOINT, KEY, Factory, Server, resolve

MSGS = [{"role": "user", "content": "Hi"}]


# -- construction -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["res.services.ai.azure.com/models", "ftp://x.y", "not a url", "https://"])
def test_endpoint_must_be_an_http_url(endpoint: str) -> None:
    with pytest.raises(ConfigurationError, match="not an http"):
        Deployment(endpoint=endpoint, credential=KEY)


def test_endpoint_with_query_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="query"):
        Deployment(endpoint=ENDPOINT + "?api-version=1", credential=KEY)


def test_missing_credential_is_a_clear_error_but_loopback_may_go_without() -> None:
    with pytest.raises(ConfigurationError, match=r"no credential.*AZURE_INFERENCE_CREDENTIAL"):
        Deployment(endpoint=ENDPOINT)
    assert not Deployment(endpoint="http://127.0.0.1:8000/v1").has_credential
    assert Deployment(endpoint="https://example.com/v1", allow_no_credential=True).resolved_surface.value == (
        "openai-compatible"
    )


@pytest.mark.parametrize("host", ["example.com", "10.0.0.5", "my-server.local"])
def test_plain_http_to_non_loopback_is_refused_with_a_key(host: str) -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Deployment(endpoint=f"http://{host}/v1", credential=KEY)
    ok = Deployment(endpoint=f"http://{host}/v1", credential=KEY, allow_insecure_http=True)
    assert ok.endpoint == f"http://{host}/v1"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.1.2.3"])
def test_plain_http_to_loopback_is_allowed(host: str) -> None:
    assert Deployment(endpoint=f"http://{host}:8000/v1", credential=KEY).has_credential


def test_azure_openai_resource_needs_a_deployment_name() -> None:
    with pytest.raises(ConfigurationError, match="model="):
        Deployment(endpoint="https://r.openai.azure.com", credential=KEY)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("timeout", 0, "positive"),
        ("max_retries", -1, ">= 0"),
        ("surface", "grpc", "surface"),
        ("extra_parameters", "ignore", "extra_parameters"),
        ("colour", "blue", "unknown Deployment field 'colour'"),
        ("credential", 12345, "credential must be"),
    ],
)
def test_bad_fields_are_configuration_errors(field: str, value: Any, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Deployment(endpoint=ENDPOINT, **{"credential": KEY, field: value})


SECRET_ENDPOINT_CASES = [
    {"endpoint": KEY, "credential": ENDPOINT},  # the two swapped
    {"endpoint": KEY},
    {"endpoint": f"https://user:{KEY}@r.services.ai.azure.com/models", "credential": "x" * 8, "timeout": -1},
    {"endpoint": ENDPOINT, "credential": KEY, "timeout": "soon"},
    {"endpoint": ENDPOINT, "credential": KEY, "max_retries": KEY},
    {"endpoint": ENDPOINT, "credential": KEY, "surface": KEY},
    {"endpoint": ENDPOINT, "credential": KEY, "headers": {"api-key": 5}},
    {"endpoint": "http://example.com", "credential": KEY},
]


@pytest.mark.parametrize("data", SECRET_ENDPOINT_CASES)
def test_configuration_errors_never_show_the_key(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as info:
        Deployment(**data)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value)
    assert "Bearer" not in str(info.value)


def test_repr_and_str_never_show_secrets() -> None:
    dep = Deployment(
        endpoint=ENDPOINT,
        credential=KEY,
        headers={"api-key": KEY, "Authorization": f"Bearer {KEY}", "x-trace": "visible"},
        model="Phi-4",
    )
    for text in (repr(dep), str(dep), repr(InferenceClient(dep))):
        assert KEY not in text
    assert "visible" in repr(dep)
    assert "Phi-4" in repr(dep)
    bearer = Deployment(endpoint=ENDPOINT, bearer_token=KEY)
    assert KEY not in repr(bearer)
    assert KEY not in str(bearer)


async def test_async_client_repr_never_shows_secrets() -> None:
    async with AsyncInferenceClient(endpoint=ENDPOINT, credential=KEY) as client:
        assert KEY not in repr(client)
        assert "model-inference" in repr(client)


def test_with_options_keeps_the_credential() -> None:
    dep = Deployment(endpoint=ENDPOINT, credential=KEY)
    other = dep.with_options(model="x")
    assert other.credential is not None
    assert other.credential.get_secret_value() == KEY
    assert other.model == "x"
    assert dep.model is None


# -- environment ---------------------------------------------------------------------------------------------------


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    monkeypatch.setenv("AZURE_INFERENCE_MODEL", "Phi-4")
    monkeypatch.setenv("AZURE_INFERENCE_API_VERSION", "2025-05-01")
    dep = Deployment.from_env()
    assert (dep.endpoint, dep.model, dep.resolved_api_version) == (ENDPOINT, "Phi-4", "2025-05-01")
    assert dep.credential is not None
    assert dep.credential.get_secret_value() == KEY
    assert Deployment.from_env(model="other").model == "other"  # keyword arguments win
    assert Deployment.resolve(None).model == "Phi-4"


def test_from_env_with_custom_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBED_ENDPOINT", "https://r.openai.azure.com/openai/v1")
    monkeypatch.setenv("EMBED_CREDENTIAL", KEY)
    monkeypatch.setenv("EMBED_MODEL", "text-embedding-3-small")
    dep = Deployment.from_env("EMBED")
    assert dep.resolved_surface.value == "openai-v1"
    assert dep.model == "text-embedding-3-small"


def test_from_env_without_endpoint_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    with pytest.raises(ConfigurationError, match="AZURE_INFERENCE_ENDPOINT") as info:
        Deployment.from_env()
    assert KEY not in str(info.value)


def test_client_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_ENDPOINT", ENDPOINT)
    monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
    server = Server()
    with httpx.Client(transport=httpx.MockTransport(server)) as http:
        InferenceClient(http_client=http, model="m").chat(MSGS)
    assert server.last.headers["api-key"] == KEY
    assert server.body()["model"] == "m"


# -- TOML profiles ---------------------------------------------------------------------------------------------

PROFILES = """
default_profile = "prod"

[profiles.prod]
endpoint = "https://${RES_NAME}.services.ai.azure.com/models"
credential_env = "PROD_KEY"
model = "Phi-4"
api_version = "${API_VERSION:-2025-05-01}"
max_retries = 5
model_params = { temperature = 0.1 }

[profiles.local]
endpoint = "http://127.0.0.1:8000/v1"
model = "llama"
"""


@pytest.fixture
def profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "azure-inference.toml"
    path.write_text(PROFILES)
    monkeypatch.setenv("RES_NAME", "contoso")
    monkeypatch.setenv("PROD_KEY", KEY)
    return path


def test_profile_from_file(profiles: Path) -> None:
    dep = Deployment.from_profile("prod", profiles)
    assert dep.endpoint == "https://contoso.services.ai.azure.com/models"
    assert dep.credential is not None
    assert dep.credential.get_secret_value() == KEY
    assert (dep.name, dep.model, dep.api_version, dep.max_retries) == ("prod", "Phi-4", "2025-05-01", 5)
    assert dep.model_params == {"temperature": 0.1}
    assert Deployment.from_profile("local", profiles).resolved_surface.value == "openai-compatible"


def test_profile_default_env_and_resolve(profiles: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(profiles))
    assert Deployment.from_profile().name == "prod"  # default_profile
    monkeypatch.setenv("AZURE_INFERENCE_PROFILE", "local")
    assert Deployment.from_profile().name == "local"
    assert Deployment.resolve(None).name == "local"
    assert Deployment.resolve("prod", model="other").model == "other"
    monkeypatch.setenv("API_VERSION", "2025-04-01")
    assert Deployment.resolve("prod").api_version == "2025-04-01"


@pytest.mark.parametrize(
    ("text", "name", "match"),
    [
        (PROFILES, "staging", "profile 'staging' not found.*local, prod"),
        (
            "[profiles.a]\nendpoint = 'https://x.services.ai.azure.com/models'\ncredential_env = 'NOPE_NOT_SET'\n",
            "a",
            "NOPE_NOT_SET",
        ),
        ("[profiles.a]\nendpoint = 'https://${NOPE_HOST}.x'\n", "a", r"\$\{NOPE_HOST\}"),
        ("[profiles.a\n", "a", "not valid TOML"),
        ("x = 1\n", "a", r"no \[profiles"),
        ("[profiles.a]\nendpoint = 'http://127.0.0.1:1'\n", None, "no profile name"),
        ("[profiles.a]\nendpoint = 'http://127.0.0.1:1'\nbogus = 1\n", "a", "unknown Deployment field 'bogus'"),
    ],
)
def test_profile_errors(tmp_path: Path, profiles: Path, text: str, name: str | None, match: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=match):
        Deployment.from_profile(name, path)


def test_profile_file_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        Deployment.from_profile("a", tmp_path / "nope.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigurationError, match="AZURE_INFERENCE_CONFIG"):
        Deployment.from_profile("a")


# -- auth on the wire ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("endpoint", "key_header", "api_key", "bearer"),
    [
        (ENDPOINT, "auto", True, True),  # docs/wire.md §2.1: both, as the SDK does
        ("https://r.openai.azure.com/openai/deployments/d", "auto", True, False),
        ("https://r.openai.azure.com/openai/v1", "auto", True, False),
        ("http://127.0.0.1:8000/v1", "auto", False, True),
        (ENDPOINT, "api-key", True, False),
        (ENDPOINT, "bearer", False, True),
        ("http://127.0.0.1:8000/v1", "both", True, True),
    ],
)
async def test_key_headers_per_surface(
    sync: bool, endpoint: str, key_header: str, api_key: bool, bearer: bool, make: Factory
) -> None:
    server = Server()
    client = make(sync, server, endpoint=endpoint, key_header=key_header, model="d")
    await resolve(client.chat(MSGS))
    headers = server.last.headers
    assert headers.get("api-key") == (KEY if api_key else None)
    assert headers.get("authorization") == (f"Bearer {KEY}" if bearer else None)


@pytest.mark.parametrize("sync", [True, False])
async def test_static_bearer_token(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, bearer_token="entra-token-abc")
    await resolve(client.chat(MSGS))
    assert server.last.headers["authorization"] == "Bearer entra-token-abc"
    assert "api-key" not in server.last.headers


@pytest.mark.parametrize("sync", [True, False])
async def test_sync_token_provider_is_called_per_request(sync: bool, make: Factory) -> None:
    tokens = iter(["t1", "t2"])
    server = Server()
    client = make(sync, server, credential=lambda: next(tokens))
    await resolve(client.chat(MSGS))
    await resolve(client.chat(MSGS))
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer t1", "Bearer t2"]


async def test_async_token_provider(make: Factory) -> None:
    async def provider() -> str:
        return "async-token"

    server = Server()
    client = make(False, server, token_provider=provider)
    await resolve(client.chat(MSGS))
    assert server.last.headers["authorization"] == "Bearer async-token"
    sync_client = make(True, server, token_provider=provider)
    with pytest.raises(ConfigurationError, match="async"):
        sync_client.chat(MSGS)
    assert len(server.requests) == 1


class AccessToken:
    def __init__(self, token: str, expires_on: int) -> None:
        self.token = token
        self.expires_on = expires_on


class FakeCredential:
    """An azure-identity-like TokenCredential: ``get_token(*scopes)`` returns an AccessToken-like object."""

    def __init__(self, lifetime: float = 3600) -> None:
        self.scopes: list[tuple[str, ...]] = []
        self.lifetime = lifetime

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(f"tok{len(self.scopes)}", int(time.time() + self.lifetime))


class FakeAsyncCredential(FakeCredential):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:  # type: ignore[override]
        return FakeCredential.get_token(self, *scopes)


@pytest.mark.parametrize("sync", [True, False])
async def test_token_credential_is_cached(sync: bool, make: Factory) -> None:
    cred = FakeCredential()
    server = Server()
    client = make(sync, server, credential=cred)
    for _ in range(3):
        await resolve(client.chat(MSGS))
    assert cred.scopes == [("https://cognitiveservices.azure.com/.default",)]
    assert {r.headers["authorization"] for r in server.requests} == {"Bearer tok1"}
    assert "api-key" not in server.last.headers


@pytest.mark.parametrize("sync", [True, False])
async def test_token_credential_is_refreshed_before_expiry(sync: bool, make: Factory) -> None:
    cred = FakeCredential(lifetime=120)  # inside the refresh margin: every call refreshes
    server = Server()
    client = make(sync, server, azure_credential=cred)
    await resolve(client.chat(MSGS))
    await resolve(client.chat(MSGS))
    assert [r.headers["authorization"] for r in server.requests] == ["Bearer tok1", "Bearer tok2"]


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("endpoint", "scope", "expected"),
    [
        (ENDPOINT, None, "https://cognitiveservices.azure.com/.default"),
        ("https://r.openai.azure.com/openai/v1", None, "https://cognitiveservices.azure.com/.default"),
        ("https://n.eastus.models.ai.azure.com", None, "https://ml.azure.com/.default"),
        ("https://n.eastus.inference.ml.azure.com", None, "https://ml.azure.com/.default"),
        (ENDPOINT, "https://ai.azure.com/.default", "https://ai.azure.com/.default"),
    ],
)
async def test_token_scope_per_surface_and_override(
    sync: bool, endpoint: str, scope: str | None, expected: str, make: Factory
) -> None:
    cred = FakeCredential()
    client = make(sync, Server(), endpoint=endpoint, credential=cred, token_scope=scope)
    await resolve(client.chat(MSGS))
    assert cred.scopes == [(expected,)]


async def test_async_token_credential(make: Factory) -> None:
    cred = FakeAsyncCredential()
    server = Server()
    client = make(False, server, credential=cred)
    await client.chat(MSGS)
    await client.chat(MSGS)
    assert cred.scopes == [("https://cognitiveservices.azure.com/.default",)]
    assert server.last.headers["authorization"] == "Bearer tok1"
    with pytest.raises(ConfigurationError, match="AsyncInferenceClient"):
        make(True, server, credential=FakeAsyncCredential()).chat(MSGS)


@pytest.mark.parametrize("sync", [True, False])
async def test_empty_token_is_an_authentication_error(sync: bool, make: Factory) -> None:
    from azure_inference import AuthenticationError

    server = Server()
    client = make(sync, server, token_provider=lambda: "")
    with pytest.raises(AuthenticationError, match="no token"):
        await resolve(client.chat(MSGS))
    assert server.requests == []


def test_bearer_credentials_over_http_are_refused_too() -> None:
    with pytest.raises(ConfigurationError, match="plain http"):
        Deployment(endpoint="http://example.com/models", credential=FakeCredential())
