"""The OpenTelemetry GenAI mapping: attribute names and values from our requests and responses. Pure, no OTel.

Everything that follows the GenAI semantic conventions (``gen_ai.*``, still "development" status, now kept in
their own repository) lives here, so following a new version of them is a change to this file only. It never
imports ``opentelemetry``: the clients call ``telemetry_for`` and ``observe``, which cost one ``None`` check when
telemetry is off; ``telemetry.py`` (imported only when it is on) turns these dicts into spans and metrics.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import urlsplit

from ._surfaces import Surface
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .config import Deployment
    from .telemetry import Telemetry

__all__ = ["ENV_CAPTURE", "ENV_MAX_CONTENT", "ENV_TELEMETRY", "observe", "telemetry_for"]

ENV_TELEMETRY = "AZURE_INFERENCE_TELEMETRY"
"""Turns telemetry on for every deployment whose ``telemetry`` field is left ``None``."""
ENV_CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
"""The convention's opt-in for recording message content (off unless ``true``)."""
ENV_MAX_CONTENT = "AZURE_INFERENCE_TELEMETRY_MAX_CONTENT"
"""Characters kept of each captured text part (default ``DEFAULT_MAX_CONTENT``)."""
DEFAULT_MAX_CONTENT = 4096

# gen-ai-spans.md: provider names. The OpenAI-compatible surface (vLLM, Ollama, the emulator) has no
# well-known value; the convention allows a custom one.
PROVIDERS = {
    Surface.MODEL_INFERENCE: "azure.ai.inference",
    Surface.AZURE_OPENAI: "azure.ai.openai",
    Surface.OPENAI_V1: "azure.ai.openai",
    Surface.OPENAI_COMPATIBLE: "openai_compatible",
}
# gen-ai-spans.md "Inference": request parameters, our keyword -> attribute.
_REQUEST_PARAMS = {
    "temperature": "gen_ai.request.temperature",
    "max_tokens": "gen_ai.request.max_tokens",
    "max_output_tokens": "gen_ai.request.max_tokens",  # the Responses API's limit (docs/wire.md §V1.3.1)
    "top_p": "gen_ai.request.top_p",
    "frequency_penalty": "gen_ai.request.frequency_penalty",
    "presence_penalty": "gen_ai.request.presence_penalty",
    "seed": "gen_ai.request.seed",
    "dimensions": "gen_ai.embeddings.dimension.count",
}
# gen-ai-metrics.md: bucket advice for gen_ai.client.operation.duration (also used for time to first chunk)
# and for gen_ai.client.token.usage.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864)
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(f"{name}={os.environ[name]!r} is not a switch. Fix: set it to 'true' or 'false'.")


def telemetry_for(deployment: Deployment) -> Telemetry | None:
    """The deployment's ``Telemetry``, or None when it is off (then nothing of OpenTelemetry is imported)."""
    on = deployment.telemetry
    if on is None:
        on = _flag(ENV_TELEMETRY)
    if not on:
        return None
    try:
        from .telemetry import Telemetry
    except ImportError as exc:
        raise ConfigurationError(
            f"telemetry is on for {deployment.label} but OpenTelemetry is not installed ({exc}). Fix: "
            "pip install 'azure-inference-adapters[otel]', or turn telemetry off."
        ) from None
    return Telemetry(deployment)


def capture_settings() -> tuple[bool, int]:
    """Whether message content is recorded (the convention's opt-in) and how many characters of each part."""
    raw = os.environ.get(ENV_MAX_CONTENT, "").strip()
    try:
        limit = int(raw) if raw else DEFAULT_MAX_CONTENT
    except ValueError:
        limit = -1
    if limit < 0:
        raise ConfigurationError(f"{ENV_MAX_CONTENT}={raw!r} is not a count of characters. Fix: e.g. 4096.")
    return _flag(ENV_CAPTURE), limit


R = TypeVar("R")


class Observed(Protocol):
    """What a client call holds inside ``with observe(...) as op``: a span (``telemetry.Operation``) or nothing."""

    def __enter__(self) -> Observed: ...

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None: ...

    def done(self, result: R) -> R:
        """Hand the call's result to the span (read when it ends); returns ``result``."""

    def stream(self, stream: R) -> R:
        """Leave the span to ``stream``, which ends it; returns ``stream``."""


class _NoOperation:
    """What ``observe`` gives when telemetry is off: every hook hands its argument back."""

    def __enter__(self) -> _NoOperation:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        return None

    def done(self, result: R) -> R:
        return result

    def stream(self, stream: R) -> R:
        return stream


_NO_OPERATION = _NoOperation()


def observe(telemetry: Telemetry | None, operation: str, params: Mapping[str, Any], stream: bool = False) -> Observed:
    """The one hook of a client call: ``with observe(...) as op: ... return op.done(result)`` (or
    ``op.stream(stream)``, which leaves the span to the stream). A shared no-op when telemetry is off."""
    if telemetry is None:
        return _NO_OPERATION
    return telemetry.operation(operation, params, stream)


# -- attribute mapping ---------------------------------------------------------------------------------------


def server_attributes(base_url: str) -> dict[str, Any]:
    """``server.address`` and ``server.port`` of the endpoint (the scheme's port when none is written)."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return {"server.address": parts.hostname or "", "server.port": port}


def request_attributes(operation: str, model: str | None, params: Mapping[str, Any], stream: bool) -> dict[str, Any]:
    """The request side of a span (gen-ai-spans.md): what is known before anything is sent."""
    attrs: dict[str, Any] = {"gen_ai.operation.name": operation}
    if model:
        attrs["gen_ai.request.model"] = model
    for key, name in _REQUEST_PARAMS.items():
        value = params.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            attrs[name] = value
    stop = params.get("stop")
    if stop:
        attrs["gen_ai.request.stop_sequences"] = [stop] if isinstance(stop, str) else [str(s) for s in stop]
    fmt = params.get("encoding_format")
    if fmt:
        attrs["gen_ai.request.encoding_formats"] = [str(fmt)]
    if stream:
        attrs["gen_ai.request.stream"] = True
    return attrs


def usage_counts(result: Any) -> tuple[int | None, int | None]:
    """Input and output tokens a response reports (None where it reports none)."""
    usage = getattr(result, "usage", None)
    if usage is None:
        return None, None
    if hasattr(usage, "input_tokens"):  # the Responses API's names (docs/wire.md §V1.3.2)
        return usage.input_tokens, usage.output_tokens
    return usage.prompt_tokens, getattr(usage, "completion_tokens", None)


def response_attributes(result: Any) -> dict[str, Any]:
    """The response side of a span: id, model, finish reasons and token usage (cached/reasoning when sent)."""
    attrs: dict[str, Any] = {}
    if getattr(result, "id", ""):
        attrs["gen_ai.response.id"] = result.id
    if getattr(result, "model", ""):
        attrs["gen_ai.response.model"] = result.model
    reasons = [c.finish_reason for c in getattr(result, "choices", ()) if getattr(c, "finish_reason", None)]
    if reasons:
        attrs["gen_ai.response.finish_reasons"] = reasons
    usage = getattr(result, "usage", None)
    status = getattr(result, "status", None)
    # A Responses API response has no choices: its status (completed, incomplete) is how it ended.
    if isinstance(status, str) and status and not hasattr(result, "choices"):
        attrs["gen_ai.response.finish_reasons"] = [status]
    if usage is not None:
        given, made = usage_counts(result)
        attrs["gen_ai.usage.input_tokens"] = given
        if made is not None:
            attrs["gen_ai.usage.output_tokens"] = made
        responses = hasattr(usage, "input_tokens")
        given_details = "input_tokens_details" if responses else "prompt_tokens_details"
        made_details = "output_tokens_details" if responses else "completion_tokens_details"
        cached = getattr(getattr(usage, given_details, None), "cached_tokens", None)
        if cached:
            attrs["gen_ai.usage.cache_read.input_tokens"] = cached
        reasoning = getattr(getattr(usage, made_details, None), "reasoning_tokens", None)
        if reasoning:
            attrs["gen_ai.usage.reasoning.output_tokens"] = reasoning
    return attrs


# -- message content (opt-in; gen-ai-spans.md gen_ai.input.messages / gen_ai.output.messages) ----------------


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…[{len(text) - limit} more characters]"


def _parts(content: Any, limit: int) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "content": _cut(content, limit)}]
    parts: list[dict[str, Any]] = []
    for item in content if isinstance(content, Sequence) else ():
        kind = item.get("type") if isinstance(item, Mapping) else None
        if kind == "text":
            parts.append({"type": "text", "content": _cut(str(item.get("text", "")), limit)})
        elif kind:
            parts.append({"type": str(kind)})  # images and audio: the kind only, never the bytes
    return parts


def _calls(tool_calls: Any, limit: int) -> list[dict[str, Any]]:
    out = []
    for call in tool_calls or ():
        fn = call.get("function", {}) if isinstance(call, Mapping) else {}
        out.append(
            {
                "type": "tool_call",
                "id": call.get("id") if isinstance(call, Mapping) else None,
                "name": fn.get("name"),
                "arguments": _cut(str(fn.get("arguments", "")), limit),
            }
        )
    return out


def input_messages(body: bytes | None, limit: int) -> str | None:
    """The request's messages (or prompt) in the convention's JSON shape, each text part cut to ``limit``."""
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("messages"), list):
        messages = []
        for m in data["messages"]:
            if not isinstance(m, Mapping):
                continue
            parts = _parts(m.get("content"), limit) + _calls(m.get("tool_calls"), limit)
            if m.get("role") == "tool":
                parts = [
                    {
                        "type": "tool_call_response",
                        "id": m.get("tool_call_id"),
                        "response": _cut(str(m.get("content", "")), limit),
                    }
                ]
            messages.append({"role": m.get("role"), "parts": parts})
        return json.dumps(messages, ensure_ascii=False)
    prompt = data.get("prompt")
    if prompt is not None:
        prompts = [prompt] if isinstance(prompt, str) else list(prompt)
        return json.dumps([{"role": "user", "parts": _parts(str(p), limit)} for p in prompts], ensure_ascii=False)
    return None


def output_messages(result: Any, limit: int) -> str | None:
    """The response's choices in the convention's JSON shape, each text part cut to ``limit``."""
    out = []
    for choice in getattr(result, "choices", ()):
        message = getattr(choice, "message", None)
        if message is not None:
            calls = [c.model_dump() for c in message.tool_calls or ()]
            parts = _parts(message.content, limit) + _calls(calls, limit)
            role = message.role
        else:
            parts, role = _parts(getattr(choice, "text", None), limit), "assistant"
        out.append({"role": role, "parts": parts, "finish_reason": choice.finish_reason or ""})
    return json.dumps(out, ensure_ascii=False) if out else None
