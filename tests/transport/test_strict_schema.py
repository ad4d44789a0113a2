"""Strict structured-output schemas (``azure_inference.strict_schema``): table-driven rules and pydantic models."""

from __future__ import annotations

import enum
import itertools
from typing import Any, Literal, Optional, Union

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from azure_inference.emulator.strict import schema_problem
from azure_inference.errors import InvalidRequestError
from azure_inference.strict_schema import StrictSchemaError, strict_problems, to_strict_schema


def _obj(props: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props) if required is None else required, **extra}


STR = {"type": "string"}


@pytest.mark.parametrize(
    ("schema", "strict"),
    [
        # Optional fields become required and nullable; every object closes.
        (
            _obj({"a": STR, "b": {"type": "integer"}}, ["a"]),
            {**_obj({"a": STR, "b": {"type": ["integer", "null"]}}), "additionalProperties": False},
        ),
        # Nested objects, arrays' items, $defs and anyOf branches all close.
        (
            {
                **_obj({"xs": {"type": "array", "items": _obj({"y": STR})}, "u": {"anyOf": [_obj({"z": STR}), STR]}}),
                "$defs": {"D": _obj({"d": STR}, [])},
            },
            {
                **_obj(
                    {
                        "xs": {"type": "array", "items": {**_obj({"y": STR}), "additionalProperties": False}},
                        "u": {"anyOf": [{**_obj({"z": STR}), "additionalProperties": False}, STR]},
                    }
                ),
                "additionalProperties": False,
                "$defs": {"D": {**_obj({"d": {"type": ["string", "null"]}}), "additionalProperties": False}},
            },
        ),
        # An optional $ref becomes anyOf [$ref, null]; defaults, oneOf, const and discriminator are rewritten.
        (
            {
                **_obj(
                    {
                        "r": {"$ref": "#/$defs/D", "default": None, "description": "d"},
                        "k": {"const": "x", "type": "string"},
                        "e": {"enum": ["a", "b"], "type": "string"},
                        "t": {"oneOf": [STR, {"type": "integer"}], "discriminator": {"propertyName": "x"}},
                    },
                    ["k", "t"],
                ),
                "$defs": {"D": _obj({"d": STR})},
            },
            {
                **_obj(
                    {
                        "r": {"description": "d", "anyOf": [{"$ref": "#/$defs/D"}, {"type": "null"}]},
                        "k": {"type": "string", "enum": ["x"]},
                        "e": {"enum": ["a", "b", None], "type": ["string", "null"]},
                        "t": {"anyOf": [STR, {"type": "integer"}]},
                    }
                ),
                "additionalProperties": False,
                "$defs": {"D": {**_obj({"d": STR}), "additionalProperties": False}},
            },
        ),
        # A one-item allOf (older pydantic's "$ref with siblings") is unwrapped.
        (
            _obj({"r": {"allOf": [{"$ref": "#/$defs/D"}], "description": "d"}}, ["r"], **{"$defs": {"D": _obj({})}}),
            {
                **_obj({"r": {"$ref": "#/$defs/D", "description": "d"}}),
                "additionalProperties": False,
                "$defs": {"D": {**_obj({}), "additionalProperties": False}},
            },
        ),
        # Recursion through "#" is allowed.
        (
            _obj({"children": {"type": "array", "items": {"$ref": "#"}}}),
            {**_obj({"children": {"type": "array", "items": {"$ref": "#"}}}), "additionalProperties": False},
        ),
    ],
)
def test_to_strict_schema(schema: dict[str, Any], strict: dict[str, Any]) -> None:
    got = to_strict_schema(schema)
    assert got == strict
    assert strict_problems(got) == []


@pytest.mark.parametrize(
    ("schema", "path", "words"),
    [
        (_obj({"s": {"type": "string", "minLength": 1}}), "#/properties/s/minLength", "'minLength' is not supported"),
        (_obj({"s": {"type": "string", "pattern": "^a"}}), "#/properties/s/pattern", "'pattern' is not supported"),
        (_obj({"s": {"type": "string", "format": "date-time"}}), "#/properties/s/format", "'format' is not supported"),
        (_obj({"n": {"type": "integer", "minimum": 0}}), "#/properties/n/minimum", "'minimum' is not supported"),
        (_obj({"n": {"type": "number", "multipleOf": 2}}), "#/properties/n/multipleOf", "'multipleOf'"),
        (_obj({"a": {"type": "array", "items": STR, "minItems": 1}}), "#/properties/a/minItems", "'minItems'"),
        (_obj({"a": {"type": "array", "items": STR, "uniqueItems": True}}), "#/properties/a/uniqueItems", "unique"),
        (_obj({"m": {"type": "object", "additionalProperties": STR}}), "#/properties/m/additionalProperties", "map"),
        (_obj({"m": {"type": "object"}}), "#/properties/m/additionalProperties", "free-form map"),
        (_obj({"x": {}}), "#/properties/x", "without 'type'"),
        (_obj({"x": {"allOf": [STR, {"type": "integer"}]}}), "#/properties/x/allOf", "'allOf' is not supported"),
        (_obj({"x": {"type": "string", "x-custom": 1}}), "#/properties/x/x-custom", "not part of the strict-mode"),
        ({"anyOf": [_obj({"a": STR}), _obj({"b": STR})]}, "#", "the root may not be 'anyOf'"),
        ({"type": "array", "items": STR}, "#", "the root must be an object"),
    ],
)
def test_unsupported_parts_are_refused_naming_the_place_and_the_fix(
    schema: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(StrictSchemaError) as info:
        to_strict_schema(schema)
    assert any(p == path and words in problem for p, problem in info.value.problems), info.value.problems
    assert isinstance(info.value, InvalidRequestError)  # raised before sending, like every bad input
    assert "Fix:" in str(info.value)
    assert path in str(info.value)


def _nested(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = _obj({"leaf": STR})
    for _ in range(levels - 1):
        node = _obj({"child": node})
    return node


def test_nesting_limit_is_five_levels() -> None:
    assert strict_problems(to_strict_schema(_nested(5))) == []
    with pytest.raises(StrictSchemaError, match="6 levels of nesting exceed the limit of 5"):
        to_strict_schema(_nested(6))


def test_property_limit_is_one_hundred_in_all() -> None:
    hundred = _obj({f"p{i}": _obj({f"q{j}": STR for j in range(9)}) for i in range(10)})  # 10 + 90
    assert strict_problems(to_strict_schema(hundred)) == []
    with pytest.raises(StrictSchemaError, match="101 object properties exceed the limit of 100"):
        to_strict_schema({**hundred, "properties": {**hundred["properties"], "one_more": STR}})


def test_checker_names_what_the_service_names() -> None:
    problems = strict_problems({"type": "object", "properties": {"a": STR, "b": STR}, "required": ["a"]})
    assert ("#", "'additionalProperties' is required to be supplied and to be false") in problems
    assert ("#", "'required' must list every key in properties; missing b") in problems
    assert strict_problems(_obj({"r": {"$ref": "#/$defs/Nope"}}, additionalProperties=False)) == [
        ("#/properties/r/$ref", "'#/$defs/Nope' does not point into this schema")
    ]


def test_the_input_is_not_changed() -> None:
    schema = _obj({"a": STR}, [])
    before = repr(schema)
    to_strict_schema(schema)
    assert repr(schema) == before


# -- pydantic models, generated: the output always passes the checker and accepts the model's own data ------------

_names = itertools.count()


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


Field = tuple[Any, st.SearchStrategy[Any]]
_TEXT = st.text(max_size=5)
_SCALARS: list[Field] = [
    (str, _TEXT),
    (int, st.integers(-5, 5)),
    (float, st.floats(-1, 1, allow_nan=False)),
    (bool, st.booleans()),
    (Literal["a", "b"], st.sampled_from(["a", "b"])),
    (Colour, st.sampled_from(["red", "blue"])),
]


def _fields(depth: int) -> st.SearchStrategy[Field]:
    scalar = st.sampled_from(_SCALARS)
    if depth == 0:
        return scalar
    inner = st.deferred(lambda: _fields(depth - 1))
    return st.one_of(
        scalar,
        inner.map(lambda f: (Optional[f[0]], st.none() | f[1])),  # noqa: UP045 - the annotation under test
        inner.map(lambda f: (list.__class_getitem__(f[0]), st.lists(f[1], max_size=2))),
        st.tuples(inner, inner).map(lambda p: (Union[p[0][0], p[1][0]], p[0][1] | p[1][1])),  # noqa: UP007
        _models(depth - 1),
    )


@st.composite
def _model_field(draw: st.DrawFn, depth: int) -> Field:
    fields = draw(st.lists(_fields(depth), min_size=1, max_size=4))
    optional = draw(st.lists(st.booleans(), min_size=len(fields), max_size=len(fields)))
    definitions: dict[str, Any] = {}
    values: dict[str, st.SearchStrategy[Any]] = {}
    for i, ((annotation, value), has_default) in enumerate(zip(fields, optional, strict=True)):
        name = f"f{i}"
        definitions[name] = (Optional[annotation], None) if has_default else (annotation, ...)  # noqa: UP045
        values[name] = (st.none() | value) if has_default else value
    model = pydantic.create_model(f"M{next(_names)}", **definitions)
    return model, st.fixed_dictionaries(values)


def _models(depth: int) -> st.SearchStrategy[Field]:
    return _model_field(depth)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), field=_model_field(2))
def test_pydantic_models_become_valid_strict_schemas_that_accept_their_data(data: st.DataObject, field: Field) -> None:
    model, values = field
    strict = to_strict_schema(model.model_json_schema())
    assert strict_problems(strict) == []
    instance = model.model_validate(data.draw(values))
    # An instance dumped to JSON keeps every field (optional ones as null), as the service will send it.
    Draft202012Validator(strict).validate(instance.model_dump(mode="json"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=_model_field(2))
def test_the_strict_emulator_agrees(field: Field) -> None:
    # The emulator checks strict schemas with its own reading of the service's rules (emulator/strict.py):
    # pydantic's schema as it is breaks them, the rewritten one passes.
    model, _ = field
    assert schema_problem(model.model_json_schema()) is not None
    assert schema_problem(to_strict_schema(model.model_json_schema())) is None
