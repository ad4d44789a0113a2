"""Per-request checks after schema validation: ``extra-parameters`` and model capabilities (422s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .behaviour import AUDIO_PARTS
from .catalog import ModelSpec
from .errors import ApiError, azure_error, unprocessable

# Accepted on every route although no copied OpenAPI declares it: Azure OpenAI deployments behind the models
# endpoint honour it, and clients send it to get the usage chunk (docs/wire.md §4, SDK-CL 1.0.0b8).
ALWAYS_KNOWN = frozenset({"stream_options"})
EXTRA_MODES = ("error", "drop", "pass-through")


def extra_parameters_mode(header: str | None, default: str) -> str:
    """The effective ``extra-parameters`` mode; the old docs' ``ignore`` means ``drop`` (docs/wire.md §11.12)."""
    if header is None or header == "":
        return default
    mode = header.strip().lower()
    if mode == "ignore":
        return "drop"
    if mode not in EXTRA_MODES:
        raise azure_error(
            400,
            "InvalidHeaderValue",
            f"Invalid value {header!r} for header 'extra-parameters'; expected one of {', '.join(EXTRA_MODES)}.",
            target="extra-parameters",
        )
    return mode


def apply_extra_parameters(body: dict[str, Any], known: frozenset[str], mode: str) -> dict[str, Any]:
    """Enforce ``extra-parameters`` (docs/wire.md §2.2): 422 naming each unknown key, else drop them.

    ``pass-through`` hands unknown keys to the model, which ignores what it does not know; the emulated model
    likewise never sees them. The handlers read only keys the schema validated, so an unvalidated value
    (``{"messages": null}`` sent to ``/completions``, say) can never reach them (issue 18). The request log
    keeps the body as received, extras included.
    """
    unknown = [k for k in body if k not in known and k not in ALWAYS_KNOWN]
    if not unknown:
        return body
    if mode in ("drop", "pass-through"):
        return {k: v for k, v in body.items() if k not in unknown}
    names = ", ".join(repr(k) for k in unknown)
    raise unprocessable(
        [(["body", k], body[k], "Extra inputs are not permitted") for k in unknown],
        code="extra_parameters_not_allowed",
        message=f"Extra parameters [{names}] are not allowed when extra-parameters is not set or set to be "
        "'error'. Set extra-parameters to 'pass-through' to pass to the model.",
    )


def check_chat(body: Mapping[str, Any], model: ModelSpec) -> None:
    """422 for chat parameters ``model`` does not support (docs/wire.md §9: valid payload, unsupported value)."""
    items: list[tuple[list[str | int], Any, str]] = []
    if body.get("tools") and not model.tools:
        items.append((["body", "tools"], body["tools"], f"Model {model.name} does not support tools."))
    fmt = body.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, Mapping) else None
    if kind == "json_schema" and not model.json_schema:
        items.append(
            (["body", "response_format"], kind, f"Model {model.name} does not support response_format json_schema.")
        )
    if kind == "json_object" and not (model.json_object or model.json_schema):
        items.append(
            (["body", "response_format"], kind, f"Model {model.name} does not support response_format json_object.")
        )
    for i, msg in enumerate(body.get("messages") or []):
        content = msg.get("content")
        if not isinstance(content, list):
            continue
        for j, part in enumerate(content):
            ptype = part.get("type") if isinstance(part, Mapping) else None
            if ptype == "image_url" and not model.images:
                items.append(
                    (
                        ["body", "messages", i, "content", j],
                        ptype,
                        f"Model {model.name} does not support images in messages.",
                    )
                )
            elif ptype in AUDIO_PARTS and not model.audio:
                items.append(
                    (["body", "messages", i, "content", j], ptype, f"Model {model.name} does not support audio input.")
                )
    modalities = body.get("modalities") or []
    if "audio" in modalities and not model.audio:
        items.append(
            (["body", "modalities"], modalities, f"Model {model.name} does not support the requested modalities.")
        )
    if items:
        raise unprocessable(items)
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping):
        name = (choice.get("function") or {}).get("name")
        names = [(t.get("function") or {}).get("name") for t in body.get("tools") or []]
        if name not in names:
            raise azure_error(
                400,
                "invalid_payload",
                f"tool_choice names function {name!r}, which is not in tools.",
                target="tool_choice",
            )


def check_embeddings(body: Mapping[str, Any], model: ModelSpec, image: bool) -> int:
    """422 for unsupported ``dimensions``/``encoding_format``/``input_type``/image ``text``; returns the size."""
    items: list[tuple[list[str | int], Any, str]] = []
    dims = body.get("dimensions")
    if dims is not None and not model.supports_dimensions and dims != model.dimensions:
        items.append(
            (
                ["body", "dimensions"],
                dims,
                f"Model {model.name} does not support the dimensions "
                f"parameter (its embeddings have {model.dimensions} dimensions).",
            )
        )
    elif dims is not None and not 1 <= dims <= model.dimensions:
        items.append((["body", "dimensions"], dims, f"dimensions must be between 1 and {model.dimensions}."))
    fmt = body.get("encoding_format")
    if fmt is not None and fmt not in model.encoding_formats:
        items.append(
            (
                ["body", "encoding_format"],
                fmt,
                f"Model {model.name} supports encoding_format {', '.join(model.encoding_formats)}.",
            )
        )
    size = int(dims) if dims is not None and not items else model.dimensions
    if fmt in ("binary", "ubinary") and size % 8:
        items.append((["body", "dimensions"], size, "binary encodings need a multiple of 8 dimensions."))
    itype = body.get("input_type")
    if itype is not None and itype not in model.input_types:
        items.append(
            (
                ["body", "input_type"],
                itype,
                f"Model {model.name} does not support input_type."
                if not model.input_types
                else f"Model {model.name} supports input_type {', '.join(model.input_types)}.",
            )
        )
    if image and not model.image_text:
        for i, item in enumerate(body.get("input") or []):
            if isinstance(item, Mapping) and item.get("text") is not None:
                items.append(
                    (
                        ["body", "input", i, "text"],
                        item["text"],
                        f"Model {model.name} does not accept text with images.",
                    )
                )
    if items:
        raise unprocessable(items)
    return size


def context_error(prompt_tokens: int, model: ModelSpec) -> ApiError:
    """400 for a prompt longer than the model's context window."""
    return azure_error(
        400,
        "context_length_exceeded",
        f"This model's maximum context length is {model.context_window} tokens. However, your "
        f"messages resulted in {prompt_tokens} tokens. Please reduce the length of the messages.",
        target="messages",
    )
