"""Authentication headers for each credential kind and surface (WIRE.md §2.1).

Secrets are unwrapped only here, when a header is built; nothing in this module logs or formats them.
"""

from __future__ import annotations

import inspect
import threading
import time
from typing import Any

from .config import Deployment, Surface
from .errors import AuthenticationError, ConfigurationError

__all__ = ["Authenticator"]

_REFRESH_MARGIN = 300.0  # refresh an Entra token five minutes before it expires


def key_headers(deployment: Deployment, key: str) -> dict[str, str]:
    """Headers carrying an API key, as the surface expects (pure)."""
    mode: str = deployment.key_header
    if mode == "auto":
        surface = deployment.resolved_surface
        # WIRE.md §2.1: model-inference endpoints differ (Foundry reads api-key, serverless reads Bearer), so
        # send both as the official SDK does; Azure OpenAI reads api-key; other servers read Bearer.
        mode = {
            Surface.MODEL_INFERENCE: "both",
            Surface.AZURE_OPENAI: "api-key",
            Surface.OPENAI_V1: "api-key",
            Surface.OPENAI_COMPATIBLE: "bearer",
        }[surface]
    if mode == "api-key":
        return {"api-key": key}
    if mode == "bearer":
        return {"Authorization": f"Bearer {key}"}
    return {"api-key": key, "Authorization": f"Bearer {key}"}


class Authenticator:
    """Produces the auth headers for one deployment, caching Entra tokens until shortly before expiry."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment
        self._token: str | None = None
        self._expires_on = 0.0
        self._lock = threading.Lock()
        static: dict[str, str] | None = None
        if deployment.credential is not None:
            static = key_headers(deployment, deployment.credential.get_secret_value())
        elif deployment.bearer_token is not None:
            static = {"Authorization": f"Bearer {deployment.bearer_token.get_secret_value()}"}
        elif deployment.token_provider is None and deployment.azure_credential is None:
            static = {}
        self._static = static

    def __repr__(self) -> str:
        return f"Authenticator(endpoint={self._deployment.endpoint!r})"

    @property
    def secrets(self) -> list[str]:
        """Values that must never appear in messages (used to redact server text)."""
        values = [self._token or ""]
        for field in (self._deployment.credential, self._deployment.bearer_token):
            if field is not None:
                values.append(field.get_secret_value())
        return [v for v in values if v]

    def _cached(self) -> dict[str, str] | None:
        if self._token is not None and time.time() < self._expires_on - _REFRESH_MARGIN:
            return {"Authorization": f"Bearer {self._token}"}
        return None

    def _store(self, token: Any) -> dict[str, str]:
        value = getattr(token, "token", token)
        if not isinstance(value, str) or not value:
            raise AuthenticationError("the token provider returned no token; check the credential", status_code=401)
        expires = getattr(token, "expires_on", None)
        self._token = value
        # A provider that returns a bare string gives no expiry: ask it again next time.
        self._expires_on = float(expires) if expires is not None else 0.0
        return {"Authorization": f"Bearer {value}"}

    def headers(self) -> dict[str, str]:
        """Auth headers for a synchronous request."""
        if self._static is not None:
            return self._static
        cached = self._cached()
        if cached is not None:
            return cached
        with self._lock:
            dep = self._deployment
            if dep.token_provider is not None:
                result = dep.token_provider()
                if inspect.isawaitable(result):
                    close = getattr(result, "close", None)
                    if close is not None:
                        close()
                    raise ConfigurationError(
                        "the token provider is async; use AsyncInferenceClient, or pass a sync provider"
                    )
                return self._store(result)
            getter = dep.azure_credential.get_token
            if inspect.iscoroutinefunction(getter):
                raise ConfigurationError(
                    "the azure credential is async (azure.identity.aio); use AsyncInferenceClient, "
                    "or pass a sync credential"
                )
            return self._store(getter(dep.scope))

    async def aheaders(self) -> dict[str, str]:
        """Auth headers for an asynchronous request (sync providers run in a worker thread)."""
        if self._static is not None:
            return self._static
        cached = self._cached()
        if cached is not None:
            return cached
        dep = self._deployment
        if dep.token_provider is not None:
            result = dep.token_provider()
            if inspect.isawaitable(result):
                result = await result
            return self._store(result)
        getter = dep.azure_credential.get_token
        if inspect.iscoroutinefunction(getter):
            return self._store(await getter(dep.scope))
        import asyncio  # here, so the sync path never imports it

        return self._store(await asyncio.to_thread(getter, dep.scope))
