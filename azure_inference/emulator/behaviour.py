"""Deterministic chat behaviour: what the emulated model answers (documented in docs/emulator.md).

The reply is a pure function of the request body and the model spec, so the same input always gives the
same output. In order of precedence:

1. Tools (docs/wire.md §3): ``tool_choice`` naming a function or ``"required"`` → a tool call; ``"auto"`` (or
   absent) → a call to every tool whose name the last user message mentions, else to the tool whose name or
   description shares the most words with it, unless the last message is already a tool result.
   Arguments are taken from the conversation where it offers a fitting value (:mod:`.grounding`), else
   generated from the tool's JSON schema (:mod:`.schemagen`); either way they validate against it.
2. After a tool result → an answer quoting it.
3. Context passages plus a question (RAG) → the context sentence sharing the most content words with the
   question.
4. Otherwise → an acknowledgement quoting the last user message (prefixed by ``[seed N]`` when ``seed``
   is set).

``response_format`` json_schema fills the schema the same way; json_object answers with the keys the prompt
names (``with keys setup and punchline``), else ``{"answer": ...}``; reasoning models add
``reasoning_content`` or ``<think>…</think>``. ``stop`` and ``max_tokens`` are applied last.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import tokens
from .catalog import ModelSpec
from .grounding import Hints, keys_named
from .rag import best_passage, content_words, split_question
from .schemagen import generate


@dataclass
class ChatReply:
    """One assistant turn before it is rendered as JSON or SSE.

    Attributes:
        content: Message text (``None`` for a pure tool-call turn).
        reasoning: ``reasoning_content`` text, if any.
        tool_calls: Tool calls in wire form (``{"id", "type", "function": {"name", "arguments"}}``).
        finish_reason: ``stop``, ``length``, ``tool_calls`` or ``content_filter``.
        filtered_category: The content-filter category that cut the output, if any.
        usage: A scripted usage object that overrides the computed one.
    """

    content: str | None
    reasoning: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    finish_reason: str = "stop"
    filtered_category: str | None = None
    usage: dict[str, Any] | None = None


def content_text(content: Any) -> str:
    """The text of a message ``content`` (string, or the ``text`` parts of a part list)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            p.get("text", "")
            for p in content
            if isinstance(p, Mapping) and p.get("type") == "text" and isinstance(p.get("text"), str)
        )
    return ""


def count_parts(content: Any, kinds: tuple[str, ...]) -> int:
    """Number of content parts whose ``type`` is one of ``kinds``."""
    if not isinstance(content, list):
        return 0
    return sum(1 for p in content if isinstance(p, Mapping) and p.get("type") in kinds)


AUDIO_PARTS = ("input_audio", "audio_input", "audio_url")


def prompt_tokens(messages: Sequence[Mapping[str, Any]], tools: Sequence[Any] | None = None) -> int:
    """Prompt tokens: per message 1 + its text tokens + tool-call tokens + fixed image/audio costs,
    plus the tokens of the tools' JSON (docs/emulator.md, "Token counts")."""
    total = 0
    for msg in messages:
        content = msg.get("content")
        total += tokens.MESSAGE_OVERHEAD + tokens.count(content_text(content))
        total += tokens.IMAGE_TOKENS * count_parts(content, ("image_url",))
        total += tokens.AUDIO_TOKENS * count_parts(content, AUDIO_PARTS)
        calls = msg.get("tool_calls")
        # A message type without tool_calls in the spec (user, system) may still carry the key unvalidated.
        for call in calls if isinstance(calls, list) else ():
            fn = (call.get("function") or {}) if isinstance(call, Mapping) else {}
            args = fn.get("arguments", "")
            total += tokens.count(str(fn.get("name", ""))) + tokens.count(
                args if isinstance(args, str) else json.dumps(args)
            )
    if tools:
        total += tokens.count(json.dumps(list(tools)))
    return total


def completion_tokens(reply: ChatReply) -> int:
    """Completion tokens: content + reasoning + each tool call's name and arguments."""
    n = tokens.count(reply.content or "") + tokens.count(reply.reasoning or "")
    for call in reply.tool_calls:
        n += tokens.count(call["function"]["name"]) + tokens.count(call["function"]["arguments"])
    return n


def usage_for(prompt: int, reply: ChatReply) -> dict[str, Any]:
    """The ``usage`` object (docs/wire.md §3.3), or the scripted one."""
    if reply.usage is not None:
        return reply.usage
    completion = completion_tokens(reply)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "completion_tokens_details": {
            "audio_tokens": 0,
            "reasoning_tokens": tokens.count(reply.reasoning or ""),
            "total_tokens": completion,
        },
        "prompt_tokens_details": {"audio_tokens": 0, "cached_tokens": 0},
    }


def stable_hash(*parts: Any) -> str:
    """A short, process-independent hash (unlike ``hash()``)."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def last_user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """Text of the last user message ('' when there is none)."""
    for msg in reversed(messages):
        if msg.get("role") == "user":
            return content_text(msg.get("content"))
    return ""


def grounding_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The text values are drawn from: the last user message and the tool results that follow it."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "user":
            later = [content_text(m.get("content")) for m in messages[i + 1 :] if m.get("role") == "tool"]
            return "\n".join([content_text(messages[i].get("content")), *later])
    return ""


def _tool_name(tool: Mapping[str, Any]) -> str:
    return str((tool.get("function") or {}).get("name", ""))


def choose_tools(
    messages: Sequence[Mapping[str, Any]], tools: Sequence[Mapping[str, Any]], tool_choice: Any
) -> list[Mapping[str, Any]]:
    """The tools to call this turn (empty: answer in text). See the module docstring, rule 1."""
    if not tools or tool_choice == "none":
        return []
    if isinstance(tool_choice, Mapping):
        wanted = str((tool_choice.get("function") or {}).get("name", ""))
        return [t for t in tools if _tool_name(t) == wanted][:1]
    user = last_user_text(messages)
    lowered = user.lower()
    mentioned = [
        t
        for t in tools
        if _tool_name(t)
        and (_tool_name(t).lower() in lowered or _tool_name(t).lower().replace("_", " ").replace("-", " ") in lowered)
    ]
    if tool_choice == "required":
        return mentioned[:1] or [_best_tool(tools, user) or tools[0]]
    if messages and messages[-1].get("role") == "tool":
        return []
    if mentioned:
        return mentioned
    best = _best_tool(tools, user)
    return [best] if best else []


def _best_tool(tools: Sequence[Mapping[str, Any]], user: str) -> Mapping[str, Any] | None:
    user_words = {w for w in content_words(user) if len(w) >= 4}
    best, best_score = None, 0
    for tool in tools:
        fn = tool.get("function") or {}
        words = content_words(re.sub(r"[_\-]", " ", str(fn.get("name", ""))) + " " + str(fn.get("description", "")))
        score = len(user_words & words)
        if score > best_score:
            best, best_score = tool, score
    return best


def tool_call(tool: Mapping[str, Any], index: int, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A tool call whose ``arguments`` (a JSON string) validate against the tool's parameter schema."""
    fn = tool.get("function") or {}
    params = fn.get("parameters") or {"type": "object", "properties": {}}
    args = generate(params, Hints(grounding_text(messages)))
    call_id = "call_" + stable_hash(messages, fn.get("name"), index)[:24]
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": str(fn.get("name", "")), "arguments": json.dumps(args)},
    }


def answer_text(messages: Sequence[Mapping[str, Any]], model_name: str, seed: int | None) -> str:
    """The plain-text answer (rules 2-4 of the module docstring)."""
    last = messages[-1] if messages else {}
    if last.get("role") == "tool":
        name = "the tool"
        for msg in reversed(messages):
            for call in msg.get("tool_calls") or ():
                if isinstance(call, Mapping) and call.get("id") == last.get("tool_call_id"):
                    name = str((call.get("function") or {}).get("name", name))
        return f"According to {name}: {content_text(last.get('content')).strip()}"
    user = last_user_text(messages)
    context_part, question = split_question(user)
    context = [content_text(m.get("content")) for m in messages[:-1] if m.get("role") in ("system", "user", "tool")]
    context.append(context_part)
    passage = best_passage(question, context)
    prefix = f"[seed {seed}] " if seed is not None else ""
    if passage:
        return prefix + passage
    excerpt = " ".join(user.split()[:40]) or "your message"
    return f"{prefix}This is {model_name} (emulated). You said: {excerpt}"


def reasoning_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The deterministic ``reasoning_content`` of reasoning models."""
    question = split_question(last_user_text(messages))[1]
    excerpt = " ".join(question.split()[:30]).rstrip(".!?")
    return f"The user asks: {excerpt}. I will look for the most relevant facts and answer concisely."


def json_content(response_format: Mapping[str, Any], text: str, user: str, prompt: str = "") -> str | None:
    """Content for ``response_format`` json_schema / json_object (``None`` for text).

    Args:
        response_format: The request's ``response_format``.
        text: The plain answer (what unmatched string fields get).
        user: The text values are drawn from (:func:`grounding_text`).
        prompt: Where json_object looks for the keys it is asked for (system and user text).
    """
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        return json.dumps(generate(spec.get("schema") or {}, Hints(user, fallback=text)))
    if kind == "json_object":
        keys = keys_named(prompt or user)
        if not keys:
            return json.dumps({"answer": text})
        schema = {"type": "object", "properties": {k: {"type": "string"} for k in keys}, "required": keys}
        return json.dumps(generate(schema, Hints(user, fallback=text)))
    return None


def apply_limits(reply: ChatReply, stop: Sequence[str] | None, max_tokens: int | None) -> ChatReply:
    """Cut ``content`` at the first stop sequence (finish ``stop``) or after ``max_tokens`` (finish ``length``)."""
    if reply.content is not None and stop:
        cuts = [reply.content.find(s) for s in stop if s]
        cuts = [c for c in cuts if c >= 0]
        if cuts:
            reply.content = reply.content[: min(cuts)]
            reply.finish_reason = "stop"
    if max_tokens is not None and completion_tokens(reply) > max_tokens:
        # Reasoning comes first, then content, then tool calls; whatever does not fit is cut, so that
        # completion_tokens never exceeds max_tokens.
        budget = max_tokens
        if reply.reasoning is not None:
            reply.reasoning = tokens.truncate(reply.reasoning, budget)
            budget -= tokens.count(reply.reasoning)
        if reply.content is not None:
            reply.content = tokens.truncate(reply.content, budget)
            budget -= tokens.count(reply.content)
        if reply.tool_calls and completion_tokens(reply) > max_tokens:
            reply.tool_calls = []  # a half-written call is useless; the turn ends with what fitted
            reply.content = reply.content or ""
        reply.finish_reason = "length"
    return reply


def chat_reply(body: Mapping[str, Any], model: ModelSpec) -> ChatReply:
    """The deterministic reply to a validated chat body for ``model``."""
    messages: list[Mapping[str, Any]] = body["messages"]
    chosen = choose_tools(messages, body.get("tools") or [], body.get("tool_choice"))
    reasoning = reasoning_text(messages) if (model.reasoning or model.think_tags) else None
    if chosen:
        reply = ChatReply(
            None, tool_calls=[tool_call(t, i, messages) for i, t in enumerate(chosen)], finish_reason="tool_calls"
        )
    else:
        text = answer_text(messages, model.name, body.get("seed"))
        fmt = body.get("response_format")
        prompt = "\n".join(content_text(m.get("content")) for m in messages if m.get("role") in ("system", "developer"))
        prompt += "\n" + last_user_text(messages)
        content = json_content(fmt, text, grounding_text(messages), prompt) if isinstance(fmt, Mapping) else None
        reply = ChatReply(content if content is not None else text)
    if reasoning and model.think_tags:
        reply.content = f"<think>\n{reasoning}\n</think>\n\n{reply.content or ''}"
    elif reasoning:
        reply.reasoning = reasoning
    stop = body.get("stop")
    return apply_limits(reply, [stop] if isinstance(stop, str) else stop, body.get("max_tokens"))
