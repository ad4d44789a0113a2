"""A tolerant reader for JSON objects that are still streaming (tool-call arguments). Pure, never raises."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["parse_partial_json_object"]


_CLOSERS = {"{": "}", "[": "]"}


def parse_partial_json_object(text: str) -> dict[str, Any]:
    """The object a cut-off JSON text is the start of, as far as it goes (pure; never raises).

    For tool-call arguments still streaming: an open string value is closed where it was cut (``{"city": "Par``
    gives ``{"city": "Par"}``, not null), a dangling key, colon or comma is dropped, and open brackets are closed.
    The whole text gives what ``json.loads`` gives; text that does not start an object gives ``{}``.
    """
    stack: list[str] = []
    cuts: list[tuple[int, str]] = []  # (end of a prefix that is whole once closed, the closers it needs)
    in_string = escaped = False
    escape_at = -1  # where the escape being read started, to drop it if the text ends inside it
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped, escape_at = True, i
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(_CLOSERS[ch])
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch in "}]":
            if not stack:
                break
            stack.pop()
            cuts.append((i + 1, "".join(reversed(stack))))
        elif ch == ",":
            cuts.append((i, "".join(reversed(stack))))
    head = text
    if in_string:
        tail = text[escape_at:] if escape_at >= 0 else ""
        if escaped or (tail.startswith("\\u") and len(tail) < 6):
            head = text[:escape_at]  # the text ends inside an escape: drop it
        head += '"'
    candidates = [(head, "".join(reversed(stack)))]
    candidates += [(text[:end], closers) for end, closers in reversed(cuts)]
    for prefix, closers in candidates:
        try:
            value = json.loads(prefix + closers)
        except ValueError:
            continue
        except RecursionError:  # nested too deep for the parser (a hostile server): nothing usable
            return {}
        return value if isinstance(value, dict) else {}
    return {}
