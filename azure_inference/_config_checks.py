"""Checks and messages of the configuration: what a credential argument may be, which hosts are loopback,
and how a bad value is described without echoing a secret (a key pasted into ``endpoint`` must not reach logs).

Pure functions used by ``Deployment`` and by the adapters' own validators.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from .errors import ConfigurationError

__all__ = [
    "describe_endpoint",
    "explain",
    "is_loopback",
    "mask_headers",
    "reraise_configuration_error",
    "route_credential",
]


def route_credential(data: Mapping[str, Any], *, key: str = "credential") -> dict[str, Any]:
    """Move a credential object given as ``credential=`` to the field that takes it (pure; a new dict).

    ``credential=`` accepts, for convenience, what azure-identity users have at hand: a ``TokenCredential`` /
    ``AsyncTokenCredential`` (anything with ``get_token``) goes to ``azure_credential``, a callable to
    ``token_provider``, an ``AzureKeyCredential`` (anything with ``key``) becomes the API key. Strings,
    ``SecretStr`` and ``None`` stay where they are. ``Deployment`` and the adapters' before-validators share it.

    Args:
        data: The keyword arguments given to the model.
        key: The name the credential was given under (the LangChain adapter also accepts ``api_key``).

    Returns:
        A copy of ``data`` with the credential routed.

    Raises:
        ConfigurationError: The credential is of none of these kinds (the message names its type only).
    """
    out = dict(data)
    cred = out.get(key)
    if cred is None or isinstance(cred, (str, SecretStr)):
        return out
    del out[key]
    if hasattr(cred, "get_token"):
        out["azure_credential"] = cred
    elif callable(cred):
        out["token_provider"] = cred
    elif hasattr(cred, "key"):  # azure.core.credentials.AzureKeyCredential
        out[key] = SecretStr(str(cred.key))
    else:
        raise ConfigurationError(
            f"credential must be an API key string, a TokenCredential or a token provider callable, "
            f"not {type(cred).__name__}"
        )
    return out


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ::1)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_SECRET_HEADERS = ("authorization", "api-key", "ocp-apim-subscription-key", "x-api-key", "cookie")


def describe_endpoint(value: str) -> str:
    """A description of a bad endpoint that cannot leak it: its scheme and host if any, else its length."""
    parts = urlsplit(value)
    if parts.scheme and parts.hostname:
        return f"scheme {parts.scheme!r} on host {parts.hostname!r}"
    return f"a {len(value)}-character value without an http(s):// scheme"


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credential-bearing values replaced by ``***`` (for repr)."""
    return {k: "***" if k.lower() in _SECRET_HEADERS or "key" in k.lower() else v for k, v in headers.items()}


def reraise_configuration_error(exc: ValidationError) -> None:
    """Raise the ``ConfigurationError`` a pydantic ``ValidationError`` wraps, if it wraps one.

    Pydantic wraps every ``ValueError`` raised in a validator; adapters whose validators build a
    ``Deployment`` call this so users catch our typed error, not pydantic's wrapper.
    """
    for err in exc.errors(include_url=False):
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, ConfigurationError):
            raise cause from None


def explain(exc: ValidationError) -> str:
    """One readable line per problem, without pydantic's boilerplate (and never the input of a secret field)."""
    lines = []
    for err in exc.errors(include_input=False, include_url=False):
        msg = str(err["msg"]).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            msg = f"unknown Deployment field {loc!r}"
        lines.append(msg if err["type"] == "value_error" or not loc else f"{loc}: {msg}")
    return "; ".join(lines)
