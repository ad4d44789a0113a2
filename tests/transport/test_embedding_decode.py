"""decode_embedding: every wire shape of one vector becomes numbers, or a typed error naming the problem."""

from __future__ import annotations

import array
import base64

import pytest

from azure_inference import ResponseValidationError
from azure_inference.models import decode_embedding

B64 = base64.b64encode(array.array("f", [1.5, -2.0, 0.25]).tobytes()).decode()


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ([0.5, 1.0], [0.5, 1.0]),
        (B64, [1.5, -2.0, 0.25]),
        ([[0.5, 1.0]], [0.5, 1.0]),  # one vector wrapped in a list
        ([B64], [1.5, -2.0, 0.25]),  # one base64 vector wrapped in a list
        ([-3, 7], [-3, 7]),  # int8 / binary formats stay integers
    ],
)
def test_one_vector_in_any_shape_decodes(wire: object, expected: list[float]) -> None:
    assert decode_embedding(wire, "base64", 0) == expected


@pytest.mark.parametrize(
    ("wire", "words"),
    [
        ([[0.1], [0.2]], "per-token"),
        ([B64, B64], "per-token"),
        ([[[0.1]]], "not one vector"),
        (["x", True], "per-token"),
        ([True, 0.5], "non-numeric"),
        ({"v": 1}, "dict"),
        ("not base64!", "base64"),
        (base64.b64encode(b"abc").decode(), "float32"),
    ],
)
def test_malformed_vectors_are_named(wire: object, words: str) -> None:
    with pytest.raises(ResponseValidationError) as info:
        decode_embedding(wire, "base64", 3)
    assert "embedding 3" in str(info.value)
    assert words in str(info.value)


def test_take_vectors_orders_by_index_and_hands_over_the_results_own_lists() -> None:
    from azure_inference import EmbeddingsResult

    result = EmbeddingsResult.model_validate(
        {"data": [{"index": 1, "embedding": [2.0]}, {"index": 0, "embedding": [1.0]}], "model": "e"}
    )
    taken, copied = result.take_vectors(), result.vectors
    assert taken == copied == [[1.0], [2.0]]
    assert taken[0] is result.data[1].embedding  # no copy: for callers that drop the result
    assert copied[0] is not result.data[1].embedding  # .vectors stays a copy the caller may change
