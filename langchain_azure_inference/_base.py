"""Connection fields shared by the chat model, the LLM and the embeddings, and their pooled clients.

Each adapter instance owns one transport ``ClientHolder``: an ``InferenceClient`` and an
``AsyncInferenceClient`` built lazily on first use, released by ``close()`` / ``aclose()`` (the LlamaIndex
adapters use the same holder). Pickled or deep-copied instances rebuild their clients on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from langchain_core.utils import from_env, secret_from_env
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from azure_inference import AsyncInferenceClient, ConfigurationError, Deployment, InferenceClient
from azure_inference.aliases import accepted_names, normalize_arguments, profile_not_found
from azure_inference.config import ExtraParameters, reraise_configuration_error, route_credential
from azure_inference.holder import ClientHolder

from ._tokens import TokenCounting

__all__ = ["AzureInferenceBase"]

# Fields that map one-to-one onto Deployment overrides.
_DEPLOYMENT_FIELDS = (
    "endpoint",
    "api_version",
    "model",
    "timeout",
    "max_retries",
    "extra_parameters",
    "model_family",
    "adapt",
    "tokens_per_minute",
    "requests_per_minute",
)


class AzureInferenceBase(BaseModel):
    """Where the model is and how to reach it: a ``Deployment``, or its fields one by one."""

    model_config = ConfigDict(populate_by_name=True, protected_namespaces=(), arbitrary_types_allowed=True)

    model: str | None = Field(default=None, alias="model_name")
    """Model or deployment name sent in the body (multi-model endpoints); ``None`` on single-model endpoints."""
    endpoint: str | None = Field(default_factory=from_env("AZURE_INFERENCE_ENDPOINT", default=None))
    """Endpoint URL, e.g. ``https://<resource>.services.ai.azure.com/models``; from ``AZURE_INFERENCE_ENDPOINT``."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("AZURE_INFERENCE_CREDENTIAL", default=None), alias="credential"
    )
    """API key; from ``AZURE_INFERENCE_CREDENTIAL``. Never shown in repr or logs. ``credential=`` also takes a
    ``TokenCredential`` (routed to ``azure_credential``), a token callable (``token_provider``) or an
    ``AzureKeyCredential``."""
    azure_credential: Any = Field(default=None, exclude=True, repr=False)
    """An azure-identity ``TokenCredential`` / ``AsyncTokenCredential`` for Entra ID auth."""
    token_provider: Any = Field(default=None, exclude=True, repr=False)
    """A callable (sync or async) returning a bearer token, e.g. from ``get_bearer_token_provider``."""
    api_version: str | None = None
    """``api-version`` query value; the surface's default when ``None``."""
    deployment: Deployment | str | None = Field(default=None, exclude=True)
    """A ``Deployment`` or a profile name; the individual fields given explicitly override it."""
    timeout: float | None = None
    """Seconds one attempt may take; the deployment's default (60) when ``None``."""
    max_retries: int | None = None
    """Retries of retryable failures (429, 5xx, connection errors); the deployment's default (2) when ``None``."""
    extra_parameters: ExtraParameters | None = None
    """``extra-parameters`` mode for keys outside the spec: ``error``, ``drop`` or ``pass-through``."""
    model_family: str | None = None
    """The known model behind a deployment whose name is not a model name (``"o4-mini"``): requests are shaped
    for it (``max_completion_tokens``, no refused sampling fields) and the profile is its profile."""
    adapt: Literal["auto", "off"] | None = None
    """``auto`` (the deployment's default): on a recognised refusal the request is rewritten once and the rewrite
    remembered for the life of the client (``response_metadata["adaptations"]``), and a 429 naming the quota
    (``x-ratelimit-limit-*``) paces later calls to it (``docs/quota.md``); ``off``: the error is raised."""
    tokens_per_minute: int | None = None
    """The deployment's quota in tokens per minute: every client of the deployment in this process then shares one
    budget and waits for it before each request, so bulk work runs at the quota instead of into 429s
    (``docs/quota.md``). Unlike LangChain's ``rate_limiter``, it counts tokens, and corrects itself from the
    service's ``x-ratelimit-remaining-*`` headers and 429s."""
    requests_per_minute: int | None = None
    """The deployment's quota in requests per minute; see ``tokens_per_minute``."""
    http_client: Any = Field(default=None, exclude=True, repr=False)
    """An ``httpx.Client`` to send sync requests with (not closed by us); mostly for tests."""
    http_async_client: Any = Field(default=None, exclude=True, repr=False)
    """An ``httpx.AsyncClient`` to send async requests with (not closed by us)."""

    _holder: ClientHolder | None = PrivateAttr(default=None)
    _resolved: Deployment | None = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        # Names from AzureChatOpenAI & co. are mapped, unknown ones refused (pydantic would drop them silently).
        cls = type(self)
        extras = "model_kwargs" if "model_kwargs" in cls.model_fields else None
        kwargs = normalize_arguments(kwargs, accepted_names(cls), owner=cls.__name__, extras_field=extras)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            reraise_configuration_error(exc)
            raise

    @model_validator(mode="before")
    @classmethod
    def _route_credential(cls, data: Any) -> Any:
        # credential=<TokenCredential> / <callable> / <AzureKeyCredential> (or api_key=) is accepted, routed as
        # Deployment does, so the same objects work in every adapter.
        if not isinstance(data, Mapping):
            return data
        return route_credential(route_credential(data), key="api_key")

    @model_validator(mode="after")
    def _resolve_at_construction(self) -> Self:
        # A wrong endpoint or a missing credential is a ConfigurationError here, before anything is sent,
        # not a surprise at the first call (ChatOpenAI checks its key at construction too).
        self._holder = ClientHolder(
            self.get_deployment(), http_client=self.http_client, async_http_client=self.http_async_client
        )
        return self

    def get_deployment(self) -> Deployment:
        """The resolved ``Deployment`` (built once; raises ``ConfigurationError`` when incomplete)."""
        if self._resolved is None:
            given: dict[str, Any] = {}
            explicit = self.model_fields_set if self.deployment is not None else None
            for name in _DEPLOYMENT_FIELDS:
                if explicit is None or name in explicit:
                    given[name] = getattr(self, name)
            if self.api_key is not None and (explicit is None or "api_key" in explicit):
                given["credential"] = self.api_key.get_secret_value()
            given["azure_credential"] = self.azure_credential
            given["token_provider"] = self.token_provider
            try:
                self._resolved = Deployment.resolve(self.deployment, **given)
            except ConfigurationError as exc:
                if isinstance(self.deployment, str) and "profile" in str(exc):
                    raise profile_not_found(exc, self.deployment) from None
                raise
        return self._resolved

    @property
    def resolved_model(self) -> str | None:
        """The model name in use: the ``model`` field, else the deployment's."""
        if self.model:
            return self.model
        if isinstance(self.deployment, Deployment):
            return self.deployment.model
        return None

    @property
    def _clients(self) -> ClientHolder:
        holder = self._holder
        if holder is None:  # only when pydantic skipped validation (model_construct)
            holder = self._holder = ClientHolder(
                self.get_deployment(), http_client=self.http_client, async_http_client=self.http_async_client
            )
        return holder

    def _client(self) -> InferenceClient:
        return self._clients.client

    async def _aclient(self) -> AsyncInferenceClient:
        return self._clients.async_client

    # -- copies: the deployment travels, the clients are rebuilt (ClientHolder); the caller's pools stay theirs --

    def __getstate__(self) -> dict[Any, Any]:
        if self.http_client is not None or self.http_async_client is not None:
            raise TypeError(
                f"cannot pickle {type(self).__name__} built with http_client / http_async_client (an open connection "
                "pool does not travel); build it without them where it must be pickled, e.g. for Ray workers: "
                "the copy then builds its own clients"
            )
        state: dict[Any, Any] = super().__getstate__()
        return state

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        memo = {} if memo is None else memo
        for pool in (self.http_client, self.http_async_client):
            if pool is not None:
                memo[id(pool)] = pool  # the caller's http clients are shared by the copy, not copied
        copied: Self = super().__deepcopy__(memo)
        return copied

    def close(self) -> None:
        """Close the pooled sync client (async clients: ``await aclose()``)."""
        if self._holder is not None:
            self._holder.close()

    async def aclose(self) -> None:
        """Close the pooled async client (its pool on the running loop) and the sync client."""
        if self._holder is not None:
            await self._holder.aclose()


class GenerativeBase(TokenCounting, AzureInferenceBase):
    """Sampling parameters shared by the chat model and the text-completion LLM; token counting (``_tokens``)."""

    temperature: float | None = None
    """Sampling temperature; ``0`` is sent, ``None`` is not."""
    max_tokens: int | None = Field(default=None, alias="max_completion_tokens")
    """Maximum tokens to generate."""
    top_p: float | None = None
    """Nucleus sampling probability mass."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences (an empty list sends none)."""
    seed: int | None = None
    """Seed for best-effort deterministic sampling."""
    presence_penalty: float | None = None
    """Penalty for tokens already present."""
    frequency_penalty: float | None = None
    """Penalty proportional to token frequency."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Extra model parameters put in the body; the ``extra_parameters`` mode says what the service does with them."""

    def _default_params(self) -> dict[str, Any]:
        """The sampling fields that are set (``None`` is not sent; ``0`` is)."""
        params = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "seed": self.seed,
            "presence_penalty": self.presence_penalty,
            "frequency_penalty": self.frequency_penalty,
        }
        return {k: v for k, v in params.items() if v is not None}
