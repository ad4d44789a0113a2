"""Grounded answers (issue 16): tool arguments and JSON taken from the conversation, still schema-valid.

The table is (prompt, schema -> expected arguments); every generated value is also validated against its
schema, since grounding may never produce what the schema refuses.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jsonschema
import pytest
from emu_helpers import Emu

from azure_inference.emulator.behaviour import choose_tools, grounding_text, json_content
from azure_inference.emulator.grounding import Hints, keys_named
from azure_inference.emulator.schemagen import generate


def obj(required: bool = True, **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, **({"required": list(props)} if required else {})}


INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "number in digits",
        "What is the value of magic_function(3)? Use the tool.",
        obj(input={"type": "integer", "exclusiveMinimum": -1000, "exclusiveMaximum": 1000}),
        {"input": 3},
    ),
    ("two numbers, in order", "What is 3 + 4?", obj(a=INT, b=INT), {"a": 3, "b": 4}),
    (
        "a number in words next to a number in digits, each nearest its field",
        "Book three rooms for 2 nights",
        obj(nights=INT, rooms=INT),
        {"nights": 2, "rooms": 3},
    ),
    (
        "number words with a scale",
        "Reserve a table for twenty-one guests",
        obj(guests=INT),
        {"guests": 21},
    ),
    ("a unit after the number", "Ship a 2 kg parcel to Lisbon", obj(weight_kg=NUM), {"weight_kg": 2.0}),
    ("digits in a model name are not a number", "Ask gpt-4o about 7 facts", obj(count=INT), {"count": 7}),
    (
        "a number outside the bounds is not taken",
        "Use 5000 as the limit",
        obj(limit={"type": "integer", "maximum": 100}),
        {"limit": 1},
    ),
    (
        "quoted unicode is kept exactly",
        "Create a customer named '你好啊集团' (Hello Group) - a Chinese technology company",
        obj(customer_name=STR),
        {"customer_name": "你好啊集团"},
    ),
    (
        "curly and CJK quotes",
        "Rename the file to “résumé final” and tag it 「重要」",
        obj(filename=STR, tag=STR),
        {"filename": "résumé final", "tag": "重要"},
    ),
    (
        "an apostrophe is not a quote",
        "Look up the customer's order for Ada Lovelace",
        obj(customer=STR),
        {"customer": "Ada Lovelace"},
    ),
    (
        "explicit name: value beats everything",
        "Convert it, unit: fahrenheit, city=Oslo, days: 4",
        obj(city=STR, unit={"enum": ["celsius", "fahrenheit"]}, days=INT),
        {"city": "Oslo", "unit": "fahrenheit", "days": 4},
    ),
    (
        "an enum member in the text",
        "How warm is it in Rome, in Fahrenheit?",
        obj(unit={"type": "string", "enum": ["celsius", "fahrenheit"]}),
        {"unit": "fahrenheit"},
    ),
    (
        "a capitalised phrase for a place, not the sentence's first word",
        "Weather in New York please",
        obj(city=STR),
        {"city": "New York"},
    ),
    (
        "dates in two spellings, for date and date-time fields",
        "Fly out on March 5, 2026 and back on 2026-03-09",
        obj(depart={"type": "string", "format": "date"}, back={"type": "string", "format": "date-time"}),
        {"depart": "2026-03-05", "back": "2026-03-09T00:00:00Z"},
    ),
    (
        "free-text fields get the message",
        "find papers on retrieval augmented generation",
        obj(query=STR),
        {"query": "find papers on retrieval augmented generation"},
    ),
    (
        "nested objects follow the same rules per field",
        "Send 3 boxes to Berlin",
        obj(order=obj(quantity=INT, address=obj(city=STR))),
        {"order": {"quantity": 3, "address": {"city": "Berlin"}}},
    ),
    (
        "arrays of scalars take every fitting candidate",
        "Add 3, 5 and 8",
        obj(numbers={"type": "array", "items": INT}),
        {"numbers": [3, 5, 8]},
    ),
    (
        "a boolean named in the text, and one negated",
        "Quote express shipping for 1.4 kg without insurance",
        obj(weight_kg=NUM, express={"type": "boolean"}, insurance={"type": "boolean"}),
        {"weight_kg": 1.4, "express": True, "insurance": False},
    ),
    (
        "an unmentioned field takes the schema's default",
        "How much to send a 2 kg parcel?",
        obj(weight_kg=NUM, express={"type": "boolean", "default": False}),
        {"weight_kg": 2.0, "express": False},
    ),
    (
        "an acronym is a name even where a sentence starts",
        "Extract the invoice: ACME owes 12.5",
        obj(customer=STR, total=NUM),
        {"customer": "ACME", "total": 12.5},
    ),
    (
        "a value written as name: value is kept for its field, even nested",
        "Add 3, 5 and 8 for Paris, zip: 75001",
        obj(numbers={"type": "array", "items": INT}, loc=obj(city=STR, zip=INT)),
        {"numbers": [3, 5, 8], "loc": {"city": "Paris", "zip": 75001}},
    ),
    (
        "nothing fits: schema-derived values",
        "hello there",
        obj(count={"type": "integer", "minimum": 2}, unit={"enum": ["c", "f"]}, label=STR, flag={"type": "boolean"}),
        {"count": 2, "unit": "c", "label": "example", "flag": True},
    ),
]


@pytest.mark.parametrize(("prompt", "schema", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_arguments_are_grounded_in_the_prompt(prompt: str, schema: dict[str, Any], expected: dict[str, Any]) -> None:
    value = generate(schema, Hints(prompt))
    assert value == expected
    jsonschema.validate(value, schema)


def test_unicode_round_trips_through_json_exactly() -> None:
    args = generate(obj(name=STR), Hints("Create a customer named 'こんにちは株式会社'"))
    assert json.loads(json.dumps(args)) == {"name": "こんにちは株式会社"}


def test_tool_results_after_the_last_user_turn_are_grounding_text() -> None:
    messages = [
        {"role": "user", "content": "old turn 99"},
        {"role": "user", "content": "Look up the order"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "c1", "content": "order id: 4711"},
    ]
    text = grounding_text(messages)
    assert "99" not in text
    assert generate(obj(order_id=INT), Hints(text)) == {"order_id": 4711}


@pytest.mark.parametrize(
    ("prompt", "keys"),
    [
        (
            "Return the result as a JSON with 'setup' and 'punchline' keys. Return nothing other than JSON.",
            ["setup", "punchline"],
        ),
        ("Answer in JSON with keys setup and punchline", ["setup", "punchline"]),
        ("Give JSON with the fields name, age and city.", ["name", "age", "city"]),
        ("Tell me about the fields of physics", []),
        ("Just say hi", []),
    ],
)
def test_json_object_keys_named_in_the_prompt(prompt: str, keys: list[str]) -> None:
    assert keys_named(prompt) == keys


def test_json_object_answer_uses_the_named_keys_and_grounds_them() -> None:
    prompt = "Describe Ada Lovelace as JSON with keys name and summary"
    content = json_content({"type": "json_object"}, "the answer", prompt)
    assert json.loads(content or "") == {"name": "Ada Lovelace", "summary": "the answer"}
    assert json.loads(json_content({"type": "json_object"}, "the answer", "hi") or "") == {"answer": "the answer"}


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": obj(city=STR),
    },
}
STOCK = {
    "type": "function",
    "function": {
        "name": "stock_price",
        "description": "Latest share price of a company",
        "parameters": obj(ticker=STR),
    },
}


@pytest.mark.parametrize(
    ("prompt", "chosen"),
    [
        ("What's the weather like in Oslo?", ["get_weather"]),  # a description word
        ("What is the share price of Contoso?", ["stock_price"]),
        ("call get_weather and stock_price", ["get_weather", "stock_price"]),  # names mentioned: both, in order
        ("Write a haiku about autumn", []),  # nothing matches: a plain answer
    ],
)
def test_auto_tool_choice_by_best_match(prompt: str, chosen: list[str]) -> None:
    tools = choose_tools([{"role": "user", "content": prompt}], [WEATHER, STOCK], "auto")
    assert [t["function"]["name"] for t in tools] == chosen


@pytest.mark.e2e
@pytest.mark.parametrize("stream", [False, True])
def test_emulator_answers_with_grounded_arguments(e: Emu, stream: bool) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "ship_parcel",
            "description": "Ship a parcel",
            "parameters": obj(destination=STR, weight_kg={"type": "number", "exclusiveMinimum": 0}),
        },
    }
    r = e.chat("Ship a 2 kg parcel to Lisbon", tools=[tool], tool_choice="required", stream=stream)
    assert r.status_code == 200, r.text
    if stream:
        arguments = "".join(
            tc["function"].get("arguments") or ""
            for line in r.text.splitlines()
            if line.startswith("data: {")
            for choice in json.loads(line[6:])["choices"]
            for tc in choice["delta"].get("tool_calls") or []
        )
    else:
        arguments = r.json()["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    args = json.loads(arguments)
    assert args == {"destination": "Lisbon", "weight_kg": 2.0}
    jsonschema.validate(args, tool["function"]["parameters"])


def test_long_prompts_are_grounded_in_linear_time() -> None:
    # 180 kB with 9,000 numbers, 3,000 dates and 3,000 quotes: a quadratic scan took minutes here.
    text = " ".join(f"Item {i} costs {i * 3} dollars on 2025-01-{i % 28 + 1:02d} as 'q{i}'." for i in range(3000))
    schema = obj(price=INT, day={"type": "string", "format": "date"}, label=STR, all={"type": "array", "items": INT})
    start = time.monotonic()
    value = generate(schema, Hints(text))
    assert time.monotonic() - start < 20
    assert (value["price"], value["day"], value["label"]) == (0, "2025-01-01", "q0")
    jsonschema.validate(value, schema)


def test_huge_digit_runs_are_not_numbers() -> None:
    value = generate(obj(n=NUM), Hints("id " + "9" * 5000 + " and 1e400 then 7"))
    assert value == {"n": 7.0}
    json.dumps(value, allow_nan=False)
