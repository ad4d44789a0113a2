"""Checks and messages of the configuration: what a credential argument may be, which hosts are loopback,
and how a bad value is described without echoing a secret (a key pasted into ``endpoint`` must not reach logs).

Pure functions used by ``Deployment`` and by the adapters' own validators.
"""

from __future__ import annotations

import ipaddress
import warnings
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from pydantic import SecretStr, ValidationError

from .errors import ConfigurationError

__all__ = [
    "MaskedHeaders",
    "auth_problem",
    "check_endpoint",
    "check_endpoint_text",
    "describe_endpoint",
    "explain",
    "header_problem",
    "is_loopback",
    "is_secret_header",
    "limit_problem",
    "mask_headers",
    "repair_endpoint",
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
# docs/reliability.md "Which headers are secret": a name containing one of these words carries a credential
# (gateway keys, SAS signatures, session tokens), so its value is masked in repr and redacted from messages.
_SECRET_WORDS = ("key", "token", "secret", "auth", "signature", "password", "cookie", "credential", "session")


def is_secret_header(name: str) -> bool:
    """Whether a header's value must be treated as a credential (masked in repr, redacted from messages)."""
    lower = name.lower()
    return lower in _SECRET_HEADERS or any(word in lower for word in _SECRET_WORDS)


# docs/transport.md "Endpoint URLs": a URL copied from a portal or a curl sample often ends with the route.
_ROUTE_SUFFIXES = ("/chat/completions", "/images/embeddings", "/embeddings", "/completions", "/info")
_REPAIRED: set[str] = set()


def repair_endpoint(data: Mapping[str, Any]) -> dict[str, Any]:
    """Strip a route pasted at the end of ``endpoint`` (and its ``?api-version=``), warning once per URL (pure
    but for the warning; a new dict).

    ``.../models/chat/completions?api-version=2024-05-01-preview`` becomes ``.../models`` with that
    ``api_version`` (unless one was given). A query with anything else is left for the validator to refuse.
    """
    out = dict(data)
    value = out.get("endpoint")
    if not isinstance(value, str):
        return out
    parts = urlsplit(value.strip())
    path = parts.path.rstrip("/")
    suffix = next((s for s in _ROUTE_SUFFIXES if path.lower().endswith(s)), None)
    if suffix is None:
        return out
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"api-version"} or parts.fragment:
        return out  # the validator names the query problem
    if query.get("api-version") and out.get("api_version") is None:
        out["api_version"] = query["api-version"][0]
    out["endpoint"] = urlunsplit((parts.scheme, parts.netloc, path[: -len(suffix)], "", ""))
    shown = f"{parts.scheme}://{parts.hostname}{path}"  # never the user:password@ part
    if shown not in _REPAIRED:
        _REPAIRED.add(shown)
        warnings.warn(
            f"endpoint {shown} ends with the route {suffix!r}; using {parts.scheme}://{parts.hostname}"
            f"{path[: -len(suffix)]} (the client adds the route itself). Fix: give the base URL only.",
            UserWarning,
            stacklevel=6,
        )
    return out


def check_endpoint_text(value: str) -> None:
    """Refuse what an endpoint must never hold: credentials (``user:password@``), backslashes, whitespace or
    control characters (the message never shows the value)."""
    if any(ch == "\\" or ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ConfigurationError(
            "endpoint holds a backslash, whitespace or a control character; give a plain URL such as "
            "'https://<resource>.services.ai.azure.com/models'"
        )
    parts = urlsplit(value)
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"endpoint for host {parts.hostname!r} carries user:password@ credentials; remove them from the URL "
            "and pass the key as credential= (it is sent in a header, never in the URL)"
        )


def header_problem(headers: Mapping[str, Any]) -> str | None:
    """What makes these headers unsendable, or None: CR/LF (header injection), other control characters, or
    non-ASCII text (a surrogate, a pasted typographic quote). The value itself is never shown."""
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return f"header {name!r} must map a str name to a str value, not {type(value).__name__}"
        if not name or not all(33 <= ord(ch) <= 126 and ch != ":" for ch in name):
            return f"header name {name!r} is not a token of printable ASCII characters"
        for ch in value:
            code = ord(ch)
            if ch in "\r\n":
                return f"header {name!r} holds a line break (CR/LF), which would split the request; remove it"
            if (code < 32 and ch != "\t") or code >= 127:
                return f"header {name!r} holds a control or non-ASCII character (U+{code:04X}); send plain ASCII"
    return None


def describe_endpoint(value: str) -> str:
    """A description of a bad endpoint that cannot leak it: its scheme and host if any, else its length."""
    parts = urlsplit(value)
    if parts.scheme and parts.hostname:
        return f"scheme {parts.scheme!r} on host {parts.hostname!r}"
    return f"a {len(value)}-character value without an http(s):// scheme"


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with credential-bearing values replaced by ``***`` (for repr)."""
    return {k: "***" if is_secret_header(k) else v for k, v in headers.items()}


class MaskedHeaders(dict[str, str]):
    """A headers dict whose repr masks credential values: what the client keeps its auth headers in, so a
    traceback rendered with locals (Sentry, ``pytest -l``, rich) never shows a key."""

    __slots__ = ()

    def __repr__(self) -> str:
        return repr(mask_headers(self))

    __str__ = __repr__


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


def check_endpoint(value: str) -> str:
    """The endpoint, stripped and without a trailing slash; ``ConfigurationError`` when it is no base URL."""
    value = value.strip()
    parts = urlsplit(value)
    # Never echo the value: a key pasted into the endpoint (arguments swapped) must not reach logs.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"endpoint is not an http(s) URL (got {describe_endpoint(value)}). Give the full URL with its scheme, "
            "e.g. 'https://<resource>.services.ai.azure.com/models'."
        )
    check_endpoint_text(value)
    if parts.query or parts.fragment:
        raise ConfigurationError(
            f"endpoint {parts.scheme}://{parts.hostname}{parts.path} has a query or fragment. Give the base URL "
            "only; set api_version separately."
        )
    return value.rstrip("/")


def limit_problem(field: str, value: Any) -> str | None:
    """What is wrong with a numeric limit of a ``Deployment`` (timeouts, response size, retries, quota), or None."""
    if field in ("timeout", "connect_timeout") and not value > 0:
        return f"timeouts must be positive seconds, got {value!r}"
    if field == "max_response_bytes" and value < 1024:
        return f"max_response_bytes must be at least 1024, got {value}"
    if field == "max_retries" and value < 0:
        return f"max_retries must be >= 0, got {value}"
    if field in ("tokens_per_minute", "requests_per_minute") and value is not None and value <= 0:
        unit = field.split("_")[0]
        return f"{field} must be a positive number of {unit} per minute, or None for no budget; got {value}"
    if field == "token_window_s" and not value > 0:
        return f"token_window_s must be positive seconds, got {value!r}"
    return None


def auth_problem(
    endpoint: str,
    *,
    has_credential: bool,
    allow_no_credential: bool,
    allow_insecure_http: bool,
    deployment_in_path: bool,
    model: str | None,
) -> str | None:
    """What keeps a deployment from being reached safely (no credential, a key over plain http, an Azure
    OpenAI resource without its deployment), or None."""
    host = urlsplit(endpoint).hostname or ""
    loopback = is_loopback(host)
    if not has_credential and not (allow_no_credential or loopback):
        return (
            f"no credential for {endpoint}. Set AZURE_INFERENCE_CREDENTIAL (an API key), pass "
            "credential=..., or pass an azure-identity credential (credential=DefaultAzureCredential())."
        )
    # The parsed scheme (lower-cased by urlsplit): "HTTP://host" is plain http too.
    insecure = urlsplit(endpoint).scheme == "http" and not loopback
    if has_credential and insecure and not allow_insecure_http:
        return (
            f"refusing to send a credential over plain http to {host}. Use https://, or pass "
            "allow_insecure_http=True if this network is trusted."
        )
    if deployment_in_path and "/openai/deployments/" not in endpoint and not model:
        return (
            f"{endpoint} is an Azure OpenAI resource: give the deployment name as model=..., or use the "
            "endpoint '.../openai/deployments/<deployment>'."
        )
    return None
