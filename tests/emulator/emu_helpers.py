"""Helpers for the emulator tests (strict SSE parsing, as the azure-ai-inference SDK parses, docs/wire.md §4)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from azure_inference.emulator import EmulatorHandle


def sse_events(response: httpx.Response) -> tuple[list[dict[str, Any]], bool]:
    """Parse an SSE body strictly: LF only, every non-blank line ``data: <one-line JSON>``.

    Returns:
        The JSON events and whether ``data: [DONE]`` ended the stream.
    """
    text = response.text
    assert "\r" not in text, "SSE must use LF line endings"
    events: list[dict[str, Any]] = []
    done = False
    blocks = text.split("\n\n")
    assert blocks[-1] == "", f"stream must end with a blank line: {text[-80:]!r}"
    for block in blocks[:-1]:
        assert "\n" not in block, f"one line per event: {block!r}"
        assert block.startswith("data: "), f"only 'data: ' lines: {block!r}"
        payload = block[len("data: ") :]
        assert not done, "nothing may follow [DONE]"
        if payload == "[DONE]":
            done = True
            continue
        events.append(json.loads(payload))
    return events, done


def fold_content(events: list[dict[str, Any]], key: str = "content") -> str:
    return "".join(c["delta"].get(key) or "" for ev in events for c in ev["choices"])


API = "2025-05-01"


class Emu:
    """Small helper around an emulator handle and one httpx client."""

    def __init__(self, handle: EmulatorHandle, client: httpx.Client):
        self.handle = handle
        self.http = client
        self.control = handle.control

    def post(self, path: str, body: Any, *, api_version: str | None = API, **kw: Any) -> httpx.Response:
        params = {"api-version": api_version} if api_version else None
        return self.http.post(self.handle.url + path, json=body, params=params, **kw)

    def chat(
        self,
        messages: list[dict[str, Any]] | str,
        prefix: str = "/models",
        headers: dict[str, str] | None = None,
        **body: Any,
    ) -> httpx.Response:
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        return self.post(prefix + "/chat/completions", {"messages": messages, **body}, headers=headers)
