"""Chat-shaped request parameters re-shaped for ``POST /responses`` (docs/wire.md §V1.3.1). Pure, no I/O.

Both adapters build one chat parameter set (fields, tools, ``tool_choice``, ``response_format``, per-call
kwargs); ``chat_params_to_responses`` maps it onto Responses fields, so every feature built on those parameters
(tool binding, structured output, reasoning effort) works on either API without a second code path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["chat_params_to_responses", "text_format", "tool_choice_to_responses", "tools_to_responses"]


def tools_to_responses(chat_tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chat-shaped tools (``{"type": "function", "function": {...}}``) as flat Responses function tools."""
    out: list[dict[str, Any]] = []
    for tool in chat_tools:
        if tool.get("type") != "function" or "function" not in tool:
            out.append(dict(tool))  # already a Responses tool (flat function, or a built-in tool type)
            continue
        function = tool["function"]
        flat: dict[str, Any] = {"type": "function", "name": function["name"]}
        for key in ("description", "parameters", "strict"):
            if function.get(key) is not None:
                flat[key] = function[key]
        out.append(flat)
    return out


def tool_choice_to_responses(choice: Any) -> Any:
    """A chat-shaped ``tool_choice`` (from ``tool_choice_to_wire``) in the Responses form (flat function name)."""
    if isinstance(choice, Mapping) and choice.get("type") == "function" and "function" in choice:
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


# Request fields the Responses API takes as the chat API does (docs/wire.md §V1.3.1 request body).
_SAME = frozenset(
    {
        "model",
        "temperature",
        "top_p",
        "parallel_tool_calls",
        "store",
        "previous_response_id",
        "metadata",
        "user",
        "truncation",
        "include",
        "background",
        "max_tool_calls",
        "top_logprobs",
        "instructions",
        # per-call options of the transport, the same on both APIs
        "extra_body",
        "headers",
        "timeout",
        "adapt",
    }
)


def text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """A chat ``response_format`` as the Responses ``text.format`` (``json_schema`` is flat there)."""
    kind = response_format.get("type")
    if kind == "json_schema":
        return {"type": "json_schema", **dict(response_format["json_schema"])}
    return dict(response_format)


def chat_params_to_responses(params: Mapping[str, Any]) -> dict[str, Any]:
    """Request parameters built for chat completions, re-shaped for ``POST /responses``.

    The adapters build one parameter set (fields, ``bind`` kwargs, tools, structured output) and this maps it:
    ``max_tokens``/``max_completion_tokens`` → ``max_output_tokens``, ``reasoning_effort`` → ``reasoning.effort``,
    ``response_format`` → ``text.format``, tools and ``tool_choice`` to their flat forms. ``None`` values are
    left out. A chat-only parameter raises ``ValueError`` naming it, rather than being dropped unseen.
    """
    out: dict[str, Any] = {}
    reasoning: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if key in _SAME:
            out[key] = value
        elif key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            out["max_output_tokens"] = value
        elif key == "reasoning_effort":
            reasoning.setdefault("effort", value)
        elif key == "reasoning":
            reasoning.update(value)
        elif key == "response_format":
            out.setdefault("text", {})["format"] = text_format(value)
        elif key == "text":
            out.setdefault("text", {}).update(value)
        elif key == "verbosity":
            out.setdefault("text", {})["verbosity"] = value
        elif key == "tools":
            out["tools"] = tools_to_responses(value)
        elif key == "tool_choice":
            out["tool_choice"] = tool_choice_to_responses(value)
        else:
            raise ValueError(
                f"{key!r} is a chat-completions parameter the Responses API does not take; remove it, or use the "
                "chat completions API (use_responses_api=False)"
            )
    if reasoning:
        out["reasoning"] = reasoning
    return out
