"""The starlette application: routes, authentication, ``api-version``, model selection, faults.

Surfaces (docs/wire.md §S; docs/wire.md §10):

- ``azure``: ``/``, ``/models`` and ``/api/models`` prefixes; ``api-version`` required and must be known
  (docs/wire.md §1); ``extra-parameters`` defaults to ``error`` (docs/wire.md §2.2).
- ``deployment``: ``/openai/deployments/<name>/...``; ``api-version`` required but any value is accepted
  (Azure OpenAI versions differ from model-inference ones); the path picks the model.
- ``openai``: ``/v1/...`` and ``/openai/v1/...``; no ``api-version``; unknown body keys are ignored unless an
  ``extra-parameters`` header says otherwise.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from . import control, handlers, quota, responses
from .bodies import MAX_BODY_DEPTH, read_body, too_deep
from .catalog import CHAT, EMBEDDINGS, IMAGE_EMBEDDINGS, IMAGE_GENERATION, TEXT_GENERATION, ModelSpec
from .config import EmulatorConfig
from .errors import ApiError, azure_error, status_error
from .faults import HTML_BODY, MALFORMED_JSON, Fault, drop_connection
from .schemagen import SchemaLimitError
from .script import EmulatorState, ScriptEntry
from .validation import API_VERSIONS, DEFAULT_SPEC

log = logging.getLogger("azure_inference.emulator")
JSON = "application/json"

ROUTE_TYPES = {
    "chat": (CHAT,),
    "embeddings": (EMBEDDINGS,),
    "image_embeddings": (IMAGE_EMBEDDINGS,),
    "completions": (TEXT_GENERATION, CHAT),
    "image_generations": (IMAGE_GENERATION,),
    "info": (),
    "models": (),
    "responses": (CHAT,),
}
AZURE_PATHS = {
    "/info": "info",
    "/chat/completions": "chat",
    "/embeddings": "embeddings",
    "/images/embeddings": "image_embeddings",
    "/images/generations": "image_generations",
    "/completions": "completions",
}
OPENAI_PATHS = {
    "/chat/completions": "chat",
    "/embeddings": "embeddings",
    "/completions": "completions",
    "/images/embeddings": "image_embeddings",
    "/models": "models",
    "/responses": "responses",
}
DEPLOYMENT_PATHS = {
    "/chat/completions": "chat",
    "/embeddings": "embeddings",
    "/completions": "completions",
    "/images/embeddings": "image_embeddings",
}


@dataclass
class Call:
    """One model request as the handlers see it.

    Attributes:
        request: The starlette request.
        state: Emulator state.
        route: Route kind (``chat``, ``embeddings``, ...).
        surface: ``azure``, ``deployment`` or ``openai``.
        spec: Key of the OpenAPI copy that validates this request (docs/wire.md §1).
        body: The parsed JSON body (``{}`` for GET).
        model: The selected model (``None`` only for ``/v1/models``).
        entry: A scripted entry or fault taken for this request.
    """

    request: Request
    state: EmulatorState
    route: str
    surface: str
    spec: str
    body: dict[str, Any]
    model: ModelSpec | None
    entry: ScriptEntry | Fault | None = None

    @property
    def stream_fault(self) -> Fault | None:
        """The fault to apply while streaming, if any."""
        fault = self.entry.fault if isinstance(self.entry, ScriptEntry) else self.entry
        return fault


def _authorised(request: Request, keys: tuple[str, ...]) -> bool:
    if not keys:
        return True
    if request.headers.get("api-key") in keys:
        return True
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return scheme.lower() == "bearer" and token.strip() in keys


def _api_version(request: Request, surface: str) -> str:
    if surface == "openai":
        return DEFAULT_SPEC
    version = request.query_params.get("api-version")
    if not version:
        raise azure_error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
            target="api-version",
        )
    if surface == "deployment":
        return DEFAULT_SPEC
    spec = API_VERSIONS.get(version)
    if spec is None:
        raise azure_error(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version}' is invalid. The supported versions are: {', '.join(API_VERSIONS)}.",
            target="api-version",
        )
    return spec


def _select_model(state: EmulatorState, route: str, name: str | None) -> ModelSpec | None:
    catalog = state.config.catalog
    types = ROUTE_TYPES[route]
    if state.config.single_model:
        # Serverless endpoints serve one model and ignore `model` (docs/wire.md §3, D-CHAT).
        name = state.config.single_model
    if name is None:
        if route == "models":
            return None
        for t in types or (CHAT,):
            spec = catalog.default_for(t)
            if spec is not None:
                return spec
        raise azure_error(404, "NotFound", f"No model of type {'/'.join(types)} is deployed on this endpoint.")
    spec = catalog.get(name)
    if spec is None:
        raise azure_error(
            404,
            "unknown_model",
            f"Unknown model: {name}",
            details=[
                {
                    "code": "unknown_model",
                    "message": f"Model {name} is not deployed on this endpoint.",
                    "target": "model",
                }
            ],
        )
    if types and not set(types) & set(spec.types):
        raise azure_error(
            404,
            "OperationNotSupported",
            f"The model {spec.name} ({', '.join(spec.types)}) does not support this route.",
        )
    return spec


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python would accept them and echo them back in error bodies.
    raise ValueError(f"{name} is not valid JSON")


def _parse_body(request: Request, raw: bytes) -> tuple[Any, ApiError | None]:
    if request.method == "GET":
        return {}, None
    try:
        body = json.loads(raw, parse_constant=_reject_constant) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        return raw.decode("utf-8", "replace"), azure_error(
            400, "invalid_json", f"Request body is not valid JSON: {exc}", target="body"
        )
    except RecursionError:  # the parser's own nesting limit (a 200k-deep body, issue 12)
        message = f"Request body is nested deeper than {MAX_BODY_DEPTH} levels."
        return None, azure_error(400, "invalid_json", message, target="body")
    if too_deep(body, MAX_BODY_DEPTH):
        message = f"Request body is nested deeper than {MAX_BODY_DEPTH} levels."
        return None, azure_error(400, "invalid_payload", message, target="body")
    if not isinstance(body, dict):
        return body, azure_error(400, "invalid_payload", "The request body must be a JSON object.", target="body")
    return body, None


async def _before_model(call: Call) -> Response | None:
    """Apply the taken script entry / fault that answers before the model runs."""
    entry = call.entry
    fault = call.stream_fault
    latency = call.state.config.latency_ms + (entry.latency_ms if entry is not None else 0)
    if isinstance(entry, ScriptEntry) and fault is not None:
        latency += fault.latency_ms
    if latency:
        await asyncio.sleep(latency / 1000)
    if isinstance(entry, ScriptEntry) and entry.kind == "error":
        err = (entry.body or {}).get("error")
        code = str(err.get("code")) if isinstance(err, dict) and "code" in err else str(entry.status)
        headers = {"x-ms-error-code": code, **entry.headers}
        return Response(json.dumps(entry.body), status_code=entry.status, headers=headers, media_type=JSON)
    if fault is None:
        return None
    if fault.kind == "status":
        return status_error(fault.status, fault.message, fault.response_headers()).to_response()
    if fault.kind == "drop":
        if await drop_connection(call.request.scope):
            return Response(b"", status_code=499)  # never sent: the connection is gone
        raise RuntimeError("drop fault needs the emulator's uvicorn protocol (run via __main__/testing)")
    if fault.kind == "html":
        return Response(HTML_BODY, status_code=fault.status, media_type="text/html")
    if fault.kind == "malformed_json":
        return Response(MALFORMED_JSON, status_code=200, media_type=JSON)
    return None


def model_endpoint(state: EmulatorState, route: str, surface: str) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint for one (route, surface)."""

    async def endpoint(request: Request) -> Response:
        seq = 0
        quota_name: str | None = None
        try:
            # The key is checked before the body is read or logged: an unauthenticated request costs no
            # memory (issue 12). Its log entry has no body.
            if not _authorised(request, state.config.keys):
                state.record(request.method, request.url.path, request.url.query, dict(request.headers), None)
                seq = state.counter
                raise azure_error(
                    401,
                    "Unauthorized",
                    "Access denied due to invalid subscription key or wrong "
                    "API endpoint. Make sure to provide a valid key for an active subscription "
                    "and use a correct regional API endpoint for your resource.",
                )
            try:
                raw = await read_body(request, state.config.max_body_bytes)
            except ApiError:
                state.record(request.method, request.url.path, request.url.query, dict(request.headers), None)
                seq = state.counter
                raise
            body, body_error = _parse_body(request, raw)
            state.record(request.method, request.url.path, request.url.query, dict(request.headers), body, len(raw))
            seq = state.counter  # read before any await: the id of this request's log entry
            spec = _api_version(request, surface)
            if body_error is not None:
                raise body_error
            # The path (Azure OpenAI), then `azureml-model-deployment` (managed compute, docs/wire.md §2.1), then
            # the body's `model` (or `/info?model=`, S25) pick the deployment.
            name = request.path_params.get("deployment") or request.headers.get("azureml-model-deployment")
            if name is None:
                name = request.query_params.get("model") if route == "info" else body.get("model")
            if name is not None and not isinstance(name, str):
                raise azure_error(400, "invalid_payload", "'model' must be a string.", target="model")
            call = Call(request, state, route, surface, spec, body, _select_model(state, route, name))
            quota_name = call.model.name if call.model is not None else None
            # validation, extra-parameters, capability checks; the Responses API has its own (docs/wire.md §V1.3)
            call.body = responses.prepare(call) if route == "responses" else handlers.prepare(call)
            if state.quota is not None and quota_name is not None:
                # Quota mode charges on arrival, after validation, before faults (docs/wire.md §V1.5; quota.py).
                charged = state.quota.charge(quota_name, route, call.body)
                if charged is not None:
                    quota.annotate(state.log, seq, charged)
            call.entry = state.take(route, call.model.name if call.model else None)
            early = await _before_model(call)
            handler = responses.respond if route == "responses" else handlers.HANDLERS[route]
            response = early if early is not None else await handler(call)
        except ApiError as err:
            response = err.to_response()
        except (SchemaLimitError, RecursionError) as exc:  # hostile schemas and nesting are the caller's (issue 12)
            reason = str(exc) if isinstance(exc, SchemaLimitError) else "it is nested too deeply"
            response = azure_error(
                400,
                "invalid_payload",
                f"The emulator cannot answer this request: {reason}. Fix: bound the schema (minItems, minLength, "
                "nesting) or remove the recursion.",
            ).to_response()
        except Exception as exc:  # a bug in the emulator: still answer in Azure's shape, and count it
            state.internal_errors += 1
            log.error("emulator bug on %s %s\n%s", request.method, request.url.path, traceback.format_exc())
            response = azure_error(
                500, "InternalServerError", f"Emulator bug: {type(exc).__name__}: {exc}"
            ).to_response()
        # Request ids as Azure sends them (emulator-<log seq>); the client's own id is echoed (docs/wire.md §2.1).
        response.headers["x-request-id"] = response.headers["apim-request-id"] = f"emulator-{seq}"
        client_rid = request.headers.get("x-ms-client-request-id")
        if client_rid:
            response.headers["x-ms-client-request-id"] = client_rid
        if state.quota is not None and quota_name is not None:  # the x-ratelimit-* headers on every answer
            for name, value in state.quota.headers_now(quota_name).items():
                response.headers.setdefault(name, value)
        return response

    return endpoint


def build_routes(state: EmulatorState) -> list[BaseRoute]:
    """Every route of every surface, plus the control API."""
    routes: list[BaseRoute] = []
    for prefix in ("", "/models", "/api/models"):
        for path, route in AZURE_PATHS.items():
            methods = ["GET"] if route == "info" else ["POST"]
            routes.append(Route(prefix + path, model_endpoint(state, route, "azure"), methods=methods))
    for prefix in ("/v1", "/openai/v1"):
        for path, route in OPENAI_PATHS.items():
            methods = ["GET"] if route == "models" else ["POST"]
            routes.append(Route(prefix + path, model_endpoint(state, route, "openai"), methods=methods))
    for path, route in DEPLOYMENT_PATHS.items():
        routes.append(
            Route(
                "/openai/deployments/{deployment}" + path, model_endpoint(state, route, "deployment"), methods=["POST"]
            )
        )
    # docs/wire.md §V1.3: the Azure OpenAI route names the deployment in `model`, with an api-version.
    routes.append(Route("/openai/responses", model_endpoint(state, "responses", "deployment"), methods=["POST"]))
    routes += control.routes(state)
    routes += quota.routes(state.quota)
    return routes


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "NotFound", 405: "MethodNotAllowed"}.get(status, f"Http{status}")
    message = "Resource not found" if status == 404 else str(getattr(exc, "detail", exc))
    return azure_error(status, code, message).to_response()


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    """Build the emulator ASGI app.

    Args:
        config: Catalog, keys, blocklists and faults; the built-in defaults when ``None``.

    Returns:
        A starlette app; ``app.state.emulator`` is its :class:`~.script.EmulatorState`.
    """
    config = config or EmulatorConfig()
    config.validate()
    state = EmulatorState(config)
    app = Starlette(routes=build_routes(state), exception_handlers={HTTPException: _http_error})
    app.state.emulator = state
    return app
