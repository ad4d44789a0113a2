"""Where the service is strict, the emulator is too (on by default; ``--lenient`` relaxes it).

On the OpenAI-style routes (``/openai/v1``, ``/v1``, ``/openai/deployments/<name>``):

- reasoning models refuse ``max_tokens`` and the sampling fields their catalog entry lists, with the
  service's 400 bodies (``unsupported_parameter`` / ``unsupported_value``, ``param`` named; docs/wire.md §V1.2.2),
  and check ``reasoning_effort`` / ``verbosity`` values;
- ``response_format`` ``json_schema`` and function tools with ``strict: true`` are checked by the service's
  strict-mode rules (400 ``Invalid schema for …``, docs/wire.md §V1.2.5).

Whatever the mode: a deployment of a retired model fails (404, docs/wire.md §V1.6), and so does every Model
Inference API route when ``retire_model_inference`` is set; a model-router deployment answers with the name of
the model it picked (docs/wire.md §V1.6); reasoning models that hide their reasoning return none (only
``reasoning_tokens``). On Azure routes (``/openai/...``) chat responses carry the v1 fields
the spec requires or Azure adds: ``prompt_filter_results``, per-choice ``content_filter_results``,
``message.refusal`` and ``choice.logprobs`` (docs/wire.md §V1.2.3-2.4).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .behaviour import stable_hash
from .errors import ApiError, azure_error, filter_results

if TYPE_CHECKING:
    from .app import Call

# Defaults of the sampling fields: o3 / o4-mini / gpt-5 accept these values only (docs/wire.md §V1.2.2).
DEFAULTS: dict[str, float] = {"temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0}
VERBOSITY = ("low", "medium", "high")
MAX_DEPTH = 5
MAX_PROPERTIES = 100
# docs/wire.md §V1.2.5: keywords outside the strict-mode subset.
NOT_PERMITTED = frozenset(
    {
        *("minLength", "maxLength", "pattern", "format", "minimum", "maximum", "multipleOf"),
        *("exclusiveMinimum", "exclusiveMaximum", "patternProperties", "unevaluatedProperties", "propertyNames"),
        *("minProperties", "maxProperties", "unevaluatedItems", "contains", "minContains", "maxContains"),
        *("minItems", "maxItems", "uniqueItems", "allOf", "oneOf", "not", "if", "then", "else"),
    }
)


def _openai_error(message: str, param: str | None, code: str | None, status: int = 400) -> ApiError:
    # The OpenAI-style body Azure returns for these (docs/wire.md §V1.2.2, §V1.2.5): type/param/code, no details.
    return ApiError(
        status, {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    )


def _strict(call: Call) -> bool:
    return not call.state.config.lenient and call.surface in ("openai", "deployment")


def _azure_v1(call: Call) -> bool:
    return call.request.url.path.startswith("/openai/")


def _quote_list(values: Iterable[str]) -> str:
    items = [f"'{v}'" for v in values]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + ", and " + items[-1]


def _check_parameters(body: Mapping[str, Any], call: Call) -> None:
    model = call.model
    assert model is not None
    if model.token_param == "max_completion_tokens" and body.get("max_tokens") is not None:
        raise _openai_error(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "max_tokens",
            "unsupported_parameter",
        )
    for name in model.refused_params:
        if body.get(name) is not None:
            raise _openai_error(
                f"Unsupported parameter: '{name}' is not supported with this model.", name, "unsupported_parameter"
            )
    for name in model.default_only_params:
        value = body.get(name)
        if value is not None and value != DEFAULTS.get(name):
            raise _openai_error(
                f"Unsupported value: '{name}' does not support {value} with this model. "
                f"Only the default ({DEFAULTS.get(name)}) value is supported.",
                name,
                "unsupported_value",
            )
    checks = (("reasoning_effort", model.reasoning_efforts), ("verbosity", VERBOSITY if model.verbosity else ()))
    for name, allowed in checks:
        value = body.get(name)
        if value is None:
            continue
        if not allowed:
            raise _openai_error(
                f"Unsupported parameter: '{name}' is not supported with this model.", name, "unsupported_parameter"
            )
        if value not in allowed:
            raise _openai_error(
                f"Unsupported value: '{name}' does not support '{value}' with this model. "
                f"Supported values are: {_quote_list(allowed)}.",
                name,
                "unsupported_value",
            )


# -- strict-mode schema rules (docs/wire.md §V1.2.5) ----------------------------------------------------------------


def _resolve(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#").strip("/").split("/") if ref != "#" else ():
        node = node.get(part) if isinstance(node, Mapping) else None
    return node


def schema_problem(root: Any) -> tuple[tuple[str, ...], str] | None:
    """The first strict-mode violation of ``root`` as ``(context, message)``, or ``None``."""
    if not isinstance(root, Mapping) or root.get("type") != "object" or "anyOf" in root:
        kind = root.get("type") if isinstance(root, Mapping) else None
        return (), f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{kind}\"'."
    count = 0
    stack: list[tuple[Any, tuple[str, ...], int, frozenset[int]]] = [(root, (), 0, frozenset())]
    for defs in ("$defs", "definitions"):
        found = root.get(defs)
        stack += [(v, (defs, k), 0, frozenset()) for k, v in found.items()] if isinstance(found, Mapping) else []
    while stack:
        node, path, depth, seen = stack.pop()
        if not isinstance(node, Mapping) or id(node) in seen:
            continue
        seen = seen | {id(node)}
        for key in node:
            if key in NOT_PERMITTED:
                return path, f"'{key}' is not permitted."
        if isinstance(node.get("$ref"), str):
            stack.append((_resolve(root, node["$ref"]), path, depth, seen))
            continue
        if "properties" in node or node.get("type") == "object":
            depth += 1
            if depth > MAX_DEPTH:
                return (), f"{depth} levels of nesting exceeds limit of {MAX_DEPTH}."
            if node.get("additionalProperties") is not False:
                return path, "'additionalProperties' is required to be supplied and to be false."
            props = node.get("properties")
            props = props if isinstance(props, Mapping) else {}
            required = node.get("required")
            required = required if isinstance(required, list) else []
            if path[:1] not in (("$defs",), ("definitions",)):  # definitions count where they are used
                count += len(props)
            missing = [k for k in props if k not in required]
            if missing:
                return path, (
                    "'required' is required to be supplied and to be an array including every key in properties. "
                    f"Missing '{missing[0]}'."
                )
            stack += [(sub, (*path, "properties", k), depth, seen) for k, sub in props.items()]
        if "items" in node:
            stack.append((node["items"], (*path, "items"), depth, seen))
        any_of = node.get("anyOf")
        if isinstance(any_of, list):
            stack += [(sub, (*path, "anyOf", str(i)), depth, seen) for i, sub in enumerate(any_of)]
    if count > MAX_PROPERTIES:
        return (), f"{count} object properties exceeds limit of {MAX_PROPERTIES}."
    return None


def _check_schemas(body: Mapping[str, Any]) -> None:
    fmt = body.get("response_format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        if isinstance(spec, Mapping) and spec.get("strict") is True:
            problem = schema_problem(spec.get("schema"))
            if problem is not None:
                raise _openai_error(
                    f"Invalid schema for response_format '{spec.get('name')}': In context={problem[0]!r}, {problem[1]}",
                    "response_format",
                    None,
                )
    tools = body.get("tools")
    # This runs before the spec validation (which would refuse a malformed body), so it reads only what has the
    # right type and leaves the rest to the validation's 400.
    for i, tool in enumerate(tools if isinstance(tools, list) else ()):
        fn = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(fn, Mapping) and fn.get("strict") is True:
            problem = schema_problem(fn.get("parameters") or {"type": "object", "properties": {}})
            if problem is not None:
                raise _openai_error(
                    f"Invalid schema for function '{fn.get('name')}': In context={problem[0]!r}, {problem[1]}",
                    f"tools[{i}].function.parameters",
                    "invalid_function_parameters",
                )


def check_request(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """Refuse what the service refuses (see the module docstring); returns the body to go on with.

    ``reasoning_effort`` and ``verbosity``, once checked, are consumed: they shape nothing in the emulated
    answer, and the deployment route's ``extra-parameters`` check would otherwise refuse them.
    """
    model = call.model
    if (model is not None and model.retired) or (call.surface == "azure" and call.state.config.retire_model_inference):
        # docs/wire.md §V1.6: the observed answer of a retired deployment (no 410 has been seen); the same body came
        # back from the Model Inference API for a model it did not serve (azure-sdk-for-java#46600).
        raise azure_error(404, "404", "Resource not found")
    if model is None or call.route != "chat" or not _strict(call):
        return body
    _check_schemas(body)
    if model.reasoning_efforts:  # only reasoning models refuse fields; the others ignore what they lack
        _check_parameters(body, call)
    if model.reasoning_efforts or model.routes_to:  # a model router passes reasoning_effort on (docs/wire.md §V1.6)
        return {k: v for k, v in body.items() if k not in ("reasoning_effort", "verbosity")}
    return body


# -- responses --------------------------------------------------------------------------------------------------


def answering_model(call: Call) -> str:
    """The ``model`` a response reports: for a model router, the model it picked (stable per conversation)."""
    assert call.model is not None
    routes = call.model.routes_to
    if not routes:
        return call.model.name
    return routes[int(stable_hash(call.body.get("messages"))[:8], 16) % len(routes)]


def prompt_filter_results() -> list[dict[str, Any]]:
    """Prompt annotations of a prompt that passed (flat, as the docs show them; docs/wire.md §V1.2.4 Δ5)."""
    results = filter_results(None)
    results["indirect_attack"] = {"filtered": False, "detected": False}
    return [{"prompt_index": 0, "content_filter_results": results}]


def _choice_filter() -> dict[str, Any]:
    results: dict[str, Any] = {k: v for k, v in filter_results(None).items() if k != "jailbreak"}
    results["protected_material_text"] = {"filtered": False, "detected": False}
    return results


def finish_completion(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """A chat completion as the service sends it on this route (see the module docstring)."""
    assert call.model is not None
    body["model"] = answering_model(call)
    for choice in body.get("choices") or ():
        if call.model.hide_reasoning:
            choice["message"].pop("reasoning_content", None)
        if _azure_v1(call):
            choice["message"].setdefault("refusal", None)
            choice.setdefault("logprobs", None)
            choice.setdefault("content_filter_results", _choice_filter())
    if _azure_v1(call):
        body["prompt_filter_results"] = prompt_filter_results()
    return body


def finish_chunks(call: Call, chunks: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The stream of a chat completion as the service sends it on this route.

    On Azure routes a first chunk carries ``prompt_filter_results`` with ``choices: []`` and chunks with
    content carry ``content_filter_results`` (docs/wire.md §V1.2.4). Hidden reasoning is not streamed.
    """
    assert call.model is not None
    name, hide, azure = answering_model(call), call.model.hide_reasoning, _azure_v1(call)
    first = True
    for chunk in chunks:
        chunk["model"] = name
        if first and azure:
            yield {**chunk, "choices": [], "prompt_filter_results": prompt_filter_results()}
        first = False
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            if hide and "reasoning_content" in delta:
                del delta["reasoning_content"]
                if not delta and choice.get("finish_reason") is None:
                    chunk["choices"] = [c for c in chunk["choices"] if c is not choice]
                    continue
            if azure and delta.get("content"):
                choice.setdefault("content_filter_results", _choice_filter())
        if chunk.get("choices") or "usage" in chunk:
            yield chunk
