"""The control API under ``/_emulator`` (no auth; loopback only), used by tests to drive a subprocess.

| method | path | does |
|---|---|---|
| GET | ``/_emulator/health`` | ``{"status": "ok", "internal_errors": n}`` |
| GET | ``/_emulator/config`` | catalog, defaults, single model, key count, blocklists |
| POST | ``/_emulator/script`` | queue one entry or ``{"responses": [...]}`` (see :mod:`.script`) |
| GET / DELETE | ``/_emulator/script`` | list / clear pending entries |
| GET / PUT / DELETE | ``/_emulator/faults`` | list / replace (``{"faults": [...]}``) / clear emulator-wide faults |
| PUT | ``/_emulator/blocklists`` | ``{"prompt": {...} or [...], "output": ...}`` replaces either blocklist |
| GET / DELETE | ``/_emulator/requests`` | the request log (``?path=`` filters by substring) / clear it |
| POST | ``/_emulator/reset`` | clear script and log, restore startup faults and blocklists |
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .bodies import read_body
from .config import Blocklist, parse_blocklist
from .errors import ApiError, azure_error
from .faults import Fault
from .script import EmulatorState, ScriptEntry


def _ok(obj: Any, status: int = 200) -> Response:
    return Response(json.dumps(obj), status_code=status, media_type="application/json")


async def _json_body(request: Request, limit: int) -> Any:
    raw = await read_body(request, limit)
    try:
        return json.loads(raw or b"null")
    except RecursionError as exc:
        raise azure_error(400, "invalid_json", "control body is nested too deeply") from exc
    except ValueError as exc:
        raise azure_error(400, "invalid_json", f"control body is not JSON: {exc}") from exc


def routes(state: EmulatorState) -> list[BaseRoute]:
    """The control routes bound to ``state``."""

    async def health(request: Request) -> Response:
        return _ok({"status": "ok", "internal_errors": state.internal_errors})

    async def config(request: Request) -> Response:
        cfg = state.config
        return _ok(
            {
                "models": [m.to_dict() for m in cfg.catalog.models.values()],
                "defaults": cfg.catalog.defaults,
                "single_model": cfg.single_model,
                "auth": bool(cfg.keys),
                "prompt_blocklist": state.prompt_blocklist.terms,
                "output_blocklist": state.output_blocklist.terms,
                "latency_ms": cfg.latency_ms,
            }
        )

    async def script(request: Request) -> Response:
        if request.method == "GET":
            return _ok({"pending": [dict(e.source, times=e.times) for e in state.script]})
        if request.method == "DELETE":
            state.script.clear()
            return _ok({"pending": []})
        data = await _json_body(request, state.config.max_body_bytes)
        items = data["responses"] if isinstance(data, dict) and "responses" in data else [data]
        if not isinstance(items, list):
            raise azure_error(400, "invalid_script", "responses must be a list")
        try:
            entries = [ScriptEntry.from_dict(item) for item in items]
        except (ValueError, TypeError, AttributeError) as exc:
            raise azure_error(400, "invalid_script", str(exc)) from exc
        state.script.extend(entries)
        return _ok({"queued": len(entries), "pending": len(state.script)})

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            data = await _json_body(request, state.config.max_body_bytes)
            items = data.get("faults", []) if isinstance(data, dict) else data
            try:
                state.faults = [Fault.from_dict(f) for f in items]
            except (ValueError, TypeError, AttributeError) as exc:
                raise azure_error(400, "invalid_fault", str(exc)) from exc
        elif request.method == "DELETE":
            state.faults = []
        return _ok({"faults": [f.to_dict() for f in state.faults]})

    async def blocklists(request: Request) -> Response:
        data = await _json_body(request, state.config.max_body_bytes)
        try:
            if "prompt" in data:
                state.prompt_blocklist = Blocklist(parse_blocklist(data["prompt"] or []))
            if "output" in data:
                state.output_blocklist = Blocklist(parse_blocklist(data["output"] or []))
        except (ValueError, TypeError) as exc:
            raise azure_error(400, "invalid_blocklist", str(exc)) from exc
        return _ok({"prompt": state.prompt_blocklist.terms, "output": state.output_blocklist.terms})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            state.clear_log()
            return _ok({"requests": []})
        path = request.query_params.get("path")
        items = [r for r in state.log if path is None or path in r["path"]]
        return _ok({"requests": items})

    async def reset(request: Request) -> Response:
        state.reset()
        return _ok({"status": "reset"})

    def wrap(fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return await fn(request)  # type: ignore[no-any-return]
            except ApiError as err:
                return err.to_response()

        return endpoint

    return [
        Route("/_emulator/health", wrap(health), methods=["GET"]),
        Route("/_emulator/config", wrap(config), methods=["GET"]),
        Route("/_emulator/script", wrap(script), methods=["GET", "POST", "DELETE"]),
        Route("/_emulator/faults", wrap(faults), methods=["GET", "PUT", "DELETE"]),
        Route("/_emulator/blocklists", wrap(blocklists), methods=["PUT"]),
        Route("/_emulator/requests", wrap(requests), methods=["GET", "DELETE"]),
        Route("/_emulator/reset", wrap(reset), methods=["POST"]),
    ]
