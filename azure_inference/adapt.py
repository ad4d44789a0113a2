"""Self-adapting requests: from a refusal to one safe rewrite, and a memory per deployment (pure, thread-safe).

For deployments the known-model table does not know, the service's refusal says what to change. Only a
closed list of rewrites is ever made, each one that keeps the request's meaning:

1. ``max_tokens`` is sent as ``max_completion_tokens`` (reasoning models, docs/wire.md §V1.2.2);
2. a sampling field the model refuses is left out (:data:`DROPPABLE`; docs/wire.md §V1.2.1);
3. structured output steps down: ``response_format`` ``json_schema`` → a forced function call with the same
   schema → ``response_format`` ``json_object`` with the schema in a system message.

Recognised refusals (bodies as observed, see ``tests/transport/test_adapt.py``):

- 400 OpenAI style: ``error.code`` ``unsupported_parameter`` / ``unsupported_value`` with ``error.param``, or a
  message ``Unsupported parameter: 'x'`` / ``Unsupported value: 'x' …`` / ``Invalid parameter: 'x' …`` /
  ``Unrecognized request argument supplied: x`` (some gateways drop ``param`` or change ``code``);
- 422 Model Inference: a ``detail`` object or list whose ``loc`` names the field (docs/wire.md §9);
- 5xx whose body names ``response_format``: OpenAI-compatible servers that crash on ``json_schema``.

A schema the service finds invalid (``Invalid schema for response_format …``) is not a refusal of the method:
it is not rewritten. Anything else gives no rewrite, and the caller raises the typed error as before.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "DROPPABLE",
    "DeploymentMemory",
    "Rewrite",
    "apply_rewrites",
    "refused_fields",
    "rewrites_for",
    "structured_method",
]

DROPPABLE: frozenset[str] = frozenset(
    {
        "temperature",
        "top_p",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "seed",
        "reasoning_effort",
        "verbosity",
    }
)
"""Fields that only tune sampling or effort: leaving one out never changes what the request asks for."""

RewriteKind = Literal["max_completion_tokens", "drop", "function_calling", "json_object"]

_REFUSAL_CODES = frozenset({"unsupported_parameter", "unsupported_value"})
_NAMED = re.compile(
    r"(?:Unsupported parameter|Unsupported value|Invalid parameter):\s*'([\w.\[\]]+)'"
    r"|Unrecognized request arguments? supplied:\s*([\w.\[\]]+)"
)
_REFUSAL_WORDS = ("not supported", "unsupported", "unrecognized", "not allowed", "must be one of", "not permitted")
_SCHEMA_PROBLEM = re.compile(r"invalid schema", re.IGNORECASE)
_TOOL_FIELDS = ("tools", "tool_choice")


@dataclass(frozen=True)
class Rewrite:
    """One rewrite from the closed list (see the module docstring).

    Attributes:
        kind: ``max_completion_tokens`` (rename ``max_tokens``), ``drop`` (leave ``field`` out),
            ``function_calling`` (``json_schema`` → a forced tool call) or ``json_object`` (forced tool call →
            ``json_object``).
        field: The refused field (``max_tokens``, ``temperature``, ``response_format``, ``tools``).
    """

    kind: RewriteKind
    field: str

    def describe(self) -> str:
        """One short sentence for the INFO log and the response metadata."""
        if self.kind == "max_completion_tokens":
            return "sent max_tokens as max_completion_tokens"
        if self.kind == "drop":
            return f"left out {self.field}"
        if self.kind == "function_calling":
            return "sent response_format json_schema as a forced function call"
        return "sent the forced function call as response_format json_object"


def _error(body: Any) -> Mapping[str, Any]:
    err = body.get("error") if isinstance(body, Mapping) else None
    return err if isinstance(err, Mapping) else {}


def _field_of(loc: Any) -> str | None:
    """``["body", "response_format", "type"]`` or ``response_format.type`` or ``tools[0]`` → the top field."""
    if isinstance(loc, list):
        parts = [p for p in loc if isinstance(p, str) and p != "body"]
        return parts[0] if parts else None
    if isinstance(loc, str) and loc:
        return re.split(r"[.\[]", loc, maxsplit=1)[0] or None
    return None


def refused_fields(status: int, body: Any) -> tuple[str, ...]:
    """The top-level request fields a refusal names, in order, without repeats (pure; empty: not a refusal).

    Args:
        status: The HTTP status.
        body: The parsed JSON error body (or its text when it is not JSON).
    """
    names: list[str] = []
    err = _error(body)
    message = str(err.get("message") or "")
    if status == 400 and not _SCHEMA_PROBLEM.search(message):
        code = err.get("code")
        for match in _NAMED.finditer(message):
            names.append(match.group(1) or match.group(2))
        param = err.get("param")
        lowered = message.lower()
        if isinstance(param, str) and param and (code in _REFUSAL_CODES or any(w in lowered for w in _REFUSAL_WORDS)):
            names.append(param)
        if not names and "response_format" in lowered and any(w in lowered for w in (*_REFUSAL_WORDS, "enabled only")):
            names.append("response_format")
    elif status == 422 and isinstance(body, Mapping):
        # docs/wire.md §9: 422 means "valid payload, unsupported parameter or value"; `detail` is an object in the
        # REST example and a list in the SDK snippets (Δ): accept both.
        detail = body.get("detail")
        for item in [detail] if isinstance(detail, Mapping) else detail if isinstance(detail, list) else ():
            if isinstance(item, Mapping):
                names.append(_field_of(item.get("loc")) or "")
        for item in err.get("details") or ():
            if isinstance(item, Mapping):
                names.append(_field_of(item.get("target")) or "")
    elif status >= 500:
        text = body if isinstance(body, str) else json.dumps(body)
        if "response_format" in text:
            names.append("response_format")
    fields = (_field_of(n) for n in names)
    return tuple(dict.fromkeys(f for f in fields if f))


def structured_method(body: Mapping[str, Any]) -> str | None:
    """How a body asks for structured output: ``json_schema``, ``function_calling``, ``json_object`` or ``None``.

    ``function_calling`` means exactly one tool and a ``tool_choice`` forcing it (what
    :func:`apply_rewrites` makes of ``json_schema``); a body with several tools is an ordinary tool call.
    """
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") in ("json_schema", "json_object"):
        return str(fmt["type"])
    tools, choice = body.get("tools"), body.get("tool_choice")
    if isinstance(tools, list) and len(tools) == 1 and isinstance(choice, Mapping):
        forced = (choice.get("function") or {}).get("name")
        if forced is not None and forced == ((tools[0] or {}).get("function") or {}).get("name"):
            return "function_calling"
    return None


def _rewrite_of(name: str, body: Mapping[str, Any]) -> Rewrite | None:
    if name == "max_tokens" and body.get("max_tokens") is not None:
        return Rewrite("max_completion_tokens", name)
    if name in DROPPABLE and name in body:
        return Rewrite("drop", name)
    method = structured_method(body)
    if name == "response_format" and method == "json_schema" and not body.get("tools"):
        return Rewrite("function_calling", name)
    if name in _TOOL_FIELDS and method == "function_calling":
        return Rewrite("json_object", name)
    return None


def rewrites_for(status: int, body: Any, request: Mapping[str, Any]) -> tuple[Rewrite, ...]:
    """The rewrites that answer a refusal of ``request``, or ``()`` when it is not one we can adapt to (pure).

    Every field the refusal names must have a rewrite; if one has none (``messages``, ``tools`` on an
    ordinary tool call, a ``json_object`` refusal, ...) nothing is rewritten and the error stands.

    Args:
        status: The HTTP status of the refusal.
        body: Its parsed JSON body (or text).
        request: The body that was refused.
    """
    rewrites = [_rewrite_of(name, request) for name in refused_fields(status, body)]
    if not rewrites or any(r is None for r in rewrites):
        return ()
    return tuple(r for r in rewrites if r is not None)


def _json_object_hint(function: Mapping[str, Any]) -> dict[str, Any]:
    # json_object mode needs the word "JSON" in the conversation, and the schema is the only way left to say
    # which object is wanted.
    schema = json.dumps(function.get("parameters") or {}, separators=(",", ":"))
    name = function.get("name")
    return {
        "role": "system",
        "content": f"Answer with one JSON object ({name}) that follows this JSON schema: {schema}",
    }


def _apply(body: dict[str, Any], rewrite: Rewrite) -> bool:
    if rewrite.kind == "max_completion_tokens" and body.get("max_tokens") is not None:
        body["max_completion_tokens"] = body.pop("max_tokens")
    elif rewrite.kind == "drop" and rewrite.field in body:
        del body[rewrite.field]
    elif rewrite.kind == "function_calling" and structured_method(body) == "json_schema" and not body.get("tools"):
        spec = body.pop("response_format").get("json_schema") or {}
        function = {"name": spec.get("name", "output"), "parameters": spec.get("schema") or {}}
        for key in ("description", "strict"):
            if key in spec:
                function[key] = spec[key]
        body["tools"] = [{"type": "function", "function": function}]
        body["tool_choice"] = {"type": "function", "function": {"name": function["name"]}}
    elif rewrite.kind == "json_object" and structured_method(body) == "function_calling":
        function = body.pop("tools")[0]["function"]
        del body["tool_choice"]
        body.pop("parallel_tool_calls", None)
        body["messages"] = [_json_object_hint(function), *body.get("messages", [])]
        body["response_format"] = {"type": "json_object"}
    else:
        return False
    return True


def apply_rewrites(body: Mapping[str, Any], rewrites: Iterable[Rewrite]) -> tuple[dict[str, Any], tuple[Rewrite, ...]]:
    """A new body with each applicable rewrite made, and the ones that were (pure)."""
    out = dict(body)
    done = tuple(r for r in rewrites if _apply(out, r))
    return out, done


class DeploymentMemory:
    """What each deployment refused, so later requests are shaped before they are sent (thread-safe).

    Keys are whatever identifies a deployment to the caller (endpoint + deployment name). The memory is
    bounded: past ``max_deployments`` keys, the least recently used is forgotten.
    """

    def __init__(self, max_deployments: int = 256) -> None:
        """Create an empty memory holding at most ``max_deployments`` deployments."""
        self._lock = threading.Lock()
        self._facts: OrderedDict[str, tuple[Rewrite, ...]] = OrderedDict()
        self._max = max_deployments

    def learn(self, key: str, rewrites: Iterable[Rewrite]) -> None:
        """Remember rewrites that made ``key`` accept a request (in the order they were needed)."""
        with self._lock:
            known = self._facts.pop(key, ())
            self._facts[key] = known + tuple(r for r in rewrites if r not in known)
            while len(self._facts) > self._max:
                self._facts.popitem(last=False)

    def learned(self, key: str) -> tuple[Rewrite, ...]:
        """The rewrites learned for ``key`` (``()`` when none)."""
        with self._lock:
            return self._facts.get(key, ())

    def shape(self, key: str, body: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[Rewrite, ...]]:
        """``body`` with the rewrites learned for ``key`` applied, and those that applied."""
        with self._lock:
            if key in self._facts:
                self._facts.move_to_end(key)
            facts = self._facts.get(key, ())
        return apply_rewrites(body, facts)

    def forget(self, key: str) -> None:
        """Drop what was learned for ``key``."""
        with self._lock:
            self._facts.pop(key, None)
