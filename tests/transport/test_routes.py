"""Every route on every surface, against httpx.MockTransport, sync and async in one body."""

from __future__ import annotations

import base64
import io
import struct
from pathlib import Path
from typing import Any

import httpx
import pytest

from azure_inference import RouteNotSupportedError, Surface

from .helpers import ENDPOINT, KEY, Factory, Server, chat_body, chunk, collect, final, resolve, sse

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
MSGS = [{"role": "user", "content": "Hi"}]


def emb_body(vectors: list[Any]) -> dict[str, Any]:
    return {
        "id": "e1",
        "object": "list",
        "model": "emb",
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
        "usage": {"prompt_tokens": 2, "total_tokens": 2},
    }


def b64(floats: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(floats)}f", *floats)).decode()


INFO = {"model_name": "Phi-4", "model_type": "chat_completion", "model_provider_name": "Microsoft"}


@pytest.mark.parametrize("sync", [True, False])
async def test_info_is_fetched_once_and_cached(sync: bool, make: Factory) -> None:
    server = Server(httpx.Response(200, json=INFO))
    client = make(sync, server)
    first = await resolve(client.get_model_info())
    second = await resolve(client.get_model_info())
    assert first is second
    assert (first.model_name, first.type) == ("Phi-4", "chat-completion")
    assert len(server.requests) == 1
    req = server.last
    assert req.method == "GET"
    assert req.url.path == "/models/info"
    assert req.url.params["api-version"] == "2024-05-01-preview"
    assert "model" not in req.url.params  # S24 has no ?model=
    assert req.content == b""


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("version", "sent"), [("2025-04-01", True), ("2025-05-01", True), ("2024-05-01-preview", False)]
)
async def test_info_sends_model_query_from_2025_04_01(sync: bool, version: str, sent: bool, make: Factory) -> None:
    server = Server(httpx.Response(200, json=INFO))
    client = make(sync, server, api_version=version, model="my dep")
    await resolve(client.get_model_info())
    params = server.last.url.params
    assert params["api-version"] == version
    assert params.get("model") == ("my dep" if sent else None)


@pytest.mark.parametrize("sync", [True, False])
async def test_info_404_is_route_not_supported_and_cached(sync: bool, make: Factory) -> None:
    server = Server(httpx.Response(404, json={"error": {"code": "NotFound", "message": "Resource not found"}}))
    client = make(sync, server)
    with pytest.raises(RouteNotSupportedError, match="/info") as info:
        await resolve(client.get_model_info())
    assert info.value.status_code == 404
    assert await resolve(client.try_get_model_info()) is None
    assert len(server.requests) == 1  # the answer is remembered


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://r.openai.azure.com/openai/deployments/d",
        "https://r.openai.azure.com/openai/v1",
        "http://127.0.0.1:9/v1",
    ],
)
async def test_info_on_surfaces_without_it_sends_nothing(sync: bool, endpoint: str, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint=endpoint)
    with pytest.raises(RouteNotSupportedError, match="no /info route"):
        await resolve(client.get_model_info())
    assert server.requests == []


@pytest.mark.parametrize("sync", [True, False])
async def test_chat_request_and_response(sync: bool, make: Factory) -> None:
    server = Server(httpx.Response(200, json=chat_body("Bonjour", system_fingerprint="fp", custom_field=1)))
    client = make(sync, server, model="Phi-4")
    result = await resolve(client.chat(MSGS, temperature=0, seed=0, max_tokens=5, stop="END"))
    assert result.content == "Bonjour"
    assert result.usage is not None
    assert result.usage.total_tokens == 5
    assert result.model_extra == {"custom_field": 1}  # unknown fields are kept
    req = server.last
    assert req.method == "POST"
    assert str(req.url) == f"{ENDPOINT}/chat/completions?api-version=2024-05-01-preview"
    assert server.body() == {
        "messages": MSGS,
        "model": "Phi-4",
        "temperature": 0,
        "seed": 0,
        "max_tokens": 5,
        "stop": ["END"],
    }
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == "application/json"
    assert req.headers["x-ms-client-request-id"]
    assert "extra-parameters" not in req.headers


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_chat_folds_and_keeps_usage_only_chunk(sync: bool, make: Factory) -> None:
    usage = {"id": "c1", "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}}
    body = sse(chunk("Hel", role="assistant"), chunk("lo"), chunk(finish="stop"), usage)
    server = Server(
        httpx.Response(200, content=body, headers={"content-type": "text/event-stream", "x-request-id": "r1"})
    )
    client = make(sync, server)
    stream = await resolve(client.stream_chat(MSGS))
    assert stream.request_id == "r1"
    chunks = await collect(stream)
    assert len(chunks) == 4
    assert chunks[-1].choices == []
    assert chunks[-1].usage.total_tokens == 3
    result = stream.accumulator.result()
    assert result.content == "Hello"
    assert result.choices[0].finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.total_tokens == 3
    assert server.body()["stream"] is True
    assert "stream_options" not in server.body()  # the Model Inference spec has none (docs/wire.md §4)
    assert server.last.headers["accept"] == "text/event-stream"


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://r.openai.azure.com/openai/deployments/d",
        "https://r.openai.azure.com/openai/v1",
        "http://localhost:8080/v1",
    ],
)
async def test_stream_chat_asks_for_usage_where_supported(sync: bool, endpoint: str, make: Factory) -> None:
    server = Server(httpx.Response(200, content=sse(chunk("x", finish="stop"))))
    client = make(sync, server, endpoint=endpoint)
    await final(await resolve(client.stream_chat(MSGS)))
    assert server.body()["stream_options"] == {"include_usage": True}
    await final(await resolve(client.stream_chat(MSGS, stream_usage=False)))
    assert "stream_options" not in server.body()


COMPLETION = {
    "id": "t1",
    "object": "text_completion",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "text": "world", "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
}


@pytest.mark.parametrize("sync", [True, False])
async def test_complete(sync: bool, make: Factory) -> None:
    server = Server(httpx.Response(200, json=COMPLETION))
    client = make(sync, server)
    result = await resolve(client.complete("Hello", max_tokens=3))
    assert result.text == "world"
    assert server.last.url.path == "/models/completions"
    assert server.body() == {"prompt": "Hello", "max_tokens": 3}


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_complete(sync: bool, make: Factory) -> None:
    def part(text: str, finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "t",
            "object": "text_completion",
            "choices": [{"index": 0, "text": text, "finish_reason": finish}],
        }

    server = Server(httpx.Response(200, content=sse(part("wor"), part("ld", "length"))))
    client = make(sync, server)
    stream = await resolve(client.stream_complete(["Hello"]))
    result = await final(stream)
    assert result.text == "world"
    assert result.choices[0].finish_reason == "length"
    assert server.body() == {"prompt": ["Hello"], "stream": True}


@pytest.mark.parametrize("sync", [True, False])
async def test_stream_complete_asks_for_usage_where_the_surface_has_stream_options(sync: bool, make: Factory) -> None:
    done = {"id": "t", "object": "text_completion", "choices": [{"index": 0, "text": "hi", "finish_reason": "stop"}]}
    usage_only = {"id": "t", "choices": [], "usage": {"prompt_tokens": 2, "completion_tokens": 1, "total_tokens": 3}}
    server = Server(httpx.Response(200, content=sse(done, usage_only)))
    client = make(sync, server, endpoint="http://127.0.0.1:9/v1")
    result = await final(await resolve(client.stream_complete("x")))
    assert server.body()["stream_options"] == {"include_usage": True}
    assert result.usage is not None
    assert result.usage.total_tokens == 3


@pytest.mark.parametrize("sync", [True, False])
async def test_embed_base64_is_the_default_and_decoded(sync: bool, make: Factory) -> None:
    server = Server(httpx.Response(200, json=emb_body([b64([0.5, -1.0]), b64([0.25, 2.0])])))
    client = make(sync, server, model="emb")
    result = await resolve(client.embed(["a", "b"], dimensions=2, input_type="query"))
    assert result.vectors == [[0.5, -1.0], [0.25, 2.0]]
    assert server.last.url.path == "/models/embeddings"
    assert server.body() == {
        "input": ["a", "b"],
        "model": "emb",
        "dimensions": 2,
        "encoding_format": "base64",
        "input_type": "query",
    }


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("fmt", "wire", "expected"),
    [
        ("float", [0.5, -0.25], [0.5, -0.25]),
        ("base64", b64([1.5, -2.0]), [1.5, -2.0]),
        ("int8", [-128, 127], [-128, 127]),
        ("uint8", [0, 255], [0, 255]),
        ("binary", [-3, 5], [-3, 5]),
        ("ubinary", [253, 5], [253, 5]),
    ],
)
async def test_embed_every_encoding_is_decoded_to_numbers(
    sync: bool, fmt: str, wire: Any, expected: list[float], make: Factory
) -> None:
    server = Server(httpx.Response(200, json=emb_body([wire])))
    client = make(sync, server)
    result = await resolve(client.embed("x", encoding_format=fmt))  # type: ignore[arg-type]
    assert result.vectors == [expected]
    assert all(isinstance(v, (int, float)) for v in result.vectors[0])
    assert server.body()["encoding_format"] == fmt


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "refusal",
    [
        httpx.Response(
            422,
            json={
                "status": 422,
                "code": "parameter_not_supported",
                "detail": {"loc": ["body", "encoding_format"], "input": "base64"},
            },
        ),
        httpx.Response(400, json={"error": {"code": "invalid", "message": "encoding_format base64 not supported"}}),
    ],
)
async def test_embed_falls_back_to_float_when_base64_is_refused(
    sync: bool, refusal: httpx.Response, make: Factory
) -> None:
    server = Server(refusal, httpx.Response(200, json=emb_body([[0.1, 0.2]])))
    client = make(sync, server)
    result = await resolve(client.embed("x"))
    assert result.vectors == [[0.1, 0.2]]
    assert server.body(0)["encoding_format"] == "base64"
    assert "encoding_format" not in server.body(1)
    await resolve(client.embed("y"))  # remembered: no second refusal
    assert len(server.requests) == 3
    assert "encoding_format" not in server.body()


@pytest.mark.parametrize("sync", [True, False])
async def test_embed_422_about_another_parameter_is_not_a_base64_refusal(sync: bool, make: Factory) -> None:
    from azure_inference import UnsupportedParameterError

    refusal = httpx.Response(
        422,
        json={
            "error": {"code": "parameter_not_supported", "message": "input_type is not supported"},
            "detail": [{"loc": ["body", "input_type"], "input": "query"}],
        },
    )
    server = Server(refusal, httpx.Response(200, json=emb_body([[0.5]])))
    client = make(sync, server)
    with pytest.raises(UnsupportedParameterError) as info:
        await resolve(client.embed("x", input_type="query"))
    assert [p.name for p in info.value.params] == ["input_type"]
    assert len(server.requests) == 1  # raised as it is: no float retry
    await resolve(client.embed("y"))
    assert server.body()["encoding_format"] == "base64"  # and base64 stays on for this client


@pytest.mark.parametrize("sync", [True, False])
async def test_embed_explicit_base64_refusal_is_raised(sync: bool, make: Factory) -> None:
    from azure_inference import UnsupportedParameterError

    refusal = httpx.Response(422, json={"detail": [{"loc": ["body", "encoding_format"], "input": "base64"}]})
    server = Server(refusal)
    client = make(sync, server)
    with pytest.raises(UnsupportedParameterError):
        await resolve(client.embed("x", encoding_format="base64"))
    assert len(server.requests) == 1


@pytest.mark.parametrize("sync", [True, False])
async def test_embed_images_from_path_bytes_and_file(sync: bool, make: Factory, tmp_path: Path) -> None:
    path = tmp_path / "cat.png"
    path.write_bytes(PNG)
    server = Server(httpx.Response(200, json=emb_body([[1.0], [2.0], [3.0], [4.0]])))
    client = make(sync, server)
    inputs = [path, PNG, io.BytesIO(PNG), {"image": str(path), "text": "a cat"}]
    result = await resolve(client.embed_images(inputs, encoding_format="float"))
    assert result.vectors == [[1.0], [2.0], [3.0], [4.0]]
    assert server.last.url.path == "/models/images/embeddings"
    url = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert server.body()["input"] == [{"image": url}, {"image": url}, {"image": url}, {"image": url, "text": "a cat"}]


# -- surfaces -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "surface"),
    [
        ("https://r.services.ai.azure.com/models", Surface.MODEL_INFERENCE),
        ("https://r.services.ai.azure.com/api/models", Surface.MODEL_INFERENCE),
        ("https://r.services.ai.azure.com", Surface.MODEL_INFERENCE),
        ("https://name.eastus2.models.ai.azure.com", Surface.MODEL_INFERENCE),
        ("https://name.eastus2.inference.ai.azure.com", Surface.MODEL_INFERENCE),
        ("https://models.inference.ai.azure.com", Surface.MODEL_INFERENCE),
        ("https://r.openai.azure.com/openai/deployments/gpt", Surface.AZURE_OPENAI),
        ("https://r.openai.azure.com", Surface.AZURE_OPENAI),
        ("https://r.cognitiveservices.azure.com/openai", Surface.AZURE_OPENAI),
        ("https://r.openai.azure.com/openai/v1", Surface.OPENAI_V1),
        ("https://r.services.ai.azure.com/openai/v1/", Surface.OPENAI_V1),
        ("http://127.0.0.1:8080/v1", Surface.OPENAI_COMPATIBLE),
        ("http://localhost:11434/v1", Surface.OPENAI_COMPATIBLE),
        ("http://127.0.0.1:8080/models", Surface.MODEL_INFERENCE),
    ],
)
def test_surface_detection(endpoint: str, surface: Surface) -> None:
    from azure_inference import detect_surface

    assert detect_surface(endpoint) is surface


@pytest.mark.parametrize("sync", [True, False])
async def test_bare_foundry_url_gets_models_path(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint="https://res.services.ai.azure.com/")
    await resolve(client.chat(MSGS))
    assert (
        str(server.last.url)
        == "https://res.services.ai.azure.com/models/chat/completions?api-version=2024-05-01-preview"
    )


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    "endpoint",
    [
        "https://r.openai.azure.com/openai/deployments/gpt-4o",
        "https://r.openai.azure.com",
        "https://r.openai.azure.com/openai",
    ],
)
async def test_azure_openai_deployment_path(sync: bool, endpoint: str, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint=endpoint, model="gpt-4o")
    await resolve(client.chat(MSGS))
    req = server.last
    assert (
        str(req.url)
        == "https://r.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2025-04-01-preview"
    )
    assert "model" not in server.body()  # the deployment is in the path
    assert req.headers["api-key"] == KEY
    assert "authorization" not in req.headers
    assert "extra-parameters" not in req.headers


@pytest.mark.parametrize("sync", [True, False])
async def test_openai_v1_has_no_api_version(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint="https://r.openai.azure.com/openai/v1", model="gpt-4o")
    await resolve(client.chat(MSGS, extra_body={"logprobs": True}))
    req = server.last
    assert str(req.url) == "https://r.openai.azure.com/openai/v1/chat/completions"
    assert server.body()["model"] == "gpt-4o"
    assert server.body()["logprobs"] is True
    assert req.headers["api-key"] == KEY
    assert "extra-parameters" not in req.headers  # never on other surfaces


@pytest.mark.parametrize("sync", [True, False])
async def test_openai_compatible(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint="http://127.0.0.1:8080/v1", model="llama")
    await resolve(client.chat(MSGS, extra_body={"top_k": 3}))
    req = server.last
    assert str(req.url) == "http://127.0.0.1:8080/v1/chat/completions"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert "api-key" not in req.headers
    assert "extra-parameters" not in req.headers
    assert server.body()["top_k"] == 3


@pytest.mark.parametrize("sync", [True, False])
async def test_openai_compatible_without_credential_sends_no_auth(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint="http://localhost:8080/v1", credential=None)
    await resolve(client.chat(MSGS))
    assert "authorization" not in server.last.headers
    assert "api-key" not in server.last.headers


@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize(
    ("kwargs", "version"),
    [
        ({}, "2024-05-01-preview"),
        ({"api_version": "2025-05-01"}, "2025-05-01"),
        ({"endpoint": "https://r.openai.azure.com/openai/deployments/d"}, "2025-04-01-preview"),
        (
            {"endpoint": "https://r.openai.azure.com/openai/deployments/d", "api_version": "2025-04-01-preview"},
            "2025-04-01-preview",
        ),
        ({"endpoint": "https://r.openai.azure.com/openai/v1"}, None),
        ({"endpoint": "https://r.openai.azure.com/openai/v1", "api_version": "preview"}, "preview"),
        ({"api_version": ""}, None),
    ],
)
async def test_api_version_defaults_and_overrides(
    sync: bool, kwargs: dict[str, Any], version: str | None, make: Factory
) -> None:
    server = Server()
    client = make(sync, server, **kwargs)
    await resolve(client.chat(MSGS))
    assert server.last.url.params.get("api-version") == version


@pytest.mark.parametrize("sync", [True, False])
async def test_surface_override(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, endpoint="http://127.0.0.1:9000/custom", surface="model-inference")
    await resolve(client.chat(MSGS, extra_body={"safe_mode": True}))
    assert server.last.url.params["api-version"] == "2024-05-01-preview"
    assert server.last.headers["extra-parameters"] == "pass-through"


# -- extra-parameters header (docs/wire.md §2.2) -------------------------------------------------------------------


@pytest.mark.parametrize("sync", [True, False])
async def test_extra_parameters_header_modes(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server)
    await resolve(client.chat(MSGS, temperature=0.1))
    assert "extra-parameters" not in server.last.headers  # only spec keys: no header
    await resolve(client.chat(MSGS, extra_body={"top_k": 2}))
    assert server.last.headers["extra-parameters"] == "pass-through"  # auto pass-through with extra keys
    await resolve(client.chat(MSGS, extra_body={"modalities": ["text"]}))
    assert "extra-parameters" not in server.last.headers  # a spec key through extra_body is not extra
    await resolve(client.chat(MSGS, extra_body={"top_k": 2}, extra_parameters="drop"))
    assert server.last.headers["extra-parameters"] == "drop"  # explicit per call
    await resolve(client.embed("x", encoding_format="float", extra_body={"truncate": "END"}))
    assert server.last.headers["extra-parameters"] == "pass-through"

    fixed = make(sync, server, extra_parameters="error")
    await resolve(fixed.chat(MSGS))
    assert server.last.headers["extra-parameters"] == "error"  # explicit on the deployment: always sent
    await resolve(fixed.chat(MSGS, extra_parameters="pass-through"))
    assert server.last.headers["extra-parameters"] == "pass-through"


@pytest.mark.parametrize("sync", [True, False])
async def test_model_params_defaults_merge_under_call_params(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, model_params={"temperature": 0.2, "max_tokens": 9, "top_k": 4})
    await resolve(client.chat(MSGS, temperature=0.7))
    body = server.body()
    assert body["temperature"] == 0.7  # the call wins
    assert body["max_tokens"] == 9  # a known default is used
    assert body["top_k"] == 4  # an unknown default is sent as an extra parameter
    assert server.last.headers["extra-parameters"] == "pass-through"
    await resolve(client.chat(MSGS, extra_body={"top_k": 1}))
    assert server.body()["top_k"] == 1  # the call's extra_body wins over the default


@pytest.mark.parametrize("sync", [True, False])
async def test_default_headers_and_per_call_headers(sync: bool, make: Factory) -> None:
    server = Server()
    client = make(sync, server, headers={"azureml-model-deployment": "blue"})
    await resolve(client.chat(MSGS, headers={"x-trace": "1"}))
    assert server.last.headers["azureml-model-deployment"] == "blue"
    assert server.last.headers["x-trace"] == "1"
    assert server.last.headers["user-agent"].startswith("azure-inference-adapters/")
