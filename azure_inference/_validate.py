"""Checks of request content, raised before anything is sent (pure functions).

Each failure is an ``InvalidRequestError`` naming the problem and the fix.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from .errors import InvalidRequestError

__all__ = ["ROLES", "check_params", "check_texts", "check_tool"]

ROLES = ("system", "developer", "user", "assistant", "tool")


_TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True, by_alias=True) if isinstance(value, BaseModel) else value


def _check_number(name: str, value: Any, *, integer: bool = False, minimum: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        kind = "an integer" if integer else "a number"
        raise InvalidRequestError(f"{name} must be {kind}, got {value!r}")
    if not math.isfinite(value):
        raise InvalidRequestError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise InvalidRequestError(f"{name} must be >= {minimum:g}, got {value!r}")


def _check_content(index: int, role: str, content: Any) -> int:
    """Validate one message's content; return its text length (to bound prompt size)."""
    if isinstance(content, str):
        return len(content)
    if isinstance(content, (bytes, bytearray)):
        raise InvalidRequestError(
            f"message {index} ({role}) content is bytes; decode it to str first (e.g. data.decode('utf-8', "
            "'replace')), or send images as image_url parts"
        )
    if content is None:
        if role in ("system", "developer", "user"):
            raise InvalidRequestError(f"message {index} ({role}) has no content; '{role}' messages need content")
        return 0
    if isinstance(content, Sequence):
        if (
            role != "user"
            and role != "assistant"
            and not all(isinstance(p, Mapping) and p.get("type") == "text" for p in content)
        ):
            raise InvalidRequestError(f"message {index} ({role}) content parts may only be text parts")
        size = 0
        for j, part in enumerate(content):
            part = _plain(part)
            if not isinstance(part, Mapping) or "type" not in part:
                raise InvalidRequestError(f"message {index} content part {j} must be an object with a 'type'")
            if part["type"] == "text":
                size += _check_content(index, role, part.get("text", ""))
        return size
    raise InvalidRequestError(f"message {index} ({role}) content must be a string or a list of parts")


def _message(index: int, message: Any) -> tuple[dict[str, Any], int]:
    msg = _plain(message)
    if not isinstance(msg, Mapping):
        raise InvalidRequestError(f"message {index} must be a mapping with 'role' and 'content', got {msg!r:.60}")
    role = msg.get("role")
    if role not in ROLES:
        raise InvalidRequestError(f"message {index} has unknown role {role!r}; use one of: {', '.join(ROLES)}")
    size = _check_content(index, role, msg.get("content"))
    if role == "tool" and not msg.get("tool_call_id"):
        raise InvalidRequestError(f"message {index} (tool) needs the 'tool_call_id' of the call it answers")
    out = {k: _plain(v) for k, v in msg.items() if v is not None}
    if role == "assistant" and "content" not in out:
        out["content"] = None  # docs/wire.md §3.1: examples send null content beside tool_calls
    for j, call in enumerate(out.get("tool_calls") or ()):
        call = _plain(call)
        fn = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(fn, Mapping) or not fn.get("name") or not call.get("id"):
            raise InvalidRequestError(f"message {index} tool call {j} needs 'id' and 'function.name'")
    return out, size


def check_tool(index: int, tool: Any) -> dict[str, Any]:
    """Validate one tool definition; return it as a plain dict."""
    spec = _plain(tool)
    fn = spec.get("function") if isinstance(spec, Mapping) else None
    if not isinstance(fn, Mapping):
        raise InvalidRequestError(
            f"tool {index} must look like {{'type': 'function', 'function': {{'name': ..., 'parameters': {{...}}}}}}"
        )
    name = fn.get("name")
    if not isinstance(name, str) or not _TOOL_NAME.match(name):
        raise InvalidRequestError(f"tool {index} name {name!r} must match [A-Za-z0-9_.-]{{1,64}}")
    params = fn.get("parameters")
    if params is not None:
        _check_schema(params, f"tool {name!r} parameters")
    return {"type": spec.get("type", "function"), **{k: v for k, v in spec.items() if k != "type"}}


def _check_schema(schema: Any, where: str) -> None:
    """A structural check that ``schema`` is a JSON Schema object (not a full meta-schema validation)."""
    if not isinstance(schema, Mapping):
        raise InvalidRequestError(f"{where} must be a JSON Schema object, got {type(schema).__name__}")
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
    bad = [k for k in kinds if k not in _JSON_TYPES]
    if bad:
        raise InvalidRequestError(f"{where}: {bad[0]!r} is not a JSON Schema type (use one of {sorted(_JSON_TYPES)})")
    props = schema.get("properties")
    if props is not None:
        if not isinstance(props, Mapping):
            raise InvalidRequestError(f"{where}: 'properties' must map names to schemas")
        for key, sub in props.items():
            if not isinstance(sub, (Mapping, bool)):
                raise InvalidRequestError(f"{where}: property {key!r} must be a schema object, got {sub!r:.40}")
    required = schema.get("required")
    if required is not None and (not isinstance(required, list) or not all(isinstance(r, str) for r in required)):
        raise InvalidRequestError(f"{where}: 'required' must be a list of property names")


def _tool_choice(choice: Any, tools: list[dict[str, Any]] | None) -> Any:
    choice = _plain(choice)
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        names = [t["function"]["name"] for t in tools or ()]
        if choice in names:
            return {"type": "function", "function": {"name": choice}}
        raise InvalidRequestError(
            f"tool_choice {choice!r} is neither 'auto', 'none', 'required' nor the name of a given tool ({names})"
        )
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", **choice}
    raise InvalidRequestError("tool_choice must be a string or {'type': 'function', 'function': {'name': ...}}")


def _response_format(value: Any) -> Any:
    fmt = _plain(value)
    if not isinstance(fmt, Mapping) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise InvalidRequestError("response_format must be {'type': 'text' | 'json_object' | 'json_schema', ...}")
    if fmt["type"] == "json_schema":
        js = fmt.get("json_schema")
        if not isinstance(js, Mapping) or not js.get("name") or "schema" not in js:
            raise InvalidRequestError(
                "response_format json_schema needs {'json_schema': {'name': ..., 'schema': {...}}}"
            )
        _check_schema(js["schema"], "response_format schema")
    return fmt


def check_texts(texts: str | Sequence[str]) -> list[str]:
    """Validate embedding inputs: a non-empty list of non-empty strings."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, (bytes, bytearray)) or not isinstance(texts, Sequence):
        raise InvalidRequestError("input must be a string or a list of strings")
    if not texts:
        raise InvalidRequestError("input is empty; pass at least one text to embed")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidRequestError(f"input {i} is a {type(text).__name__}, not a string; decode or convert it")
        if not text:
            raise InvalidRequestError(f"input {i} is an empty string, which the service rejects; drop or replace it")
    return list(texts)


def check_params(params: Mapping[str, Any], known: frozenset[str], method: str) -> None:
    """Refuse a keyword the method does not take, naming the closest one (``temprature`` → ``temperature``).

    A misspelt parameter silently dropped would change the answer without a word; deliberate extras go in
    ``extra_body=`` (docs/transport.md, parameters).
    """
    unknown = [name for name in params if name not in known]
    if not unknown:
        return
    name = unknown[0]
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise InvalidRequestError(
        f"{method}() got an unknown parameter {name!r}; {hint}Pass parameters outside the API as "
        f"extra_body={{{name!r}: ...}}."
    )
