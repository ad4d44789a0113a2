"""``POST /openai/v1/responses`` (and ``/openai/responses?api-version=…``): the Responses API (docs/wire.md §V1.3).

The request is turned into the chat form the emulator already answers (messages, nested tools, ``tool_choice``,
``response_format``, a token limit), so grounded answers, RAG, tool choice and schema-valid arguments are the
chat behaviour's (:mod:`.behaviour`). What is Responses-only lives here: the input items (``function_call`` and
``function_call_output`` included), ``store`` + ``previous_response_id`` (:mod:`.responses_store`), reasoning
items with a summary when ``reasoning.summary`` asks for one, ``incomplete`` on ``max_output_tokens``, and the
strict rules of reasoning models (``temperature`` / ``top_p`` at their default only, docs/wire.md §V1.3.1, §V1.2.2).
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jsonschema.exceptions import best_match
from starlette.responses import Response, StreamingResponse

from . import rendering, strict
from .behaviour import chat_reply, content_text, prompt_tokens
from .checks import check_chat
from .errors import ApiError
from .faults import MALFORMED_CHUNK, STREAM_KINDS, drop_connection
from .handlers import _filter_output, _prompt_checks, _scripted_reply
from .responses_render import output_items, response_events, response_object, response_usage
from .responses_store import StoredResponse
from .v1spec import v1_validator

if TYPE_CHECKING:
    from .app import Call

__all__ = ["prepare", "respond", "to_chat"]

SUMMARIES = ("auto", "concise", "detailed")
_SAMPLING = ("temperature", "top_p")


def _error(status: int, message: str, param: str | None, code: str | None) -> ApiError:
    # The OpenAI-style body the v1 routes answer with (docs/wire.md §V1.2.2).
    err = {"message": message, "type": "invalid_request_error", "param": param, "code": code}
    return ApiError(status, {"error": err})


def _text_parts(content: Any) -> Any:
    if not isinstance(content, list):
        return content
    parts = []
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind in ("input_text", "output_text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "input_image":
            parts.append({"type": "image_url", "image_url": {"url": part.get("image_url") or ""}})
    return parts


def input_messages(items: Any) -> list[dict[str, Any]]:
    """The ``input`` (a string or items, docs/wire.md §V1.3.1) as chat messages; reasoning and references skipped."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[dict[str, Any]] = []
    for item in items or ():
        kind = item.get("type", "message")
        if kind == "message" and "role" in item:
            messages.append({"role": item["role"], "content": _text_parts(item.get("content"))})
        elif kind == "function_call":
            call = {"id": item["call_id"], "type": "function", "function": {"name": item["name"]}}
            call["function"]["arguments"] = item.get("arguments", "")
            last = messages[-1] if messages else None
            if last is not None and last["role"] == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)  # parallel calls are one assistant turn
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            messages.append({"role": "tool", "tool_call_id": item["call_id"], "content": text})
    return messages


def to_chat(body: Mapping[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    """The chat body that gives this request's answer: instructions, history and input as messages, tools nested."""
    messages = [*history, *input_messages(body.get("input"))]
    if body.get("instructions"):
        messages.insert(0, {"role": "system", "content": body["instructions"]})
    chat: dict[str, Any] = {"messages": messages}
    tools = [
        {"type": "function", "function": {k: t[k] for k in ("name", "description", "parameters") if k in t}}
        for t in body.get("tools") or ()
        if t.get("type") == "function"  # built-in tools (web search, MCP, ...) are not emulated
    ]
    if tools:
        chat["tools"] = tools
    choice = body.get("tool_choice")
    if isinstance(choice, Mapping):
        choice = {"type": "function", "function": {"name": choice.get("name")}} if choice.get("name") else "auto"
    if choice is not None:
        chat["tool_choice"] = choice
    fmt = (body.get("text") or {}).get("format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        spec = {k: fmt[k] for k in ("name", "schema", "strict", "description") if k in fmt}
        chat["response_format"] = {"type": "json_schema", "json_schema": spec}
    elif isinstance(fmt, Mapping) and fmt.get("type") == "json_object":
        chat["response_format"] = {"type": "json_object"}
    if body.get("max_output_tokens") is not None:
        chat["max_tokens"] = body["max_output_tokens"]  # reasoning and visible output together (docs/wire.md §V1.3.1)
    return chat


def _is_reasoning(call: Call) -> bool:
    model = call.model
    assert model is not None
    return bool(model.reasoning_efforts or model.reasoning or model.think_tags)


def _strict_rules(call: Call, body: Mapping[str, Any]) -> None:
    """What reasoning models and strict schemas refuse on v1 routes (docs/wire.md §V1.2.2, §V1.2.5, §V1.3.1)."""
    model = call.model
    assert model is not None
    reasoning = body.get("reasoning") or {}
    effort = reasoning.get("effort")
    if model.reasoning_efforts:
        for name in _SAMPLING:
            value = body.get(name)
            if value is not None and (name in model.refused_params or value != strict.DEFAULTS[name]):
                raise _error(
                    400, f"Unsupported parameter: '{name}' is not supported with this model.", name,
                    "unsupported_parameter",
                )  # fmt: skip
        if effort is not None and effort not in model.reasoning_efforts:
            allowed = ", ".join(f"'{e}'" for e in model.reasoning_efforts)
            raise _error(
                400, f"Unsupported value: 'reasoning.effort' does not support '{effort}' with this model. "
                f"Supported values are: {allowed}.", "reasoning.effort", "unsupported_value",
            )  # fmt: skip
    elif effort is not None and not model.routes_to:
        raise _error(
            400, "Unsupported parameter: 'reasoning.effort' is not supported with this model.", "reasoning.effort",
            "unsupported_parameter",
        )  # fmt: skip
    for i, tool in enumerate(body.get("tools") or ()):
        if tool.get("type") == "function" and tool.get("strict") is True:
            problem = strict.schema_problem(tool.get("parameters") or {"type": "object", "properties": {}})
            if problem is not None:
                raise _error(
                    400, f"Invalid schema for function '{tool.get('name')}': In context={problem[0]!r}, {problem[1]}",
                    f"tools[{i}].parameters", "invalid_function_parameters",
                )  # fmt: skip
    fmt = (body.get("text") or {}).get("format") or {}
    if fmt.get("type") == "json_schema" and fmt.get("strict") is True:
        problem = strict.schema_problem(fmt.get("schema"))
        if problem is not None:
            raise _error(
                400, f"Invalid schema for response_format '{fmt.get('name')}': In context={problem[0]!r}, {problem[1]}",
                "text.format.schema", "invalid_json_schema",
            )  # fmt: skip


def prepare(call: Call) -> dict[str, Any]:
    """Validate against ``AzureCreateResponse``, apply the strict rules, and build the chat form (``_chat``)."""
    body = strict.check_request(call, dict(call.body))  # a retired deployment fails first (docs/wire.md §V1.6)
    validator = v1_validator("AzureCreateResponse")
    if not validator.is_valid(body):
        err = best_match(validator.iter_errors(body))
        assert err is not None
        where = ".".join(str(p) for p in err.absolute_path) or None
        raise _error(400, f"Invalid value at '{where or 'body'}': {err.message}", where, "invalid_value")
    if not call.state.config.lenient:
        _strict_rules(call, body)
    history: list[dict[str, Any]] = []
    previous = body.get("previous_response_id")
    if previous:
        stored = call.state.responses.get(previous)
        if stored is None:
            raise _error(
                404, f"Previous response with id '{previous}' not found.", "previous_response_id",
                "previous_response_not_found",
            )  # fmt: skip
        history = stored.messages
    chat = to_chat(body, history)
    assert call.model is not None
    check_chat(chat, call.model)  # tools, formats and images the model lacks: 422 as on chat
    _prompt_checks(call, chat, [content_text(m.get("content")) for m in chat["messages"]])
    body["_chat"] = chat
    body["_turn"] = [*history, *input_messages(body.get("input"))]  # what a follow-up's history starts with
    return body


def _ids() -> tuple[str, int]:
    return f"resp_{uuid.uuid4().hex}", int(time.time())


async def respond(call: Call) -> Response:
    """Answer a prepared Responses request, streamed or not."""
    body, model = call.body, call.model
    assert model is not None
    chat, turn = body.pop("_chat"), body.pop("_turn")
    reasoning = _is_reasoning(call)
    as_model = dataclasses.replace(model, think_tags=False, reasoning=reasoning)
    reply = _filter_output(call, _scripted_reply(call) or chat_reply(chat, as_model))
    summary = (body.get("reasoning") or {}).get("summary") in SUMMARIES or bool(
        (body.get("reasoning") or {}).get("generate_summary")
    )
    response_id, created = _ids()
    incomplete = {"length": "max_output_tokens", "content_filter": "content_filter"}.get(reply.finish_reason)
    final = response_object(
        {k: v for k, v in body.items() if k != "stream"},
        response_id=response_id,
        created=created,
        model=strict.answering_model(call),
        status="incomplete" if incomplete else "completed",
        output=output_items(reply, response_id, reasoning=reasoning, summary=summary),
        usage=response_usage(prompt_tokens(chat["messages"], chat.get("tools")), reply),
        incomplete_reason=incomplete,
    )
    if body.get("store", True):
        assistant: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            assistant["tool_calls"] = reply.tool_calls
        # Instructions are not carried over to a follow-up (docs/wire.md §V1.3.3 sends them per request).
        call.state.responses.put(response_id, StoredResponse([*turn, assistant], final))
    if body.get("stream"):
        events = response_events(final, per_piece=call.state.config.chunk_tokens)
        return StreamingResponse(
            _sse(call, events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    return Response(rendering.dumps(final), media_type="application/json")


def _event_bytes(event: Mapping[str, Any]) -> bytes:
    # OpenAI sends an `event:` line too (docs/wire.md §V1.3.4); clients dispatch on the data's `type`.
    return b"event: " + str(event["type"]).encode() + b"\n" + rendering.sse(event)


async def _sse(call: Call, events: Iterable[dict[str, Any]]) -> AsyncIterator[bytes]:
    """The events as SSE, with a stream fault applied after ``after_chunks`` events (no ``[DONE]`` here)."""
    fault = call.stream_fault
    kind = fault.kind if fault is not None and fault.kind in STREAM_KINDS else None
    after = fault.after_chunks if fault is not None else 0
    for i, event in enumerate(events):
        if kind is not None and i == after:
            if kind == "malformed_chunk":
                yield MALFORMED_CHUNK
            else:
                if kind == "stream_reset":
                    await drop_connection(call.request.scope)
                elif kind == "stream_error":  # the stream-level `error` event (docs/wire.md §V1.3.4)
                    assert fault is not None
                    message = fault.message or "The model server failed while streaming."
                    error = {"type": "error", "sequence_number": event["sequence_number"], "code": "server_error"}
                    yield _event_bytes({**error, "message": message, "param": None})
                return  # stream_cut: the body ends here, without a final event
        yield _event_bytes(event)
