"""The async floor: raw aiohttp posting the same JSON."""

from __future__ import annotations

import json

import aiohttp

from . import API_VERSION, CHAT_BODY, KEY, AsyncHarness


def async_chat(server: str) -> AsyncHarness:
    """One ``aiohttp.ClientSession`` (created lazily inside the running loop)."""
    url = server + "/models/chat/completions"
    payload = json.dumps(CHAT_BODY).encode()
    headers = {"api-key": KEY, "content-type": "application/json"}
    state: dict[str, aiohttp.ClientSession] = {}

    async def run() -> str:
        session = state.get("s")
        if session is None:
            session = state["s"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))
        async with session.post(url, data=payload, headers=headers, params={"api-version": API_VERSION}) as resp:
            resp.raise_for_status()
            body = await resp.json()
        content: str = body["choices"][0]["message"]["content"]
        return content

    async def close() -> None:
        if "s" in state:
            await state["s"].close()

    return AsyncHarness(run, close)
