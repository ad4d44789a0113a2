"""What a request costs against a TPM quota, estimated before it is sent (docs/wire.md §V1.5).

The service charges a request on arrival: its prompt tokens, *estimated from characters*, plus the output limit
it asks for (``max_tokens`` / ``max_completion_tokens`` / ``max_output_tokens``). Embeddings cost their input
tokens. We estimate the same way so the budget reserves what the service will charge:

- prompt tokens: ``ceil(characters / 4)`` per text (message contents, text parts, embedding inputs), which is
  what the service charges; when ``tiktoken`` is installed and its ``o200k_base`` encoding loads, the larger of
  that and the exact count (code and non-Latin text take more tokens than characters / 4, and the real usage is
  charged when it exceeds the reservation). A token array counts its length.
- output: the requested limit when one is sent; nothing otherwise (what the service charges then is
  unconfirmed, docs/wire.md §V1.5, so the budget corrects itself from the response headers instead).

This module is the one place the quota estimate lives (issue 14); the tiktoken encoding is the one
``azure_inference.tokens`` loads (once per process; an offline machine without its cached files falls back to
the estimate).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from ..tokens import _encoder

CHARS_PER_TOKEN = 4
OUTPUT_LIMIT_KEYS = ("max_completion_tokens", "max_tokens", "max_output_tokens")


def count_tokens(text: str) -> int:
    """Tokens ``text`` is charged: ``ceil(len(text) / 4)``, or tiktoken's exact count when larger (module doc)."""
    estimate = math.ceil(len(text) / CHARS_PER_TOKEN)
    encode = _encoder("o200k_base")  # loaded once per process, shared with token counting (tokens.py)
    return max(estimate, len(encode(text))) if encode is not None else estimate


def _texts(value: Any) -> Iterator[str | int]:
    """Every text in a prompt (or a count of tokens for a token array), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key in ("content", "text", "input", "prompt", "messages"):
            if key in value:
                yield from _texts(value[key])
    elif isinstance(value, (list, tuple)):
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            yield len(value)  # a token array: its length is its cost
        else:
            for item in value:
                yield from _texts(item)


def prompt_tokens(body: Mapping[str, Any]) -> int:
    """The estimated prompt tokens of a request body (chat, completions, embeddings, responses)."""
    total = 0
    for key in ("messages", "input", "prompt"):
        for piece in _texts(body.get(key)):
            total += piece if isinstance(piece, int) else count_tokens(piece)
    return total


def output_tokens(body: Mapping[str, Any]) -> int:
    """The output limit the request asks for, which the service reserves (0 when none is sent)."""
    for key in OUTPUT_LIMIT_KEYS:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 0


def estimate_cost(body: Mapping[str, Any]) -> int:
    """Tokens the service charges on arrival: prompt tokens + the requested output limit (docs/wire.md §V1.5)."""
    return prompt_tokens(body) + output_tokens(body)
