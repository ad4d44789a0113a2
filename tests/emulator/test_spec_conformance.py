"""Every response validates against the official OpenAPI; every official example request is accepted.

Known deviations from the spec, each tested explicitly here (docs/wire.md §11):

- Δ7: stream chunks say ``object: "chat.completion.chunk"`` (the spec enum says ``chat.completion``).
- Δ9: with ``stream_options.include_usage`` the last chunk has ``choices: []`` (the spec says minItems 1).
- Δ11: ``encoding_format: base64`` returns a string where the spec types ``embedding`` as float[].
- Δ10: ``model_type`` of text-generation models is ``text-generation`` (the spec enum has two values, but it is
  declared extensible).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from emu_helpers import Emu, sse_events

from azure_inference.emulator import EmulatorHandle, run_emulator
from azure_inference.emulator.validation import SPEC_DIR, errors_of

pytestmark = pytest.mark.e2e
SPECS = ["2024-05-01-preview", "2025-05-01", "2025-05-15-preview"]
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def _errors(definition: str, instance: Any, spec: str) -> list[tuple[str, str]]:
    return [("/".join(map(str, e.absolute_path)), e.validator) for e in errors_of(spec, definition, instance)]


def assert_valid(definition: str, instance: Any, allowed: set[tuple[str, str]] = frozenset()) -> None:  # type: ignore[assignment]
    for spec in SPECS:
        errs = set(_errors(definition, instance, spec))
        assert errs <= allowed, f"{definition} ({spec}): {errs - allowed}\n{json.dumps(instance)[:800]}"


def shipped_manifest() -> dict[str, int | None]:
    """What ``SOURCE.txt`` says the package ships: spec-relative path -> character count (when recorded)."""
    text = (SPEC_DIR / "SOURCE.txt").read_text(encoding="utf-8")
    manifest: dict[str, int | None] = {}
    for version_dir, chars in re.findall(r"^\d\) (\S+)/openapi\.json.*?\(([\d,]+) chars\)", text, re.M | re.S):
        manifest[f"{version_dir}/openapi.json"] = int(chars.replace(",", ""))
    # each version's example list follows its openapi.json entry, up to the next numbered entry
    for block in re.split(r"^\d\) ", text, flags=re.M)[1:]:
        version_dir = block.split("/openapi.json", 1)[0]
        for name in re.findall(r"^\s+(Get\w+_Gen\.json)\s", block, re.M):
            manifest[f"{version_dir}/examples/{name}"] = None
    return manifest


def test_packaged_spec_is_complete_and_unaltered() -> None:
    """The spec files inside ``azure_inference`` are exactly the ones SOURCE.txt lists, at the recorded sizes."""
    manifest = shipped_manifest()
    assert len([p for p in manifest if p.endswith("openapi.json")]) == len(SPECS)
    # openai-v1/ is the v1 surface's spec, with its own SOURCE.txt (test_packaged_v1_spec_is_there below).
    shipped = {p.relative_to(SPEC_DIR).as_posix() for p in SPEC_DIR.rglob("*.json") if p.parent.name != "openai-v1"}
    assert shipped == set(manifest)
    for rel, chars in manifest.items():
        text = (SPEC_DIR / rel).read_text(encoding="utf-8")
        if chars is not None:
            assert len(text) == chars, rel
        document = json.loads(text)
        if rel.endswith("openapi.json"):
            assert document["info"]["version"] in SPECS, rel
        else:
            assert document["parameters"]["api-version"] == rel.split("/")[1], rel


def test_packaged_v1_spec_is_there() -> None:
    """The v1 OpenAPI file the emulator validates its /openai/v1 answers against ships with its source note."""
    v1 = SPEC_DIR / "openai-v1"
    assert "azure-v1-v1-generated.json" in (v1 / "SOURCE.txt").read_text(encoding="utf-8")
    document = json.loads((v1 / "azure-v1-v1-generated.json").read_text(encoding="utf-8"))
    assert {"/chat/completions", "/responses", "/embeddings"} <= set(document["paths"])


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [{"role": "user", "content": "Hello"}]},
        {"messages": [{"role": "user", "content": "weather in Oslo"}], "tools": [TOOL], "tool_choice": "required"},
        {"messages": [{"role": "user", "content": "Why?"}], "model": "DeepSeek-R1"},
        {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
        {
            "messages": [{"role": "user", "content": "hi"}],
            "model": "Phi-4-multimodal-instruct",
            "modalities": ["text", "audio"],
        },
    ],
)
def test_chat_json_and_stream_validate(e: Emu, body: dict[str, Any]) -> None:
    assert_valid("ChatCompletions", e.post("/models/chat/completions", body).json())
    body = {k: v for k, v in body.items() if k != "modalities"}
    events, done = sse_events(e.post("/models/chat/completions", {**body, "stream": True}))
    assert done
    for event in events:
        assert_valid("StreamingChatCompletionsUpdate", event, {("object", "enum")})  # Δ7
        assert event["object"] == "chat.completion.chunk"


def test_usage_only_chunk_is_the_known_deviation(e: Emu) -> None:
    events, _ = sse_events(
        e.post(
            "/models/chat/completions",
            {
                "messages": [{"role": "user", "content": "hi"}],
                "stream": True,
                "stream_options": {"include_usage": True},
            },
        )
    )
    assert_valid("StreamingChatCompletionsUpdate", events[-1], {("object", "enum"), ("choices", "minItems")})  # Δ9
    assert events[-1]["choices"] == []
    with pytest.raises(AssertionError):
        assert_valid("StreamingChatCompletionsUpdate", events[-1], {("object", "enum")})


@pytest.mark.parametrize("fmt", ["float", "int8", "uint8", "binary", "ubinary", "base64"])
def test_embeddings_validate(e: Emu, fmt: str) -> None:
    body = e.post(
        "/models/embeddings", {"input": ["a", "b"], "model": "Cohere-embed-v3-multilingual", "encoding_format": fmt}
    ).json()
    allowed = {("data/0/embedding", "type"), ("data/1/embedding", "type")} if fmt == "base64" else set()  # Δ11
    assert_valid("EmbeddingsResult", body, allowed)
    image = e.post(
        "/models/images/embeddings", {"input": [{"image": "data:image/png;base64,AAAA"}], "encoding_format": fmt}
    ).json()
    assert_valid("EmbeddingsResult", image, {("data/0/embedding", "type")} if fmt == "base64" else set())


def test_info_validates(e: Emu) -> None:
    for model in ("gpt-4o-mini", "text-embedding-3-small"):
        r = e.http.get(e.handle.endpoint + "/info", params={"api-version": "2025-05-01", "model": model})
        assert_valid("ModelInfo", r.json())
    r = e.http.get(e.handle.endpoint + "/info", params={"api-version": "2025-05-01", "model": "gpt-35-turbo-instruct"})
    assert_valid("ModelInfo", r.json(), {("model_type", "enum")})  # Δ10


def test_error_bodies_validate(e: Emu, keyed_emulator: EmulatorHandle) -> None:
    msgs = [{"role": "user", "content": "hi"}]
    responses = [
        e.post("/models/chat/completions", {"messages": msgs}, api_version=None),
        e.post("/models/chat/completions", {"messages": msgs}, api_version="1999-01-01"),
        e.post("/models/chat/completions", {"messages": []}),
        e.post("/models/chat/completions", {"messages": msgs, "foo": 1}),
        e.post("/models/chat/completions", {"messages": msgs, "model": "DeepSeek-R1", "tools": [TOOL]}),
        e.post("/models/chat/completions", {"messages": msgs, "model": "nope"}),
        e.http.post(
            keyed_emulator.endpoint + "/chat/completions", params={"api-version": "2025-05-01"}, json={"messages": msgs}
        ),
        e.http.get(e.handle.url + "/nope"),
    ]
    e.control.set_blocklists(prompt=["hi"])
    responses.append(e.post("/models/chat/completions", {"messages": msgs}))
    e.control.set_faults(
        [{"kind": "status", "status": 429, "retry_after": 1, "times": 1}, {"kind": "status", "status": 503, "times": 1}]
    )
    e.control.set_blocklists(prompt=[])
    responses += [e.post("/models/chat/completions", {"messages": msgs}) for _ in range(2)]
    assert sorted({r.status_code for r in responses}) == [400, 401, 404, 422, 429, 503]
    for r in responses:
        assert_valid("Azure.Core.Foundations.ErrorResponse", r.json())
        assert r.headers["x-ms-error-code"] == r.json()["error"]["code"]


def test_image_generations_validate(e: Emu) -> None:
    body = e.post(
        "/models/images/generations", {"prompt": "a cat", "size": "1024x1024", "n": 2}, api_version="2025-05-15-preview"
    ).json()
    assert not _errors("ImageGenerationsResult", body, "2025-05-15-preview")
    assert [d["seed"] for d in body["data"]][1] == body["data"][0]["seed"] + 1


# --- official examples ------------------------------------------------------------------------------------

EXAMPLES_CATALOG = """
[models."my-model-name"]
types = ["chat-completion", "embeddings", "image-embeddings"]
provider = "Examples"
tools = true
json_schema = true
json_object = true
images = true
audio = true
dimensions = 1024
supports_dimensions = true
input_types = ["text", "query", "document"]
image_text = true
"""
ROUTES = {
    "GetChatCompletions": "/chat/completions",
    "GetEmbeddings": "/embeddings",
    "GetImageEmbeddings": "/images/embeddings",
    "GetImageGenerations": "/images/generations",
}
RESULTS = {
    "GetChatCompletions": "ChatCompletions",
    "GetEmbeddings": "EmbeddingsResult",
    "GetImageEmbeddings": "EmbeddingsResult",
    "GetImageGenerations": "ImageGenerationsResult",
    "GetModelInfo": "ModelInfo",
}
EXAMPLES = sorted(SPEC_DIR.rglob("examples/*.json"))


@pytest.fixture(scope="module")
def examples_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorHandle]:
    path = tmp_path_factory.mktemp("catalog") / "examples.toml"
    path.write_text(EXAMPLES_CATALOG)
    with run_emulator(catalog=path) as handle:
        yield handle


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_official_example_is_accepted(examples_emulator: EmulatorHandle, path: Path) -> None:
    example = json.loads(path.read_text())
    params = dict(example["parameters"])
    body = params.pop("body", None)
    headers = {"extra-parameters": params.pop("extra-parameters")} if "extra-parameters" in params else {}
    op = example["operationId"]
    url = examples_emulator.endpoint + ROUTES.get(op, "/info")
    with httpx.Client(timeout=20) as client:
        if op == "GetModelInfo":
            r = client.get(url, params=params)
        else:
            r = client.post(url, params=params, json=body, headers=headers)
        assert r.status_code == 200, r.text
        spec = {"2024-05-01-preview": "2024-05-01-preview", "2025-05-01": "2025-05-01"}.get(
            params["api-version"], "2025-05-15-preview"
        )
        if body and body.get("stream"):
            events, done = sse_events(r)
            assert done
            for event in events:
                assert {v for _, v in _errors("StreamingChatCompletionsUpdate", event, spec)} <= {"enum"}
        else:
            assert not _errors(RESULTS[op], r.json(), spec), r.text
    assert examples_emulator.control.health()["internal_errors"] == 0
