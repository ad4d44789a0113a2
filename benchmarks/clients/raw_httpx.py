"""The floor: raw httpx posting the same JSON and reading the reply (sync and async)."""

from __future__ import annotations

import base64
import json
import struct
from typing import Any

import httpx

from . import API_VERSION, CHAT_BODY, KEY, MODEL, AsyncHarness, Harness

_HEADERS = {"api-key": KEY, "content-type": "application/json"}
_PARAMS = {"api-version": API_VERSION}
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


def _chat_url(server: str) -> str:
    return server + "/models/chat/completions"


def sync_chat(server: str) -> Harness:
    """One ``httpx.Client``; ``json.loads`` of the reply, content picked out."""
    client = httpx.Client(headers=_HEADERS, params=_PARAMS)
    url = _chat_url(server)

    def run() -> str:
        response = client.post(url, json=CHAT_BODY)
        response.raise_for_status()
        content: str = response.json()["choices"][0]["message"]["content"]
        return content

    return Harness(run, client.close)


def async_chat(server: str) -> AsyncHarness:
    """One ``httpx.AsyncClient`` with a 100-connection pool."""
    client = httpx.AsyncClient(headers=_HEADERS, params=_PARAMS, limits=_LIMITS)
    url = _chat_url(server)

    async def run() -> str:
        response = await client.post(url, json=CHAT_BODY)
        response.raise_for_status()
        content: str = response.json()["choices"][0]["message"]["content"]
        return content

    return AsyncHarness(run, client.aclose)


def stream(server: str) -> Harness:
    """Line iteration with ``iter_lines`` and ``json.loads`` per event: the floor for figure (c)."""
    client = httpx.Client(headers=_HEADERS, params=_PARAMS)
    url = _chat_url(server)

    def run() -> int:
        deltas = 0
        with client.stream("POST", url, json={**CHAT_BODY, "stream": True}) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    deltas += 1
        return deltas

    return Harness(run, client.close)


def embed(server: str) -> Harness:
    """All texts in one request, as floats (the issue's "one float request" baseline)."""
    client = httpx.Client(headers=_HEADERS, params=_PARAMS, timeout=120)
    url = server + "/models/embeddings"

    def run(texts: list[str]) -> list[Any]:
        response = client.post(url, json={"model": MODEL, "input": texts})
        response.raise_for_status()
        return [item["embedding"] for item in response.json()["data"]]

    return Harness(run, client.close)


def decode_base64(data: str) -> list[float]:
    """Little-endian float32 base64 → floats (used by the other raw clients)."""
    raw = base64.b64decode(data)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def stream_responses(server: str) -> Harness:
    """``POST /responses`` streamed: ``iter_lines`` and ``json.loads`` per event, text deltas counted."""
    client = httpx.Client(headers={"authorization": f"Bearer {KEY}", "content-type": "application/json"})
    url = server + "/v1/responses"
    body = {"model": MODEL, "input": "Say hello.", "max_output_tokens": CHAT_BODY["max_tokens"], "stream": True}

    def run() -> int:
        deltas = 0
        with client.stream("POST", url, json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                if event["type"] == "response.output_text.delta" and event["delta"]:
                    deltas += 1
                elif event["type"] == "response.completed":
                    break
        return deltas

    return Harness(run, client.close)
