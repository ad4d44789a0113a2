"""Reading request bodies within bounds (issue 12): a size limit answered with 413, a nesting limit.

The emulator must not be knocked over by what a client sends: a body is read in pieces and refused as soon as
it passes the configured size, and a parsed body nested deeper than :data:`MAX_BODY_DEPTH` is refused before
anything (the schema validator, the request log's JSON) walks it recursively.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from .errors import ApiError, azure_error

MAX_BODY_DEPTH = 100
"""The deepest nesting of arrays and objects a request body may have (deeper: 400, issue 12)."""
_DRAIN_BYTES = 64 * 1024 * 1024  # read (and discard) this much of a too-large body so the client sees the 413


def too_large(size: int, limit: int) -> ApiError:
    """The 413 of a body over ``limit`` bytes, in Azure's envelope."""
    return azure_error(
        413,
        "RequestEntityTooLarge",
        f"The request body is larger than {limit} bytes ({size} bytes read). Fix: send fewer or smaller inputs "
        "(images, documents), or start the emulator with a larger max_body_bytes.",
        target="body",
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The body, read in pieces and refused with 413 as soon as it passes ``limit`` bytes (issue 12)."""
    declared = request.headers.get("content-length", "")
    over = declared.isdigit() and int(declared) > limit
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            over = True
        if over:
            # Discard (not keep) the rest, up to a cap, so that the client finishes sending and reads the 413
            # instead of a reset connection; past the cap the server answers and closes.
            chunks.clear()
            if size > _DRAIN_BYTES:
                break
            continue
        chunks.append(chunk)
    if over:
        raise too_large(max(size, int(declared) if declared.isdigit() else 0), limit)
    return b"".join(chunks)


def too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays/objects deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False
