"""Authentication headers for each credential kind and surface (docs/wire.md §2.1).

Secrets are unwrapped only here, when a header is built; nothing in this module logs or formats them.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable, Generator
from typing import Any, NamedTuple

from ._config_checks import MaskedHeaders, is_secret_header
from .config import Deployment
from .errors import AuthenticationError, ConfigurationError

__all__ = ["Authenticator"]

_REFRESH_MARGIN = 300.0  # refresh an Entra token five minutes before it expires


def key_headers(deployment: Deployment, key: str) -> dict[str, str]:
    """Headers carrying an API key, as the surface expects (pure; ``key_header="auto"`` reads the surface rules)."""
    mode: str = deployment.key_header
    if mode == "auto":
        mode = deployment.rules.key_header  # docs/wire.md §2.1
    if mode == "api-key":
        return MaskedHeaders({"api-key": key})
    if mode == "bearer":
        return MaskedHeaders({"Authorization": f"Bearer {key}"})
    return MaskedHeaders({"api-key": key, "Authorization": f"Bearer {key}"})


class _TokenCall(NamedTuple):
    """One call the token flow asks its driver to make: ``func(*args)``, possibly async."""

    func: Callable[..., Any]
    args: tuple[Any, ...]
    is_provider: bool
    """True for a ``token_provider``, False for an azure-identity credential's ``get_token``."""


# The async flavours a sync client cannot drive, named with the fix.
_ASYNC_PROVIDER = "the token provider is async; use AsyncInferenceClient, or pass a sync provider"
_ASYNC_CREDENTIAL = (
    "the azure credential is async (azure.identity.aio); use AsyncInferenceClient, or pass a sync credential"
)


class Authenticator:
    """Produces the auth headers for one deployment, caching Entra tokens until shortly before expiry.

    Which token source to call and how its answer is stored is written once, as the generator ``_token_flow``;
    ``headers()`` drives it with plain calls and ``aheaders()`` with awaits (the way httpx drives
    ``Auth.auth_flow`` from its sync and async clients).
    """

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._token: str | None = None
        self._expires_on = 0.0
        self._lock = threading.Lock()
        static: dict[str, str] | None = None
        if deployment.credential is not None:
            static = key_headers(deployment, deployment.credential.get_secret_value())
        elif deployment.bearer_token is not None:
            static = MaskedHeaders({"Authorization": f"Bearer {deployment.bearer_token.get_secret_value()}"})
        elif deployment.token_provider is None and deployment.azure_credential is None:
            static = {}
        self._static = static
        # Single flight (docs/reliability.md): one token fetch per refresh however many calls wait for it.
        self._generation = 0
        self._pending: Any = None
        """The asyncio task fetching a token on ``_pending_loop``, while one is under way."""
        self._pending_loop: Any = None

    def __repr__(self) -> str:
        return f"Authenticator(endpoint={self._deployment.endpoint!r})"

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in messages (used to redact server text)."""
        dep = self._deployment
        values = [self._token or ""]
        for field in (dep.credential, dep.bearer_token):
            if field is not None:
                values.append(field.get_secret_value())
        # Default headers whose name marks a credential (gateway keys; _config_checks.is_secret_header).
        values.extend(v for k, v in dep.headers.items() if is_secret_header(k))
        return [v for v in values if v]

    def _cached(self) -> dict[str, str] | None:
        if self._token is not None and time.time() < self._expires_on - _REFRESH_MARGIN:
            return MaskedHeaders({"Authorization": f"Bearer {self._token}"})
        return None

    def _store(self, token: Any) -> dict[str, str]:
        value = getattr(token, "token", token)
        if not isinstance(value, str) or not value:
            raise AuthenticationError("the token provider returned no token; check the credential", status_code=401)
        expires = getattr(token, "expires_on", None)
        self._token = value
        # A provider that returns a bare string gives no expiry: ask it again next time.
        self._expires_on = float(expires) if expires is not None else 0.0
        self._generation += 1
        return MaskedHeaders({"Authorization": f"Bearer {value}"})

    def _token_flow(self) -> Generator[_TokenCall, Any, dict[str, str]]:
        """Ask for a token from the configured source (yielded to the driver), then store it."""
        dep = self._deployment
        if dep.token_provider is not None:
            result = yield _TokenCall(dep.token_provider, (), is_provider=True)
        else:
            result = yield _TokenCall(dep.azure_credential.get_token, (dep.scope,), is_provider=False)
        return self._store(result)

    def headers(self) -> dict[str, str]:
        """Auth headers for a synchronous request."""
        if self._static is not None:
            return self._static
        cached = self._cached()
        if cached is not None:
            return cached
        seen = self._generation
        with self._lock:
            # Threads that queued here while another fetched use its token: one fetch per refresh.
            if self._generation != seen and self._token is not None:
                return MaskedHeaders({"Authorization": f"Bearer {self._token}"})
            cached = self._cached()
            if cached is not None:
                return cached
            flow = self._token_flow()
            call = next(flow)
            if not call.is_provider and inspect.iscoroutinefunction(call.func):
                raise ConfigurationError(_ASYNC_CREDENTIAL)
            result = call.func(*call.args)
            if inspect.isawaitable(result):
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # never awaited: close the coroutine so Python does not warn about it
                raise ConfigurationError(_ASYNC_PROVIDER if call.is_provider else _ASYNC_CREDENTIAL)
            return _finish(flow, result)

    async def aheaders(self) -> dict[str, str]:
        """Auth headers for an asynchronous request (sync credentials run in a worker thread)."""
        if self._static is not None:
            return self._static
        cached = self._cached()
        if cached is not None:
            return cached
        import asyncio  # here, so the sync path never imports it

        loop = asyncio.get_running_loop()
        task = self._pending
        if task is None or self._pending_loop is not loop or task.done():
            # One fetch per refresh for all tasks of this loop; a caller cancelled while waiting does not
            # cancel the fetch the others wait for (shield).
            task = self._pending = loop.create_task(self._afetch())
            self._pending_loop = loop
            task.add_done_callback(self._fetched)
        headers: dict[str, str] = await asyncio.shield(task)
        return headers

    def _fetched(self, task: Any) -> None:
        if self._pending is task:
            self._pending = None
        if not task.cancelled():
            task.exception()  # retrieved here, so a failure no caller awaited is not logged as unhandled

    async def _afetch(self) -> dict[str, str]:
        flow = self._token_flow()
        call = next(flow)
        if call.is_provider or inspect.iscoroutinefunction(call.func):
            result = call.func(*call.args)
            if inspect.isawaitable(result):
                result = await result
        else:
            import asyncio

            # A sync azure-identity credential may do network I/O: keep it off the event loop.
            result = await asyncio.to_thread(call.func, *call.args)
        return _finish(flow, result)


def _finish(flow: Generator[_TokenCall, Any, dict[str, str]], result: Any) -> dict[str, str]:
    """Send the token source's answer into the flow and return what the flow returns."""
    try:
        flow.send(result)
    except StopIteration as stop:
        headers: dict[str, str] = stop.value
        return headers
    raise RuntimeError("the token flow asked for a second call")  # pragma: no cover - the flow yields once
