"""Token counts for prompts, without sending anything: exact for OpenAI models, a documented estimate otherwise.

Both adapters count with this module (LangChain's ``get_num_tokens`` / ``get_num_tokens_from_messages``, which
``trim_messages(token_counter=llm)`` calls; LlamaIndex's ``tokenizer`` / ``count_tokens``), and a quota budget
can use the same numbers before a request is sent.

- OpenAI-family models are counted with ``tiktoken`` (the optional ``tiktoken`` extra) in the model's own
  encoding: ``o200k_base`` for gpt-4o, gpt-4.1, gpt-4.5, gpt-5, the o-series and gpt-oss; ``cl100k_base`` for
  gpt-4, gpt-3.5 / gpt-35 and the OpenAI embedding models (:func:`encoding_name`). Dated or suffixed names
  (``gpt-4o-2024-08-06``, ``gpt-4o-mini``) count as their family.
- Any other model (Mistral, Llama, Phi, DeepSeek ..., or a deployment name that does not say which model it
  is), and every model when ``tiktoken`` is not installed or its encoding files cannot be loaded (they are
  downloaded once, then cached), gets :func:`estimate_tokens`: one token per 4 ASCII characters, one per other
  character, rounded up. It is deliberately on the high side for English prose (most tokenizers do 4-5
  characters per token) and close for scripts without spaces (CJK: about one token per character), so a budget
  built on it errs towards sending less. ``transformers`` is never needed.

Chat messages add a fixed overhead per message and per reply (:func:`count_messages`), as OpenAI's own
accounting does; image parts count a flat :data:`IMAGE_TOKENS`.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = [
    "IMAGE_TOKENS",
    "count_messages",
    "count_text",
    "encoding_name",
    "estimate_tokens",
    "token_ids",
]

logger = logging.getLogger("azure_inference.tokens")

IMAGE_TOKENS = 85
"""Tokens counted per image part: the base cost of a low-detail image on OpenAI vision models."""
_PER_MESSAGE = 3  # role and separators around each message
_PER_NAME = 1
_PER_REPLY = 3  # the assistant reply is primed with <|start|>assistant<|message|>
_PER_TOOL_CALL = 3

# o200k is tried first, so "gpt-4o" / "gpt-4.1" never fall to the "gpt-4" prefix; a prefix matches whole or
# followed by "-", "." or "_" (dated and size suffixes), never as part of a longer word.
_O200K = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "o1", "o3", "o4", "gpt-oss", "codex-mini")
_CL100K = ("gpt-4", "gpt-35", "gpt-3.5", "text-embedding-3", "text-embedding-ada-002")

_lock = threading.Lock()
_encoders: dict[str, Callable[[str], list[int]] | None] = {}


def encoding_name(model: str | None) -> str | None:
    """The tiktoken encoding of an OpenAI-family model name, or ``None`` for any other model (pure)."""
    if not model:
        return None
    name = model.strip().lower().rsplit("/", 1)[-1]  # "azure_openai/gpt-4o", "openai/gpt-oss-120b"
    for prefixes, encoding in ((_O200K, "o200k_base"), (_CL100K, "cl100k_base")):
        for prefix in prefixes:
            if name == prefix or name.startswith((prefix + "-", prefix + ".", prefix + "_")):
                return encoding
    return None


def estimate_tokens(text: str) -> int:
    """The documented estimate: ``ceil(ascii_chars / 4 + other_chars)`` (see the module docstring; pure)."""
    if not text:
        return 0
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return math.ceil(ascii_chars / 4 + (len(text) - ascii_chars))


def _encoder(encoding: str) -> Callable[[str], list[int]] | None:
    """tiktoken's ``encode`` for ``encoding`` (loaded once), or ``None`` when tiktoken or its files are missing."""
    if encoding in _encoders:
        return _encoders[encoding]
    with _lock:
        if encoding not in _encoders:
            _encoders[encoding] = _load(encoding)
    return _encoders[encoding]


def _load(encoding: str) -> Callable[[str], list[int]] | None:
    try:
        import tiktoken
    except ImportError:
        logger.debug("tiktoken is not installed: token counts are estimates (install the 'tiktoken' extra)")
        return None
    try:
        codec = tiktoken.get_encoding(encoding)
    except Exception as exc:
        # Remembered for the process: an offline machine does not retry the download on every count.
        logger.warning("tiktoken could not load %s (%s): token counts are estimates", encoding, type(exc).__name__)
        return None

    def encode(text: str) -> list[int]:
        # Text that looks like a special token ("<|endoftext|>") is counted as text, never refused.
        return codec.encode(text, disallowed_special=())

    return encode


def token_ids(text: str, model: str | None) -> list[int] | None:
    """The model's token ids for ``text``, or ``None`` when no exact tokenizer is known or available."""
    encoding = encoding_name(model)
    encode = _encoder(encoding) if encoding else None
    return encode(text) if encode is not None else None


def count_text(text: str, model: str | None) -> int:
    """Tokens in ``text`` for ``model``: exact where :func:`token_ids` is, else :func:`estimate_tokens`."""
    ids = token_ids(text, model)
    return len(ids) if ids is not None else estimate_tokens(text)


def _content_tokens(content: Any, count: Callable[[str], int]) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return count(content)
    total = 0
    for part in content if isinstance(content, Sequence) else ():
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "text":
            total += count(str(part.get("text", "")))
        elif kind in ("image_url", "input_image"):
            total += IMAGE_TOKENS
        elif isinstance(part, Mapping):  # audio, files: their text form is the best estimate we have
            total += count(json.dumps(part, ensure_ascii=False))
    return total


def count_messages(
    messages: Sequence[Mapping[str, Any]],
    model: str | None,
    tools: Sequence[Mapping[str, Any]] | None = None,
    *,
    counter: Callable[[str], int] | None = None,
) -> int:
    """Prompt tokens of wire-shaped chat messages (and tool definitions) for ``model`` (pure but for tiktoken).

    Each message costs its role, content, ``name`` and tool calls plus a fixed overhead, the reply a fixed
    priming; tool definitions are counted as their JSON text. ``counter`` replaces :func:`count_text` (a
    caller's own tokenizer).
    """

    def count(text: str) -> int:
        return counter(text) if counter is not None else count_text(text, model)

    total = _PER_REPLY
    for message in messages:
        total += _PER_MESSAGE + count(str(message.get("role", "")))
        total += _content_tokens(message.get("content"), count)
        for key in ("reasoning_content", "tool_call_id"):
            if message.get(key):
                total += count(str(message[key]))
        if message.get("name"):
            total += _PER_NAME + count(str(message["name"]))
        for call in message.get("tool_calls") or ():
            function = call.get("function") or {}
            arguments = function.get("arguments", "")
            arguments = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
            total += _PER_TOOL_CALL + count(str(function.get("name", ""))) + count(arguments)
    for tool in tools or ():
        total += count(json.dumps(tool, ensure_ascii=False, separators=(",", ":")))
    return total
