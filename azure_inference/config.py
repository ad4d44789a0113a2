"""``Deployment``: everything needed to reach one model, built in code, from the environment or a TOML profile.

Switching the model behind a pipeline is a configuration change: the same code runs against
``Deployment.from_env()``, ``Deployment.from_profile("prod")`` or ``Deployment(endpoint=..., credential=...)``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ._config_checks import (
    auth_problem,
    check_endpoint,
    explain,
    header_problem,
    is_loopback,
    limit_problem,
    mask_headers,
    repair_endpoint,
    reraise_configuration_error,
    route_credential,
)
from ._surfaces import RULES, Surface, SurfaceRules, detect_surface, token_scope
from .errors import ConfigurationError
from .profiles import default_profile_name, load_profiles, profile_fields

if TYPE_CHECKING:
    from .budget.store import Limits

__all__ = [
    "DEFAULT_API_VERSIONS",
    "Deployment",
    "ExtraParameters",
    "Surface",
    "detect_surface",
    "is_loopback",
    "load_profiles",
    "reraise_configuration_error",
    "route_credential",
]

ExtraParameters = Literal["error", "drop", "pass-through"]
"""What the service does with body keys the spec does not define (docs/wire.md §2.2)."""

TokenProvider = Callable[[], "str | Awaitable[str]"]


DEFAULT_API_VERSIONS: dict[Surface, str | None] = {s: rules.default_api_version for s, rules in RULES.items()}
"""The ``api-version`` sent per surface when none is configured (from the surface rules, ``_surfaces.py``)."""


class Deployment(BaseModel):
    """One model behind one endpoint: where it is, how to authenticate, and how to talk to it.

    Build it in code, with ``Deployment.from_env()`` or with ``Deployment.from_profile(name)``. Invalid
    endpoints and missing credentials raise ``ConfigurationError`` at construction, before anything is sent.
    """

    # defer_build: the validator is built at the first Deployment(), not at import.
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True, extra="forbid", defer_build=True)

    endpoint: str
    """Base URL, e.g. ``https://<res>.services.ai.azure.com/models`` or ``.../openai/deployments/<name>``."""
    credential: SecretStr | None = Field(default=None, repr=False)
    """API key, sent as each surface expects (``api-key`` and/or ``Authorization: Bearer``)."""
    bearer_token: SecretStr | None = Field(default=None, repr=False)
    """A static Entra ID (or other) bearer token."""
    token_provider: Any = Field(default=None, repr=False)
    """A callable returning a bearer token, sync or async; called for every request."""
    azure_credential: Any = Field(default=None, repr=False)
    """An azure-identity ``TokenCredential`` or ``AsyncTokenCredential``; tokens are cached and refreshed."""
    token_scope: str | None = None
    """Entra scope; default chosen by surface (``cognitiveservices`` or ``ml.azure.com``)."""
    key_header: Literal["auto", "api-key", "bearer", "both"] = "auto"
    """How an API key is sent; ``auto`` picks by surface (docs/wire.md §2.1)."""
    allow_no_credential: bool = False
    """Allow a deployment without any credential (local servers); loopback endpoints allow it by default."""
    allow_insecure_http: bool = False
    """Allow sending a credential over plain ``http://`` to a host that is not loopback."""
    surface: Surface | None = None
    """The API surface; detected from the endpoint when not given."""
    api_version: str | None = None
    """``api-version`` query value; default per surface (``2024-05-01-preview`` for model-inference)."""
    model: str | None = None
    """Model or deployment name sent in the body (multi-model endpoints) or used in the Azure OpenAI path."""
    extra_parameters: ExtraParameters | None = None
    """``extra-parameters`` header mode; ``None`` sends ``pass-through`` only when extra keys are present."""
    timeout: float = 60.0
    """Seconds one attempt may take as a whole (connect, send, wait, read)."""
    connect_timeout: float = 10.0
    """Seconds to establish a connection."""
    max_retries: int = 2
    """Retries after the first attempt for retryable failures; 0 disables."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra headers sent with every request."""
    model_params: dict[str, Any] = Field(default_factory=dict)
    """Default body parameters (e.g. ``temperature``) merged under each request's own."""
    max_prompt_chars: int | None = 4_000_000
    """Refuse prompts longer than this many characters before sending (larger than any context window)."""
    max_response_bytes: int = 256 * 1024 * 1024
    """Refuse a response body larger than this many bytes, counted after decompression (docs/reliability.md):
    generous enough for 2,048 float embeddings of 3,072 dimensions; an error body is read only in part."""
    name: str | None = None
    """A label for this deployment (the profile name when loaded from a profile)."""
    telemetry: bool | None = None
    """OpenTelemetry GenAI spans and metrics for this deployment's calls (``docs/telemetry.md``; needs the
    ``otel`` extra). ``None`` follows ``AZURE_INFERENCE_TELEMETRY`` (``1``/``true`` on, ``0``/``false`` off)."""
    model_family: str | None = None
    """The known model behind a deployment whose name is not a model name (``"o4-mini"``); see ``KNOWN_MODELS``."""
    api: Literal["chat", "responses"] = "chat"
    """Which API the adapters speak to this deployment: ``chat`` (``/chat/completions``) or ``responses``
    (``POST /responses``, docs/wire.md §V1.3; not on the model-inference surface). Profile key ``api``, environment
    ``AZURE_INFERENCE_API``. The transport offers both methods whatever this says; the adapters read it."""
    adapt: Literal["auto", "off"] = "auto"
    """``auto``: on a recognised refusal, rewrite the request once and remember it (``adapt.py``), and after a 429
    that names the deployment's quota (``x-ratelimit-limit-*``) wait for that budget (docs/quota.md); ``off``: raise,
    and only retry 429s."""
    tokens_per_minute: int | None = None
    """The deployment's quota in tokens per minute (TPM). When it or ``requests_per_minute`` is set, every client of
    this deployment in the process shares one budget and waits for it before each attempt, so bulk work runs at
    the quota instead of into 429s (docs/quota.md). ``None``: no budget."""
    requests_per_minute: int | None = None
    """The deployment's quota in requests per minute (RPM); see ``tokens_per_minute``."""
    token_window_s: float = 60.0
    """Seconds of quota the budget lets out at once (its largest burst): of TPM, and of RPM up to the service's
    10 s request window. The service's token window is 60 s; lower it to absorb delivery jitter against a server
    with a shorter window (docs/quota.md, "Jitter")."""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigurationError(explain(exc)) from None

    @model_validator(mode="before")
    @classmethod
    def _route_credential(cls, data: Any) -> Any:
        return repair_endpoint(route_credential(data)) if isinstance(data, Mapping) else data

    @field_validator("endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        return check_endpoint(value)

    @field_validator(
        "timeout",
        "connect_timeout",
        "max_response_bytes",
        "max_retries",
        "tokens_per_minute",
        "requests_per_minute",
        "token_window_s",
    )
    @classmethod
    def _check_limit(cls, value: Any, info: ValidationInfo) -> Any:
        problem = limit_problem(info.field_name or "", value)
        if problem:
            raise ConfigurationError(problem)
        return value

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        problem = header_problem(value)
        if problem:
            raise ConfigurationError(f"Deployment.headers: {problem}")
        return value

    @field_validator("model_family")
    @classmethod
    def _check_family(cls, value: str | None) -> str | None:
        if value is not None:
            from .known_models import resolve_model

            try:
                resolve_model(family=value)
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _check_auth(self) -> Deployment:
        problem = auth_problem(
            self.endpoint,
            has_credential=self.has_credential,
            allow_no_credential=self.allow_no_credential,
            allow_insecure_http=self.allow_insecure_http,
            deployment_in_path=self.rules.deployment_in_path,
            model=self.model,
        )
        if problem:
            raise ConfigurationError(problem)
        return self

    def __repr_args__(self) -> Any:
        # Default headers may carry a key (e.g. a gateway's subscription key): mask those values.
        for name, value in super().__repr_args__():
            yield name, mask_headers(value) if name == "headers" else value

    @property
    def has_credential(self) -> bool:
        """Whether any credential is configured."""
        return any(
            x is not None for x in (self.credential, self.bearer_token, self.token_provider, self.azure_credential)
        )

    @property
    def quota(self) -> Limits | None:
        """The budget's limits (``tokens_per_minute``, ``requests_per_minute``), or ``None`` when neither is set."""
        if self.tokens_per_minute is None and self.requests_per_minute is None:
            return None
        from .budget.store import Limits

        # Requests burst over the same span, at most the service's 10 s RPM window (docs/wire.md §V1.5).
        window = self.token_window_s
        return Limits(self.tokens_per_minute, self.requests_per_minute, window, min(window, 10.0))

    @property
    def resolved_surface(self) -> Surface:
        """The configured surface, or the one detected from the endpoint."""
        return self.surface or detect_surface(self.endpoint)

    @property
    def resolved_api_version(self) -> str | None:
        """The configured ``api-version``, or the surface's default (``None``: not sent)."""
        if self.api_version is not None:
            return self.api_version or None
        return self.rules.default_api_version

    @property
    def rules(self) -> SurfaceRules:
        """What the resolved surface expects (api-version, key header, routes, ...): see ``_surfaces.py``."""
        return RULES[self.resolved_surface]

    @property
    def base_url(self) -> str:
        """The URL routes are appended to (the Azure OpenAI deployment path is added when missing)."""
        rules = self.rules
        if rules.deployment_in_path and "/openai/deployments/" not in self.endpoint:
            root = self.endpoint[: -len("/openai")] if self.endpoint.endswith("/openai") else self.endpoint
            return f"{root}/openai/deployments/{self.model}"
        if (
            rules.bare_resource_path
            and urlsplit(self.endpoint).path in ("", "/")
            and (urlsplit(self.endpoint).hostname or "").endswith(".services.ai.azure.com")
        ):
            # A bare Foundry resource URL: the models endpoint lives under /models (docs/wire.md §10).
            return f"{self.endpoint}{rules.bare_resource_path}"
        return self.endpoint

    @property
    def scope(self) -> str:
        """The Entra scope used for tokens (docs/wire.md §2.1, Δ2)."""
        return self.token_scope or token_scope(self.rules, self.endpoint)

    @property
    def label(self) -> str:
        """A short human label: the name, else model @ host."""
        if self.name:
            return self.name
        host = urlsplit(self.endpoint).netloc
        return f"{self.model or '(default model)'} @ {host}"

    def with_options(self, **changes: Any) -> Deployment:
        """A copy with some fields changed (validated again)."""
        data = self.model_dump()
        for secret in ("credential", "bearer_token"):
            value = getattr(self, secret)
            data[secret] = value.get_secret_value() if value is not None else None
        data.update({k: v for k, v in changes.items()})
        return Deployment(**data)

    # -- constructors ---------------------------------------------------------------------------------------

    @classmethod
    def from_env(cls, prefix: str = "AZURE_INFERENCE", **overrides: Any) -> Deployment:
        """Build from ``{prefix}_ENDPOINT``, ``_CREDENTIAL``, ``_MODEL``, ``_API_VERSION``, ``_SURFACE``, ``_API``,
        ``_TOKENS_PER_MINUTE``, ``_REQUESTS_PER_MINUTE``.

        Keyword arguments that are not ``None`` win over the environment.
        """
        env = os.environ
        data: dict[str, Any] = {}
        for key, var in (
            ("endpoint", "ENDPOINT"),
            ("credential", "CREDENTIAL"),
            ("model", "MODEL"),
            ("api_version", "API_VERSION"),
            ("surface", "SURFACE"),
            ("extra_parameters", "EXTRA_PARAMETERS"),
            ("api", "API"),
            ("tokens_per_minute", "TOKENS_PER_MINUTE"),
            ("requests_per_minute", "REQUESTS_PER_MINUTE"),
        ):
            value = env.get(f"{prefix}_{var}")
            if value:
                data[key] = value
        data.update({k: v for k, v in overrides.items() if v is not None})
        if "endpoint" not in data:
            raise ConfigurationError(
                f"no endpoint: set {prefix}_ENDPOINT (e.g. https://<resource>.services.ai.azure.com/models), "
                f"pass endpoint=..., or choose a profile with AZURE_INFERENCE_PROFILE."
            )
        return cls(**data)

    @classmethod
    def from_profile(
        cls, name: str | None = None, path: str | os.PathLike[str] | None = None, **overrides: Any
    ) -> Deployment:
        """Load a named profile from a TOML file (see ``load_profiles`` for the format and lookup)."""
        profiles, source = load_profiles(path)
        chosen = name or os.environ.get("AZURE_INFERENCE_PROFILE") or profiles.get("__default__", {}).get("name")
        if not chosen:
            raise ConfigurationError(f"no profile name given and no default_profile in {source}")
        if chosen not in profiles:
            known = ", ".join(sorted(k for k in profiles if k != "__default__")) or "none"
            raise ConfigurationError(f"profile {chosen!r} not found in {source} (profiles: {known})")
        data = profile_fields(profiles[chosen], chosen, source)
        data.setdefault("name", chosen)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)

    @classmethod
    def resolve(cls, deployment: Deployment | str | None = None, **overrides: Any) -> Deployment:
        """What every adapter calls: a ``Deployment``, a profile name, or the environment, plus overrides.

        Resolution order: an explicit ``Deployment`` (with overrides applied); a profile name; the profile in
        ``AZURE_INFERENCE_PROFILE``; the environment variables and the given fields; else, when neither gives an
        endpoint, the profile file's ``default_profile``.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        if isinstance(deployment, Deployment):
            return deployment.with_options(**given) if given else deployment
        if isinstance(deployment, str):
            return cls.from_profile(deployment, **given)
        if "endpoint" not in given and os.environ.get("AZURE_INFERENCE_PROFILE"):
            return cls.from_profile(None, **given)
        if "endpoint" not in given and not os.environ.get("AZURE_INFERENCE_ENDPOINT") and default_profile_name():
            return cls.from_profile(None, **given)  # the file's default_profile, when nothing else names one
        return cls.from_env(**given)
