"""Deployment fields shared by ``AzureInference`` and ``AzureInferenceEmbedding``, and the client pool.

Both adapters accept ``deployment=`` (a ``Deployment`` or a profile name) or the individual fields; either way
``Deployment.resolve`` turns them into one ``Deployment``, so switching the model behind a pipeline is a
configuration change. Clients live in the transport's ``ClientHolder`` (the LangChain adapters use the same
one): built on first use, one sync and one async per instance, closed by ``close()`` / ``aclose()``; pickled or
deep-copied instances rebuild theirs on first use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, SecretStr, ValidationError, model_validator
from typing_extensions import Self

from azure_inference import ConfigurationError, Deployment
from azure_inference.aliases import accepted_names, normalize_arguments, profile_not_found
from azure_inference.config import ExtraParameters, reraise_configuration_error, route_credential
from azure_inference.holder import ClientHolder

if TYPE_CHECKING:  # the clients (and httpx) load when the first client is built, not at import
    from azure_inference import AsyncInferenceClient, InferenceClient

__all__ = ["DeploymentFields"]


class DeploymentFields(BaseModel):
    """Where the model is and how to reach it (mixed into both adapters)."""

    endpoint: str | None = Field(
        default=None,
        description="Base URL, e.g. https://<resource>.services.ai.azure.com/models; env AZURE_INFERENCE_ENDPOINT.",
    )
    credential: SecretStr | None = Field(
        default=None,
        description="API key; env AZURE_INFERENCE_CREDENTIAL. Never shown in repr or logs.",
        repr=False,
        exclude=True,
    )
    azure_credential: Any = Field(
        default=None,
        description="An azure-identity TokenCredential / AsyncTokenCredential for Entra ID auth.",
        repr=False,
        exclude=True,
    )
    token_provider: Any = Field(
        default=None,
        description="A callable returning a bearer token (sync or async), called per request.",
        repr=False,
        exclude=True,
    )
    deployment: Deployment | str | None = Field(
        default=None,
        description="A Deployment, or the name of a profile in the TOML profile file; fields given here override it.",
        exclude=True,
    )
    model: str | None = Field(
        default=None, description="Model or deployment name (sent as 'model' on multi-model endpoints)."
    )
    api_version: str | None = Field(default=None, description="api-version query value; default per surface.")
    extra_parameters: ExtraParameters | None = Field(
        default=None,
        description="extra-parameters header mode for keys outside the spec: 'error', 'drop' or 'pass-through'.",
    )
    timeout: float | None = Field(default=None, description="Seconds one attempt may take; default 60.")
    max_retries: int | None = Field(default=None, description="Retries after the first attempt; default 2.")
    model_family: str | None = Field(
        default=None,
        description="The known model behind a deployment whose name is not a model name (e.g. 'o4-mini'): requests "
        "are shaped for it and metadata comes from its card.",
    )
    adapt: Literal["auto", "off"] | None = Field(
        default=None,
        description="'auto' (the deployment's default): rewrite a request once on a recognised refusal and remember "
        "it for the life of the client (raw['adaptations']), and pace later calls to the quota a 429 names "
        "(x-ratelimit-limit-*); 'off': raise the error.",
    )
    tokens_per_minute: int | None = Field(
        default=None,
        description="The deployment's quota in tokens per minute: every client of the deployment in this process "
        "shares one budget and waits for it before each request, correcting it from the service's rate-limit "
        "headers and 429s, so bulk work runs at the quota instead of into 429s (docs/quota.md).",
    )
    requests_per_minute: int | None = Field(
        default=None, description="The deployment's quota in requests per minute; see tokens_per_minute."
    )
    http_client: Any = Field(
        default=None,
        description="An httpx.Client to send sync requests with (tests, proxies); not closed by us.",
        exclude=True,
        repr=False,
    )
    async_http_client: Any = Field(
        default=None,
        description="An httpx.AsyncClient to send async requests with; not closed by us.",
        exclude=True,
        repr=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _route_credential(cls, data: Any) -> Any:
        # credential=<TokenCredential> / <callable> / <AzureKeyCredential> is accepted, routed as Deployment does.
        return route_credential(data) if isinstance(data, Mapping) else data

    def __init__(self, **kwargs: Any) -> None:
        # Names from the LlamaIndex Azure classes are mapped, unknown ones refused (pydantic would drop them).
        cls = type(self)
        accepted = accepted_names(cls)
        extras = "additional_kwargs" if "additional_kwargs" in cls.model_fields else None
        if extras:
            accepted |= {"model_kwargs"}  # merged into additional_kwargs by AzureInference's own validator
        kwargs = normalize_arguments(kwargs, accepted, owner=cls.__name__, extras_field=extras)
        try:
            super().__init__(**kwargs)
        except ValidationError as exc:
            reraise_configuration_error(exc)
            raise

    @model_validator(mode="after")
    def _resolve_at_construction(self) -> Self:
        # A wrong endpoint or a missing credential is a ConfigurationError now, before anything is sent.
        self._holder = ClientHolder(
            self.resolved_deployment(), http_client=self.http_client, async_http_client=self.async_http_client
        )
        return self

    _deployment: Deployment | None = PrivateAttr(default=None)
    _holder: ClientHolder | None = PrivateAttr(default=None)

    @property
    def _clients(self) -> ClientHolder:
        holder = self._holder
        if holder is None:  # only when pydantic skipped validation (model_construct)
            holder = self._holder = ClientHolder(
                self.resolved_deployment(), http_client=self.http_client, async_http_client=self.async_http_client
            )
        return holder

    def resolved_deployment(self) -> Deployment:
        """The ``Deployment`` this object talks to (built once from the fields, a profile or the environment)."""
        if self._deployment is None:
            overrides: dict[str, Any] = {
                "endpoint": self.endpoint,
                "credential": self.credential.get_secret_value() if self.credential is not None else None,
                "azure_credential": self.azure_credential,
                "token_provider": self.token_provider,
                "model": self.model,
                "api_version": self.api_version,
                "extra_parameters": self.extra_parameters,
                "timeout": self.timeout,
                "max_retries": self.max_retries,
                "model_family": self.model_family,
                "adapt": self.adapt,
                "tokens_per_minute": self.tokens_per_minute,
                "requests_per_minute": self.requests_per_minute,
            }
            try:
                self._deployment = Deployment.resolve(self.deployment, **overrides)
            except ConfigurationError as exc:
                if isinstance(self.deployment, str) and "profile" in str(exc):
                    raise profile_not_found(exc, self.deployment) from None
                raise
        return self._deployment

    @property
    def client(self) -> InferenceClient:
        """The pooled synchronous transport client (built on first use)."""
        return self._clients.client

    @property
    def async_client(self) -> AsyncInferenceClient:
        """The pooled asynchronous transport client (built on first use)."""
        return self._clients.async_client

    @property
    def model_label(self) -> str | None:
        """The configured model name, from the fields or the deployment, without building clients."""
        if self.model:
            return self.model
        dep = self.deployment
        if isinstance(dep, Deployment):
            return dep.model
        return self._deployment.model if self._deployment is not None else None

    # -- copies: the deployment travels, the clients are rebuilt (ClientHolder); the caller's pools stay theirs --
    # Pickling keeps LlamaIndex's own rule (BaseComponent.__getstate__): an unpicklable http_client is left out
    # with a logged warning, and the copy builds its own clients.

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        memo = {} if memo is None else memo
        for pool in (self.http_client, self.async_http_client):
            if pool is not None:
                memo[id(pool)] = pool  # the caller's http clients are shared by the copy, not copied
        copied: Self = super().__deepcopy__(memo)
        return copied

    def close(self) -> None:
        """Close the sync client's connections (the async one needs ``await aclose()``)."""
        if self._holder is not None:
            self._holder.close()

    async def aclose(self) -> None:
        """Close both clients' connections."""
        if self._holder is not None:
            await self._holder.aclose()
