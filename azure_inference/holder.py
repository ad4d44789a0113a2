"""One lazily built, closable pair of clients for one deployment, shared by both framework adapters.

An adapter object (a LangChain chat model, a LlamaIndex LLM, an embeddings object) owns one ``ClientHolder``.
The holder builds the sync ``InferenceClient`` and the ``AsyncInferenceClient`` on first use, each once (the sync
one under a lock, as ``batch()`` calls arrive from a thread pool), and ``close()`` / ``aclose()`` release them.
The async client keeps one connection pool per event loop and closes it when that loop shuts down, so throwaway
``asyncio.run`` scripts leak no sessions.

Pickling and deep-copying keep the deployment and drop the clients: a copy (another process, a Ray worker, a
``copy.deepcopy``) builds its own on first use. The credential travels inside the ``Deployment`` as a
``SecretStr``, so no ``repr`` of the holder, the deployment or a copy shows it. (A pickle is not a safe
channel: it must carry the key for the copy to authenticate, as any pickled credential does.)
"""

from __future__ import annotations

import contextlib
import copy
import threading
from typing import TYPE_CHECKING, Any

from .config import Deployment

if TYPE_CHECKING:  # the clients (and httpx, asyncio) load when the first client is built, not at import
    from ._async_client import AsyncInferenceClient
    from .client import InferenceClient

__all__ = ["ClientHolder"]


class ClientHolder:
    """The clients of one adapter object, built on first use and closed by ``close`` / ``aclose``.

    Args:
        deployment: where the model is and how to reach it.
        http_client: an ``httpx.Client`` to send sync requests with (the caller's: not closed by us).
        async_http_client: an ``httpx.AsyncClient`` to send async requests with (not closed by us).
    """

    def __init__(self, deployment: Deployment, *, http_client: Any = None, async_http_client: Any = None) -> None:
        self._start(deployment, http_client, async_http_client)

    def _start(self, deployment: Deployment, http_client: Any, async_http_client: Any) -> None:
        self.deployment = deployment
        """The deployment the clients are built for."""
        self._http_client = http_client
        self._async_http_client = async_http_client
        self._sync: InferenceClient | None = None
        self._aio: AsyncInferenceClient | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> InferenceClient:
        """The synchronous client (built on first use, once, even when several threads ask at once)."""
        sync = self._sync
        if sync is None:
            with self._lock:
                sync = self._sync
                if sync is None:
                    from .client import InferenceClient

                    sync = self._sync = InferenceClient(self.deployment, http_client=self._http_client)
        return sync

    @property
    def async_client(self) -> AsyncInferenceClient:
        """The asynchronous client (built on first use; it follows event-loop changes by itself)."""
        aio = self._aio
        if aio is None:
            from ._async_client import AsyncInferenceClient

            aio = self._aio = AsyncInferenceClient(self.deployment, http_client=self._async_http_client)
        return aio

    @property
    def built(self) -> tuple[bool, bool]:
        """Whether the sync and the async client exist now (for tests and diagnostics)."""
        return self._sync is not None, self._aio is not None

    def close(self) -> None:
        """Close the sync client (safe to call twice; the async one needs ``await aclose()``)."""
        sync, self._sync = self._sync, None
        if sync is not None:
            sync.close()

    async def aclose(self) -> None:
        """Close the async client (its pool on the running loop) and the sync client."""
        aio, self._aio = self._aio, None
        if aio is not None:
            await aio.close()
        self.close()

    def __del__(self) -> None:
        # The last adapter holding this went away without close(): release the sync pool's sockets now rather
        # than at interpreter exit. (The async pool is released when its event loop closes.)
        with contextlib.suppress(Exception):
            self.close()

    # -- copies: the deployment travels, the clients are rebuilt on the other side ----------------------------

    def __getstate__(self) -> dict[str, Any]:
        if self._http_client is not None or self._async_http_client is not None:
            raise TypeError(
                "cannot pickle a client holder built with the caller's http_client / async_http_client (an open "
                "connection pool does not travel); build the object without them where it must be pickled, "
                "e.g. for Ray workers: the copy then builds its own clients"
            )
        return {"deployment": self.deployment}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._start(state["deployment"], None, None)

    def __deepcopy__(self, memo: dict[int, Any]) -> ClientHolder:
        # The caller's http clients are shared, not copied (they are theirs, and a pool cannot be copied).
        return ClientHolder(
            copy.deepcopy(self.deployment, memo),
            http_client=self._http_client,
            async_http_client=self._async_http_client,
        )

    def __repr__(self) -> str:
        sync, aio = self.built
        return f"ClientHolder(endpoint={self.deployment.endpoint!r}, sync_built={sync}, async_built={aio})"
