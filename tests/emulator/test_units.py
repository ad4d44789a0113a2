"""Pure parts: schema-driven generation, tokenizer, catalog TOML, behaviour helpers, in-thread runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_inference.emulator import EmulatorConfig, ModelSpec, load_catalog_toml, run_emulator_in_thread
from azure_inference.emulator.behaviour import choose_tools
from azure_inference.emulator.catalog import Catalog, CatalogError
from azure_inference.emulator.embeddings import decode_base64, encode, text_embedding
from azure_inference.emulator.rag import best_passage, split_question
from azure_inference.emulator.schemagen import Hints, generate
from azure_inference.emulator.tokens import count, split_pieces, truncate

scalars = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "null"},
        {"type": "string", "minLength": 12},
        {"type": "string", "maxLength": 2},
        {"type": "string", "format": "date"},
        {"type": "integer", "minimum": 10, "maximum": 12},
        {"type": "number", "exclusiveMinimum": 5},
        {"type": "integer", "maximum": -3},
        {"type": "integer", "multipleOf": 7, "minimum": 8},
        {"enum": ["a", "b"]},
        {"const": 3},
        {"type": ["string", "null"]},
    ]
)


def _schemas(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    names = st.text("abcdefgh", min_size=1, max_size=5)
    objects = st.dictionaries(names, children, max_size=4).flatmap(
        lambda props: st.builds(
            lambda req, extra: {
                "type": "object",
                "properties": props,
                "required": sorted(req),
                "additionalProperties": extra,
            },
            st.sets(st.sampled_from(sorted(props))) if props else st.just(set()),
            st.booleans(),
        )
    )
    arrays = st.builds(lambda items, n: {"type": "array", "items": items, "minItems": n}, children, st.integers(0, 3))
    unions = st.lists(children, min_size=1, max_size=3).map(lambda xs: {"anyOf": xs})
    return objects | arrays | unions


# Text rich in what grounding picks up (numbers, number words, quotes, names, dates, enum members, key: value),
# so the property covers grounded values as well as schema-derived ones (issue 16).
FRAGMENTS = [
    "3",
    "-7",
    "2.5",
    "1,000",
    "twenty-one",
    "'a b'",
    '"été"',
    "New York",
    "on 2026-03-05",
    "a",
    "b",
    "aa: 4",
    "b=c",
    "in Paris",
    "12 kg",
    "x@example.com",
    "https://example.com/x",
]
hints_text = st.text(max_size=40) | st.lists(st.sampled_from(FRAGMENTS), max_size=8).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.recursive(scalars, _schemas, max_leaves=12), hints_text)
def test_generated_values_validate(schema: dict[str, Any], hint: str) -> None:
    jsonschema.validate(generate(schema, Hints(hint)), schema)


def test_generate_follows_refs_and_hints() -> None:
    schema = {
        "type": "object",
        "properties": {"loc": {"$ref": "#/$defs/loc"}},
        "required": ["loc"],
        "$defs": {"loc": {"type": "object", "properties": {"city": {"type": "string"}, "query": {"type": "string"}}}},
    }
    value = generate(schema, Hints("Weather in New York please"))
    assert value == {"loc": {"city": "New York", "query": "Weather in New York please"}}


@given(st.text(max_size=80), st.integers(1, 5))
def test_split_pieces_roundtrip(text: str, n: int) -> None:
    assert "".join(split_pieces(text, n)) == text


def test_tokenizer() -> None:
    assert count("Hello, world!") == 4
    assert truncate("one two, three four", 3) == "one two,"
    assert truncate("x", 0) == ""


def test_rag_helpers() -> None:
    ctx, q = split_question("Facts: Bananas are yellow. Cherries are red.\nQuestion: What colour are cherries?")
    assert q == "What colour are cherries?"
    assert best_passage(q, [ctx]) == "Cherries are red."
    assert best_passage("unrelated words entirely", ["Bananas are yellow fruit."]) is None
    tools = [{"type": "function", "function": {"name": "search_docs", "description": "Search the manual"}}]
    assert choose_tools([{"role": "user", "content": "please search the manual"}], tools, "auto") == tools
    assert choose_tools([{"role": "tool", "content": "x", "tool_call_id": "1"}], tools, "auto") == []


def test_embedding_encodings_roundtrip() -> None:
    v = text_embedding("alpha beta", 16)
    assert decode_base64(encode(v, "base64")) == pytest.approx(v, abs=1e-6)
    assert encode([0.5, -0.5] * 4, "ubinary") == [0b10101010]
    assert encode([0.5, -0.5] * 4, "binary") == [0b10101010 - 256]
    with pytest.raises(ValueError, match="unknown"):
        encode(v, "float16")


def test_catalog_toml(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        'replace_defaults = true\n[models."m1"]\ntype = "chat-completion"\ntools = true\n'
        '[models."e1"]\ntypes = ["embeddings"]\ndimensions = 8\n[defaults]\nembeddings = "e1"\n'
        '[emulator]\nkeys = ["k"]\nprompt_blocklist = {bomb = "violence"}\n'
        'faults = [{kind = "status", status = 503, times = 1}]\n'
    )
    catalog, settings_ = load_catalog_toml(path)
    assert list(catalog.models) == ["m1", "e1"]
    assert catalog.get("M1") == ModelSpec("m1", tools=True)
    cfg = EmulatorConfig(catalog=catalog)
    cfg.apply_settings(settings_)
    assert cfg.keys == ("k",)
    assert cfg.faults[0].status == 503
    assert cfg.prompt_blocklist == {"bomb": "violence"}
    path.write_text('[models."x"]\nwings = 2\n')
    with pytest.raises(CatalogError, match="unknown key"):
        load_catalog_toml(path)
    assert Catalog.default().default_for("embeddings").name == "text-embedding-3-small"  # type: ignore[union-attr]


def test_in_thread_runner_serves_and_drops() -> None:
    with run_emulator_in_thread() as emu, httpx.Client(timeout=10) as client:
        r = client.post(
            emu.endpoint + "/chat/completions",
            params={"api-version": "2025-05-01"},
            json={"messages": [{"role": "user", "content": "hi"}]},
        )
        assert r.status_code == 200
        emu.control.queue_fault("drop")
        with pytest.raises(httpx.TransportError):
            client.post(
                emu.endpoint + "/chat/completions",
                params={"api-version": "2025-05-01"},
                json={"messages": [{"role": "user", "content": "hi"}]},
            )
        assert emu.control.health()["internal_errors"] == 0


SCHEMA_KEYS = ["type", "properties", "required", "additionalProperties", "anyOf", "items", "$defs", "$ref"]
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["object", "string", "#/$defs/a"]),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.sampled_from(SCHEMA_KEYS), kids, max_size=4),
    max_leaves=20,
)
_object_schema = st.fixed_dictionaries(
    {"type": st.just("object")}, optional={k: _json for k in SCHEMA_KEYS if k != "type"}
)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "$defs": 1},
        {"type": "object", "additionalProperties": False, "properties": {"a": 1}, "required": 1},
        {"type": "object", "additionalProperties": False, "properties": 1},
        {"type": "object", "additionalProperties": False, "properties": {}, "anyOf": 3},
    ],
)
def test_strict_schema_rules_name_a_problem_in_malformed_schemas(schema: dict[str, Any]) -> None:
    # The strict checks run before the spec validation, so they meet bodies of any shape (a 500 once: tools=1).
    from azure_inference.emulator.strict import schema_problem

    problem = schema_problem(schema)
    assert problem is None or isinstance(problem[1], str)


@settings(max_examples=300, deadline=None)
@given(schema=_object_schema)
def test_strict_schema_rules_read_any_json_without_crashing(schema: dict[str, Any]) -> None:
    from azure_inference.emulator.strict import schema_problem

    problem = schema_problem(schema)
    assert problem is None or isinstance(problem[1], str)
