"""The Responses API call, written once for both clients: parameters, body, route and the adapting flow.

``POST /responses`` (docs/wire.md §V1.3) exists on openai-v1, on Azure OpenAI (``/openai/responses?api-version=``
outside the deployment path, the deployment named in ``model``: docs/wire.md §V1.1 "Legacy surface") and on
OpenAI-compatible servers; the Model Inference API has no such route, so a call there is refused before anything
is sent. The body is shaped and adapted by the chat rules (``_chat_shape.ChatShaper``): a reasoning model's
refused sampling fields are left out, and a refusal on the closed list (``adapt.py``) is rewritten once and
remembered for later calls of either API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

from ._requests import encode_json
from ._steps_host import StepsHost
from ._validate import _check_number, _plain, check_params
from .errors import APIStatusError, InvalidRequestError, RouteNotSupportedError
from .models.responses import Response
from .responses_fold import failure_error

if TYPE_CHECKING:
    from ._base_client import Flow
    from ._chat_shape import ChatShaper
    from ._sender import PreparedRequest
    from ._surfaces import Surface, SurfaceRules
    from .config import Deployment

__all__ = [
    "RESPONSES_ONLY_PARAM_NAMES",
    "RESPONSES_PARAM_NAMES",
    "ResponsesCallParams",
    "ResponsesSteps",
    "build_responses_body",
]

_ADAPT_ROUNDS = 6  # as for chat: more than the closed list of rewrites can make for one body (adapt.py)


class ResponsesCallParams(TypedDict, total=False):
    """Keyword parameters of ``responses`` / ``stream_responses`` (docs/wire.md §V1.3.1; ``None`` means "not sent").

    The body fields of ``models.responses.ResponsesParams`` (``input`` is positional, ``stream`` is the method),
    plus the per-call options every route takes.
    """

    model: str | None
    instructions: str | None
    tools: Sequence[Mapping[str, Any]] | None
    tool_choice: str | Mapping[str, Any] | None
    parallel_tool_calls: bool | None
    reasoning: Mapping[str, Any] | None
    text: Mapping[str, Any] | None
    max_output_tokens: int | None
    max_tool_calls: int | None
    temperature: float | None
    top_p: float | None
    store: bool | None
    previous_response_id: str | None
    background: bool | None
    truncation: Literal["auto", "disabled"] | None
    include: Sequence[str] | None
    metadata: Mapping[str, str] | None
    user: str | None
    top_logprobs: int | None
    extra_body: Mapping[str, Any] | None
    headers: Mapping[str, str] | None
    timeout: float | None
    adapt: Literal["auto", "off"] | None


RESPONSES_PARAM_NAMES: frozenset[str] = ResponsesCallParams.__optional_keys__ | ResponsesCallParams.__required_keys__
# Keywords only the Responses API has, which the adapters pass as body fields, not extras (docs/wire.md §V1.3.1).
RESPONSES_ONLY_PARAM_NAMES = frozenset(
    {
        "reasoning",
        "store",
        "previous_response_id",
        "text",
        "include",
        "truncation",
        "instructions",
        "max_output_tokens",
        "background",
        "max_tool_calls",
        "metadata",
        "top_logprobs",
    }
)
"""Every keyword ``responses`` / ``stream_responses`` take (the adapters sort their kwargs with it)."""
_OPTIONS = frozenset({"extra_body", "headers", "timeout", "adapt"})
_BODY_FIELDS = RESPONSES_PARAM_NAMES - _OPTIONS
_REASONING_KEYS = frozenset({"effort", "summary", "generate_summary"})


def _check_input(value: Any) -> str | list[Any]:
    if isinstance(value, str):
        if not value:
            raise InvalidRequestError("input is an empty string; pass the user's text or a list of input items")
        return value
    if isinstance(value, (bytes, Mapping)) or not isinstance(value, Sequence):
        raise InvalidRequestError(
            "input must be a string or a list of input items, e.g. [{'role': 'user', 'content': 'Hi'}]"
        )
    items = [_plain(item) for item in value]
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InvalidRequestError(f"input item {i} is a {type(item).__name__}; each item must be a dict")
    return items


def _check_tool(i: int, tool: Any) -> dict[str, Any]:
    tool = _plain(tool)
    if not isinstance(tool, Mapping) or not tool.get("type"):
        raise InvalidRequestError(f"tools[{i}] must be a dict with a 'type', e.g. {{'type': 'function', 'name': ...}}")
    out = dict(tool)
    nested = out.get("function")
    if out["type"] == "function" and isinstance(nested, Mapping):
        # The chat shape nests the function; the Responses API wants its fields on the tool (docs/wire.md §V1.3.1).
        out = {"type": "function", **{k: v for k, v in out.items() if k not in ("type", "function")}, **nested}
    if out["type"] == "function" and not out.get("name"):
        raise InvalidRequestError(f"tools[{i}] is a function tool without a 'name'")
    return out


def build_responses_body(
    input: Any, params: Mapping[str, Any], defaults: Mapping[str, Any], model: str | None
) -> dict[str, Any]:
    """The JSON body of ``POST /responses`` (pure); bad input raises ``InvalidRequestError`` naming the fix."""
    check_params(params, RESPONSES_PARAM_NAMES, "responses")
    merged = {
        **{k: v for k, v in defaults.items() if k in _BODY_FIELDS},
        **{k: v for k, v in params.items() if v is not None},
    }
    body: dict[str, Any] = {"input": _check_input(input)}
    if merged.get("model") or model:
        body["model"] = merged.get("model") or model
    for name in ("temperature", "top_p"):
        if name in merged:
            _check_number(name, merged[name])
    for name in ("max_output_tokens", "max_tool_calls", "top_logprobs"):
        if name in merged:
            _check_number(name, merged[name], integer=True, minimum=1 if name == "max_output_tokens" else 0)
    reasoning = merged.get("reasoning")
    if reasoning is not None:
        unknown = set(reasoning) - _REASONING_KEYS if isinstance(reasoning, Mapping) else None
        if unknown is None or unknown:
            raise InvalidRequestError(
                f"reasoning must be a dict with 'effort' and/or 'summary', e.g. "
                f"{{'effort': 'low', 'summary': 'auto'}}; got {reasoning!r}"
            )
    tools = merged.get("tools")
    if tools is not None:
        if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
            raise InvalidRequestError("tools must be a list of tool dicts")
        merged["tools"] = [_check_tool(i, t) for i, t in enumerate(tools)]
    for name in sorted(_BODY_FIELDS - {"model"}):
        if merged.get(name) is not None:
            body[name] = _plain(merged[name]) if not isinstance(merged[name], (str, int, float)) else merged[name]
    if not body.get("tools"):
        body.pop("tools", None)
    for key, value in {**(defaults.get("extra_body") or {}), **(params.get("extra_body") or {})}.items():
        if value is not None:
            body[key] = value
    encode_json(body)  # refuse NaN and non-JSON values here, before anything is sent
    return body


def responses_url(deployment: Deployment, rules: SurfaceRules, query: str) -> str | None:
    """The ``/responses`` URL of a deployment, or None where the surface has no Responses route."""
    if not rules.responses:
        return None
    base = deployment.base_url
    if rules.deployment_in_path:
        # docs/wire.md §V1.1 "Legacy surface": /openai/responses, beside /openai/deployments, not under it.
        base = base.split("/openai/deployments/", 1)[0] + "/openai"
    return f"{base}/responses{query}"


class ResponsesSteps(StepsHost):
    """The Responses call's flow (a mixin of ``BaseClient``): shape, send, adapt to one refusal, parse."""

    _chat: ChatShaper
    _surface: Surface
    _urls: dict[str, str]

    def _responses_body(self, input: Any, params: Mapping[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
        if "/responses" not in self._urls:
            raise RouteNotSupportedError(
                f"the {self._surface.value} surface has no Responses API (POST /responses). Fix: use chat() on "
                "this deployment, or point it at an openai-v1 endpoint (https://<resource>.openai.azure.com/"
                "openai/v1) with api='chat' or 'responses' as it serves",
                status_code=404,
            )
        # The deployment is the model on every surface with this route (docs/wire.md §V1.1 "model").
        body = build_responses_body(input, params, self.deployment.model_params, self._chat_model())
        adapt = self._chat.adapting(params)
        # The chat rules shape Responses bodies too; reasoning.effort is checked as reasoning_effort is.
        effort = (body.get("reasoning") or {}).get("effort")
        probe = {**body, "reasoning_effort": effort} if effort is not None else body
        shaped, notes = self._chat.shape(probe, adapt)
        if effort is not None and "reasoning_effort" not in shaped:
            shaped.pop("reasoning", None)  # a model without reasoning: left out, as chat leaves reasoning_effort
            notes = tuple(n.replace("reasoning_effort", "reasoning") for n in notes)
        shaped.pop("reasoning_effort", None)
        return shaped, notes

    def _chat_model(self) -> str | None:
        if self._body_model is not None:
            return self._body_model
        return self._chat.deployment_name  # Azure OpenAI: the deployment from the path goes in the body

    def _responses_flow(
        self, input: Any, params: Mapping[str, Any], stream: bool
    ) -> Flow[tuple[Any, bytes, dict[str, Any], tuple[str, ...]]]:
        """A Responses call, streamed or not; returns the reply (a stream's, unread), body, body sent, notes."""
        body, notes = self._responses_body(input, params)
        adapt = self._chat.adapting(params)
        if stream:
            body["stream"] = True
        for _ in range(_ADAPT_ROUNDS):
            try:
                view, content = yield self._prepare_responses(body, params, stream)
            except APIStatusError as err:
                redo = self._chat.rewrite(err, body) if adapt else None
                if redo is None:
                    raise
                body, done = redo
                notes += tuple(r.describe() for r in done)
            else:
                return view, content, body, notes
        view, content = yield self._prepare_responses(body, params, stream)
        return view, content, body, notes

    def _prepare_responses(self, body: dict[str, Any], params: Mapping[str, Any], stream: bool) -> PreparedRequest:
        return self._prepare(
            "/responses",
            body,
            headers=params.get("headers"),
            timeout=params.get("timeout"),
            accept="text/event-stream" if stream else None,
        )

    def _responses_result(self, sent: tuple[Any, bytes, dict[str, Any], tuple[str, ...]]) -> Response:
        view, content, body, notes = sent
        result = self._parse(Response, content, view)
        self._chat.answered(body, result.model)
        result._adaptations = notes
        if result.status == "failed":
            err = result.error
            raise failure_error(err.code if err else None, err.message if err else "", where="the response failed")
        return result
