"""Token counting without sending (``azure_inference.tokens``): exact per OpenAI encoding, else the estimate.

tiktoken reads its encoding files from ``TIKTOKEN_CACHE_DIR``; llama-index-core ships both files this needs, so
the exact counts here read them locally (no download: tests stay on loopback) and skip where it is absent.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from azure_inference.tokens import (
    IMAGE_TOKENS,
    count_messages,
    count_text,
    encoding_name,
    estimate_tokens,
    token_ids,
)


def _bundled_cache() -> str | None:
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except ModuleNotFoundError:  # no llama_index at all (the lowest-versions core environment)
        return None
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "_static" / "tiktoken_cache"
    return str(path) if path.is_dir() else None


CACHE = _bundled_cache()
if CACHE is not None:  # set at collection, before anything loads an encoding
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", CACHE)
try:
    import tiktoken
except ImportError:  # the tiktoken extra is not installed: only the estimate is tested
    tiktoken = None
needs_files = pytest.mark.skipif(
    CACHE is None or tiktoken is None, reason="tiktoken or its local encoding files (llama-index-core) missing"
)

# Counts differently in the two encodings (checked below), so a test can tell which one was used.
SAMPLE = "Die Straßenbahnhaltestelle liegt gegenüber dem Rathaus; 東京都庁舎は新宿にあります。"


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("GPT-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5.1-chat", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("gpt-oss-120b", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("Mistral-large-2411", None),
        ("Llama-3.3-70B-Instruct", None),
        ("DeepSeek-R1", None),
        ("o1x-deployment", None),
        ("my-prod-deployment", None),
        (None, None),
    ],
)
def test_encoding_per_model(model: str | None, encoding: str | None) -> None:
    assert encoding_name(model) == encoding


def test_the_estimate_is_four_ascii_characters_or_one_other_character_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("東京") == 2
    assert estimate_tokens("ab東") == 2  # 0.5 + 1, rounded up


@needs_files
def test_openai_models_are_counted_exactly_in_their_own_encoding() -> None:
    o200k = tiktoken.get_encoding("o200k_base").encode(SAMPLE)
    cl100k = tiktoken.get_encoding("cl100k_base").encode(SAMPLE)
    assert len(o200k) != len(cl100k)  # the sample tells the encodings apart
    assert count_text(SAMPLE, "gpt-4o") == len(o200k)
    assert count_text(SAMPLE, "o3-mini") == len(o200k)
    assert count_text(SAMPLE, "gpt-4") == len(cl100k)
    assert count_text(SAMPLE, "gpt-35-turbo") == len(cl100k)
    assert token_ids(SAMPLE, "gpt-5") == o200k


@needs_files
def test_special_token_text_is_counted_as_text() -> None:
    assert count_text("<|endoftext|>", "gpt-4o") > 1


def test_other_models_get_the_estimate() -> None:
    assert token_ids(SAMPLE, "Mistral-large-2411") is None
    assert count_text(SAMPLE, "Mistral-large-2411") == estimate_tokens(SAMPLE)


@needs_files
def test_messages_add_the_per_message_and_reply_overhead() -> None:
    enc = tiktoken.get_encoding("o200k_base")

    def n(text: str) -> int:
        return len(enc.encode(text))

    messages = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is here?"}, {"type": "image_url", "image_url": {}}],
        },
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "look", "arguments": '{"x": 1}'}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "a cat", "name": "look"},
    ]
    expected = (
        3
        + (3 + n("system") + n("Be brief."))
        + (3 + n("user") + n("What is here?") + IMAGE_TOKENS)
        + (3 + n("assistant") + 3 + n("look") + n('{"x": 1}'))
        + (3 + n("tool") + n("a cat") + n("c1") + 1 + n("look"))
    )
    assert count_messages(messages, "gpt-4o") == expected
    tool = {"type": "function", "function": {"name": "look", "parameters": {"type": "object"}}}
    with_tool = count_messages(messages, "gpt-4o", [tool])
    assert with_tool == expected + n('{"type":"function","function":{"name":"look","parameters":{"type":"object"}}}')


def test_a_callers_counter_replaces_the_model_tokenizer() -> None:
    messages = [{"role": "user", "content": "one two three"}]
    assert count_messages(messages, "gpt-4o", counter=lambda text: len(text.split())) == 3 + 3 + 1 + 3


def _run(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_tiktoken_every_model_gets_the_estimate() -> None:
    code = (
        "import sys; sys.modules['tiktoken'] = None; sys.modules['transformers'] = None\n"
        "from azure_inference.tokens import count_text, estimate_tokens\n"
        f"print(count_text({SAMPLE!r}, 'gpt-4o') == estimate_tokens({SAMPLE!r}))"
    )
    assert _run(code) == "True"


def test_encoding_files_that_cannot_be_fetched_give_the_estimate(tmp_path: Path) -> None:
    # An empty cache and a proxy on a closed loopback port: tiktoken's download fails at once, on loopback.
    code = (
        "from azure_inference.tokens import count_text, estimate_tokens\n"
        f"print(count_text({SAMPLE!r}, 'gpt-4o') == estimate_tokens({SAMPLE!r}))"
    )
    proxy = "http://127.0.0.1:9"
    out = _run(code, TIKTOKEN_CACHE_DIR=str(tmp_path), HTTPS_PROXY=proxy, https_proxy=proxy, NO_PROXY="", no_proxy="")
    assert out == "True"
