"""Build and check request bodies before anything is sent (pure functions).

Bad input fails here with an ``InvalidRequestError`` that names the problem and the fix. ``None`` values are
dropped; falsy values (``temperature=0``, ``seed=0``) are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from pydantic import BaseModel

from ._validate import (
    _check_number,
    _message,
    _plain,
    _response_format,
    _tool_choice,
    check_tool,
)
from .config import ExtraParameters
from .errors import InvalidRequestError

__all__ = [
    "CHAT_PARAM_NAMES",
    "CHAT_SPEC_PARAMS",
    "COMPLETION_PARAM_NAMES",
    "EMBED_PARAM_NAMES",
    "ChatParams",
    "CompletionParams",
    "EmbedParams",
    "build_chat_body",
    "build_completion_body",
    "build_embeddings_body",
    "encode_json",
]

# Body keys the Model Inference spec defines for chat (docs/wire.md §3); anything else is an "extra parameter".
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
ENCODINGS = ("float", "base64", "int8", "uint8", "binary", "ubinary")
INPUT_TYPES = ("text", "query", "document")


class _RequestOptions(TypedDict, total=False):
    """Per-call options every route takes."""

    model: str | None
    extra_body: Mapping[str, Any] | None
    extra_parameters: ExtraParameters | None
    headers: Mapping[str, str] | None
    timeout: float | None


class CompletionParams(_RequestOptions, total=False):
    """Keyword parameters of ``complete`` / ``stream_complete`` (all optional; ``None`` means "not sent")."""

    temperature: float | None
    max_tokens: int | None
    top_p: float | None
    stop: str | Sequence[str] | None
    seed: int | None
    presence_penalty: float | None
    frequency_penalty: float | None
    stream_usage: bool | None


class ChatParams(CompletionParams, total=False):
    """Keyword parameters of ``chat`` / ``stream_chat``: the sampling ones of completions, plus tools and formats."""

    tools: Sequence[Mapping[str, Any] | BaseModel] | None
    tool_choice: str | Mapping[str, Any] | None
    response_format: Mapping[str, Any] | BaseModel | None
    modalities: Sequence[str] | None
    user_security_context: Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    max_completion_tokens: int | None
    reasoning_effort: str | None
    verbosity: Literal["low", "medium", "high"] | None
    adapt: Literal["auto", "off"] | None


class EmbedParams(_RequestOptions, total=False):
    """Keyword parameters of ``embed`` / ``embed_images``."""

    dimensions: int | None
    encoding_format: Literal["float", "base64", "int8", "uint8", "binary", "ubinary"] | None
    input_type: Literal["text", "query", "document"] | None


# The keyword names each route takes, read from the TypedDicts above so that the adapters, which sort their
# callers' keyword arguments into "parameter" and "extra body key", never keep a copy by hand.
CHAT_PARAM_NAMES: frozenset[str] = ChatParams.__optional_keys__ | ChatParams.__required_keys__
"""Every keyword ``chat`` / ``stream_chat`` take."""
COMPLETION_PARAM_NAMES: frozenset[str] = CompletionParams.__optional_keys__ | CompletionParams.__required_keys__
"""Every keyword ``complete`` / ``stream_complete`` take."""
EMBED_PARAM_NAMES: frozenset[str] = EmbedParams.__optional_keys__ | EmbedParams.__required_keys__
"""Every keyword ``embed`` / ``embed_images`` take."""


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
        stop = [stop] if isinstance(stop, str) else list(stop)  # docs/wire.md Δ14: send the spec's array form
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
    known = CHAT_PARAM_NAMES
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
    # docs/wire.md §V1.2.1: the reasoning fields. None of them is in the Model Inference spec (extra parameters there).
    extra = _reasoning_fields(body, merged)
    if merged.get("parallel_tool_calls") is not None:
        body["parallel_tool_calls"] = bool(merged["parallel_tool_calls"])
        extra = True
    for key, value in extra_body.items():
        if value is not None:
            body[key] = value
            extra = extra or key not in CHAT_SPEC_PARAMS
    return body, extra


def _reasoning_fields(body: dict[str, Any], merged: Mapping[str, Any]) -> bool:
    mct = merged.get("max_completion_tokens")
    if mct is not None:
        _check_number("max_completion_tokens", mct, integer=True, minimum=0)
        body["max_completion_tokens"] = mct
    for name in ("reasoning_effort", "verbosity"):
        value = merged.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidRequestError(f"{name} must be a string such as 'low', 'medium' or 'high', got {value!r}")
            body[name] = value
    return any(k in body for k in ("max_completion_tokens", "reasoning_effort", "verbosity"))


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
