"""Route handlers: validate, then answer as the model would (or as scripted/faulted)."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from starlette.responses import Response, StreamingResponse

from . import checks, embeddings, rendering, strict
from .behaviour import ChatReply, apply_limits, chat_reply, completion_tokens, content_text, prompt_tokens, usage_for
from .behaviour import answer_text as deterministic_answer
from .errors import content_filter_error
from .faults import stream_with_faults
from .script import ScriptEntry
from .tokens import count
from .validation import COMPLETIONS_PROPERTIES, definition_properties, validate_body, validate_completions

if TYPE_CHECKING:
    from .app import Call

OPTIONS = {
    "chat": "ChatCompletionsOptions",
    "embeddings": "EmbeddingsOptions",
    "image_embeddings": "ImageEmbeddingsOptions",
    "image_generations": "ImageGenerationsOptions",
}
JSON = "application/json"


def prepare(call: Call) -> dict[str, Any]:
    """Validate the body against the OpenAPI, apply ``extra-parameters`` and the model's capabilities."""
    body = dict(call.body)  # the request log keeps the body as received
    body = strict.check_request(call, body)  # what the service refuses (docs/wire.md §V1.2.2, §V1.2.5, §V1.6)
    if call.route in ("info", "models"):
        return body
    if call.route == "embeddings" and isinstance(body.get("input"), str):
        body["input"] = [body["input"]]  # OpenAI-style single string; the spec wants string[] (docs/wire.md §5)
    if call.surface != "azure" and "max_completion_tokens" in body and "max_tokens" not in body:
        body["max_tokens"] = body.pop("max_completion_tokens")  # OpenAI's newer name for the same limit
    if call.surface == "deployment" and "model" in body and body["model"] is None:
        del body["model"]  # stock AzureChatOpenAI sends null; the path names the deployment (issue 18)
    if isinstance(body.get("stop"), str):
        body["stop"] = [body["stop"]]  # docs/wire.md §11.14: the docs send a bare string; accept it
    default_mode = "drop" if call.surface == "openai" else "error"
    mode = checks.extra_parameters_mode(call.request.headers.get("extra-parameters"), default_mode)
    if call.route == "completions":
        validate_completions(body)
        known = COMPLETIONS_PROPERTIES
    else:
        spec_name = "2025-05-15-preview" if call.route == "image_generations" else call.spec
        validate_body(spec_name, OPTIONS[call.route], body)
        known = definition_properties(spec_name, OPTIONS[call.route])
    body = checks.apply_extra_parameters(body, known, mode)
    assert call.model is not None
    if call.route == "chat":
        checks.check_chat(body, call.model)
        _prompt_checks(call, body, [content_text(m.get("content")) for m in body["messages"]])
    elif call.route == "completions":
        _prompt_checks(call, body, [_prompt_text(body.get("prompt"))])
    elif call.route in ("embeddings", "image_embeddings"):
        body["_dims"] = checks.check_embeddings(body, call.model, call.route == "image_embeddings")
    return body


def _prompt_checks(call: Call, body: dict[str, Any], texts: Iterable[str]) -> None:
    for text in texts:
        hit = call.state.prompt_blocklist.search(text)
        if hit is not None:
            raise content_filter_error(hit[1], "prompt")
    assert call.model is not None
    n = (
        prompt_tokens(body["messages"], body.get("tools"))
        if "messages" in body
        else count(_prompt_text(body.get("prompt")))
    )
    if n > call.model.context_window:
        raise checks.context_error(n, call.model)


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        return "\n".join(prompt)
    return "<|endoftext|>" if prompt is None else "<tokens>"


def _ids(prefix: str) -> tuple[str, int]:
    return f"{prefix}-{uuid.uuid4().hex[:24]}", int(time.time())


def _json(obj: Any, status: int = 200) -> Response:
    return Response(rendering.dumps(obj), status_code=status, media_type=JSON)


def _filter_output(call: Call, reply: ChatReply) -> ChatReply:
    """Cut the output at a blocked term: 200 with ``finish_reason: content_filter`` (docs/wire.md §9)."""
    for attr in ("content", "reasoning"):
        text = getattr(reply, attr)
        hit = call.state.output_blocklist.search(text or "")
        if hit is not None:
            setattr(reply, attr, text[: hit[0]].rstrip())
            reply.finish_reason = "content_filter"
            reply.filtered_category = hit[1]
            reply.tool_calls = []
    if reply.filtered_category:
        reply.finish_reason = "content_filter"
    return reply


def _scripted_reply(call: Call) -> ChatReply | None:
    entry = call.entry
    if isinstance(entry, ScriptEntry) and entry.kind == "reply" and entry.reply is not None:
        r = entry.reply
        return ChatReply(
            r.content, r.reasoning, [dict(c) for c in r.tool_calls], r.finish_reason, r.filtered_category, r.usage
        )
    return None


def _sse_response(call: Call, chunks: Iterable[dict[str, Any]]) -> Response:
    return StreamingResponse(
        stream_with_faults(chunks, call.stream_fault, call.request.scope),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def _wav(transcript: str) -> str:
    # A valid, silent, 8 kHz mono 16-bit WAV with one sample per transcript character.
    n = max(len(transcript), 1) * 2
    header = (
        b"RIFF"
        + (36 + n).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + (1).to_bytes(2, "little")
        + (8000).to_bytes(4, "little")
        + (16000).to_bytes(4, "little")
        + (2).to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + n.to_bytes(4, "little")
    )
    return base64.b64encode(header + b"\x00" * n).decode()


async def chat(call: Call) -> Response:
    """``POST /chat/completions`` (docs/wire.md §3, §4)."""
    body, model = call.body, call.model
    assert model is not None
    reply = _scripted_reply(call) or chat_reply(body, model)
    reply = _filter_output(call, reply)
    usage = usage_for(prompt_tokens(body["messages"], body.get("tools")), reply)
    cid, created = _ids("chatcmpl")
    if body.get("stream"):
        opts = body.get("stream_options")
        include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
        chunks = rendering.chat_chunks(
            reply,
            cid=cid,
            created=created,
            model=model.name,
            usage=usage,
            include_usage=include_usage,
            openai_style=call.surface != "azure",
            chunk_tokens=call.state.config.chunk_tokens,
        )
        return _sse_response(call, strict.finish_chunks(call, chunks))
    audio = None
    if "audio" in (body.get("modalities") or []):
        transcript = reply.content or ""
        audio = {
            "id": "audio_" + hashlib.sha1(transcript.encode()).hexdigest()[:16],
            "expires_at": created + 3600,
            "data": _wav(transcript),
            "format": "wav",
            "transcript": transcript,
        }
    completion = rendering.chat_completion(reply, cid=cid, created=created, model=model.name, usage=usage, audio=audio)
    return _json(strict.finish_completion(call, completion))


async def completions(call: Call) -> Response:
    """Legacy ``POST /completions`` (docs/wire.md §8): the chat behaviour applied to the prompt as a user turn."""
    body, model = call.body, call.model
    assert model is not None
    prompt = _prompt_text(body.get("prompt"))
    reply = _scripted_reply(call)
    if reply is None:
        reply = ChatReply(deterministic_answer([{"role": "user", "content": prompt}], model.name, body.get("seed")))
        stop = body.get("stop")
        reply = apply_limits(reply, stop, body.get("max_tokens", 256))
    reply = _filter_output(call, reply)
    text = reply.content or ""
    n_prompt = count(prompt)
    usage = reply.usage or {
        "prompt_tokens": n_prompt,
        "completion_tokens": completion_tokens(reply),
        "total_tokens": n_prompt + completion_tokens(reply),
    }
    cid, created = _ids("cmpl")
    if body.get("stream"):
        opts = body.get("stream_options")
        include_usage = isinstance(opts, dict) and bool(opts.get("include_usage"))
        return _sse_response(
            call,
            rendering.text_chunks(
                text,
                reply.finish_reason,
                cid=cid,
                created=created,
                model=model.name,
                usage=usage,
                include_usage=include_usage,
                chunk_tokens=call.state.config.chunk_tokens,
            ),
        )
    return _json(
        rendering.text_completion(text, reply.finish_reason, cid=cid, created=created, model=model.name, usage=usage)
    )


def _embedding_result(call: Call, vectors: list[list[float]], prompt: int) -> Response:
    assert call.model is not None
    fmt = call.body.get("encoding_format") or "float"
    nested = call.stream_fault is not None and call.stream_fault.kind == "nested_embedding"
    data = []
    for i, vec in enumerate(vectors):
        value = embeddings.encode(vec, fmt)
        data.append({"object": "embedding", "index": i, "embedding": [value] if nested else value})
    cid, _ = _ids("embd")
    return _json(
        {
            "id": cid,
            "object": "list",
            "model": call.model.name,
            "data": data,
            "usage": {"prompt_tokens": prompt, "total_tokens": prompt},
        }
    )


async def embed(call: Call) -> Response:
    """``POST /embeddings`` (docs/wire.md §5)."""
    inputs = call.body["input"]
    inputs = [inputs] if isinstance(inputs, str) else inputs
    dims = call.body["_dims"]
    vectors = [embeddings.text_embedding(text, dims) for text in inputs]
    return _embedding_result(call, vectors, sum(count(t) for t in inputs))


async def embed_images(call: Call) -> Response:
    """``POST /images/embeddings`` (docs/wire.md §6); each image counts one token, plus its text's tokens."""
    dims = call.body["_dims"]
    items = call.body["input"]
    vectors = [embeddings.image_embedding(it["image"], it.get("text"), dims) for it in items]
    return _embedding_result(call, vectors, sum(1 + count(it.get("text") or "") for it in items))


async def info(call: Call) -> Response:
    """``GET /info`` (docs/wire.md §7)."""
    assert call.model is not None
    return _json(
        {"model_name": call.model.name, "model_type": call.model.model_type, "model_provider_name": call.model.provider}
    )


async def models(call: Call) -> Response:
    """OpenAI-style ``GET /v1/models``."""
    data = [
        {"id": m.name, "object": "model", "created": 0, "owned_by": m.provider}
        for m in call.state.config.catalog.models.values()
    ]
    return _json({"object": "list", "data": data})


_PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


async def image_generations(call: Call) -> Response:
    """``POST /images/generations`` (P25, docs/wire.md §8b): ``n`` 1×1 PNGs with deterministic seeds."""
    assert call.model is not None
    n = int(call.body.get("n", 1))
    seed = int(call.body.get("seed", int(hashlib.sha1(call.body["prompt"].encode()).hexdigest()[:8], 16)))
    cid, created = _ids("img")
    return _json(
        {
            "id": cid,
            "created": created,
            "model": call.model.name,
            "object": "image.generation",
            "data": [{"image": _PNG_1X1, "seed": seed + i} for i in range(n)],
            "usage": {"image_generations": n},
        }
    )


HANDLERS: dict[str, Callable[[Call], Awaitable[Response]]] = {
    "chat": chat,
    "completions": completions,
    "embeddings": embed,
    "image_embeddings": embed_images,
    "info": info,
    "models": models,
    "image_generations": image_generations,
}
