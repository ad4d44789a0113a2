"""Build and check request bodies before anything is sent (pure functions).

Bad input fails here with an ``InvalidRequestError`` that names the problem and the fix. ``None`` values are
dropped; falsy values (``temperature=0``, ``seed=0``) are kept.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from pydantic import BaseModel

from .config import ExtraParameters
from .errors import InvalidRequestError

__all__ = [
    "CHAT_SPEC_PARAMS",
    "ChatParams",
    "CompletionParams",
    "EmbedParams",
    "build_chat_body",
    "build_completion_body",
    "build_embeddings_body",
    "encode_json",
]

ROLES = ("system", "developer", "user", "assistant", "tool")
# Body keys the Model Inference spec defines for chat (WIRE.md §3); anything else is an "extra parameter".
CHAT_SPEC_PARAMS = frozenset(
    {
        "messages",
        "model",
        "max_tokens",
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "stop",
        "seed",
        "stream",
        "response_format",
        "tools",
        "tool_choice",
        "modalities",
        "user_security_context",
    }
)
_FLOATS = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_JSON_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
ENCODINGS = ("float", "base64", "int8", "uint8", "binary", "ubinary")
INPUT_TYPES = ("text", "query", "document")


class ChatParams(TypedDict, total=False):
    """Keyword parameters of ``chat`` / ``stream_chat`` (all optional; ``None`` means "not sent")."""

    model: str | None
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    tools: Sequence[Mapping[str, Any] | BaseModel] | None
    tool_choice: str | Mapping[str, Any] | None
    response_format: Mapping[str, Any] | BaseModel | None
    modalities: Sequence[str] | None
    user_security_context: Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    extra_body: Mapping[str, Any] | None
    extra_parameters: ExtraParameters | None
    headers: Mapping[str, str] | None
    timeout: float | None
    stream_usage: bool | None


class CompletionParams(TypedDict, total=False):
    """Keyword parameters of ``complete`` / ``stream_complete``."""

    model: str | None
    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    extra_body: Mapping[str, Any] | None
    extra_parameters: ExtraParameters | None
    headers: Mapping[str, str] | None
    timeout: float | None


class EmbedParams(TypedDict, total=False):
    """Keyword parameters of ``embed`` / ``embed_images``."""

    model: str | None
    dimensions: int | None
    encoding_format: Literal["float", "base64", "int8", "uint8", "binary", "ubinary"] | None
    input_type: Literal["text", "query", "document"] | None
    extra_body: Mapping[str, Any] | None
    extra_parameters: ExtraParameters | None
    headers: Mapping[str, str] | None
    timeout: float | None


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True, by_alias=True) if isinstance(value, BaseModel) else value


def encode_json(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON; NaN/Infinity and unencodable text become ``InvalidRequestError``."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except ValueError as exc:
        if isinstance(exc, UnicodeEncodeError):
            raise InvalidRequestError(
                f"the request holds text that is not valid Unicode ({exc.reason} at position {exc.start}); "
                "decode your input with errors='replace' before sending"
            ) from None
        raise InvalidRequestError(
            f"the request holds a value JSON cannot carry ({exc}); NaN and Infinity are not allowed"
        ) from None
    except TypeError as exc:
        raise InvalidRequestError(f"the request holds a value that is not JSON-serialisable: {exc}") from None


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
        out["content"] = None  # WIRE.md §3.1: examples send null content beside tool_calls
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


def _common(body: dict[str, Any], params: Mapping[str, Any]) -> None:
    for name in _FLOATS:
        value = params.get(name)
        if value is not None:
            _check_number(name, value)
            body[name] = value
    for name in ("max_tokens", "seed"):
        value = params.get(name)
        if value is not None:
            _check_number(name, value, integer=True, minimum=0 if name == "max_tokens" else None)
            body[name] = value
    stop = params.get("stop")
    if stop is not None:
        stop = [stop] if isinstance(stop, str) else list(stop)  # WIRE.md Δ14: send the spec's array form
        if stop:
            body["stop"] = stop


def build_chat_body(
    messages: Sequence[Any],
    params: Mapping[str, Any],
    defaults: Mapping[str, Any],
    model: str | None,
    max_prompt_chars: int | None,
) -> tuple[dict[str, Any], bool]:
    """The JSON body of a chat request, and whether it carries keys outside the spec (pure)."""
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
        raise InvalidRequestError("messages must be a list of messages, e.g. [{'role': 'user', 'content': 'Hi'}]")
    if not messages:
        raise InvalidRequestError("messages is empty; a chat request needs at least one message")
    # Deployment defaults: known parameters merge under the call's; unknown ones travel as extra body keys.
    known = ChatParams.__annotations__
    merged = {**{k: v for k, v in defaults.items() if k in known}, **{k: v for k, v in params.items() if v is not None}}
    extra_body = {
        **{k: v for k, v in defaults.items() if k not in known},
        **(defaults.get("extra_body") or {}),
        **(params.get("extra_body") or {}),
    }
    body: dict[str, Any] = {"messages": []}
    total = 0
    for i, m in enumerate(messages):
        out, size = _message(i, m)
        body["messages"].append(out)
        total += size
    if max_prompt_chars is not None and total > max_prompt_chars:
        raise InvalidRequestError(
            f"the prompt is {total:,} characters (~{total // 4:,} tokens), over the limit of {max_prompt_chars:,}; "
            "split it into chunks (e.g. for RAG), or raise max_prompt_chars on the Deployment"
        )
    if merged.get("model") or model:
        body["model"] = merged.get("model") or model
    _common(body, merged)
    tools = merged.get("tools")
    if tools is not None:
        body["tools"] = [check_tool(i, t) for i, t in enumerate(tools)] or None
        if body["tools"] is None:
            del body["tools"]
    if merged.get("tool_choice") is not None:
        body["tool_choice"] = _tool_choice(merged["tool_choice"], body.get("tools"))
    if merged.get("response_format") is not None:
        body["response_format"] = _response_format(merged["response_format"])
    for name in ("modalities", "user_security_context"):
        if merged.get(name) is not None:
            body[name] = _plain(merged[name])
    extra = False
    if merged.get("parallel_tool_calls") is not None:
        body["parallel_tool_calls"] = bool(merged["parallel_tool_calls"])
        extra = True
    for key, value in extra_body.items():
        if value is not None:
            body[key] = value
            extra = extra or key not in CHAT_SPEC_PARAMS
    return body, extra


def build_completion_body(
    prompt: str | Sequence[str], params: Mapping[str, Any], defaults: Mapping[str, Any], model: str | None
) -> tuple[dict[str, Any], bool]:
    """The JSON body of a ``/completions`` request (pure)."""
    if isinstance(prompt, (bytes, bytearray)):
        raise InvalidRequestError("prompt is bytes; decode it to str first")
    if not isinstance(prompt, str) and not (isinstance(prompt, Sequence) and all(isinstance(p, str) for p in prompt)):
        raise InvalidRequestError("prompt must be a string or a list of strings")
    merged = {**defaults, **{k: v for k, v in params.items() if v is not None}}
    body: dict[str, Any] = {"prompt": prompt if isinstance(prompt, str) else list(prompt)}
    if merged.get("model") or model:
        body["model"] = merged.get("model") or model
    _common(body, merged)
    extra = False
    for key, value in (merged.get("extra_body") or {}).items():
        if value is not None:
            body[key] = value
            extra = True
    return body, extra


def build_embeddings_body(
    inputs: list[Any], params: Mapping[str, Any], model: str | None, encoding: str | None
) -> tuple[dict[str, Any], bool]:
    """The JSON body of an embeddings request (pure); ``inputs`` are already checked."""
    body: dict[str, Any] = {"input": inputs}
    if params.get("model") or model:
        body["model"] = params.get("model") or model
    dims = params.get("dimensions")
    if dims is not None:
        _check_number("dimensions", dims, integer=True, minimum=1)
        body["dimensions"] = dims
    if encoding is not None:
        if encoding not in ENCODINGS:
            raise InvalidRequestError(f"encoding_format {encoding!r} is not one of {', '.join(ENCODINGS)}")
        body["encoding_format"] = encoding
    input_type = params.get("input_type")
    if input_type is not None:
        if input_type not in INPUT_TYPES:
            raise InvalidRequestError(f"input_type {input_type!r} is not one of {', '.join(INPUT_TYPES)}")
        body["input_type"] = input_type
    extra = False
    for key, value in (params.get("extra_body") or {}).items():
        if value is not None:
            body[key] = value
            extra = True
    return body, extra


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
