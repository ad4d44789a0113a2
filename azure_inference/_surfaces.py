"""What differs between the API surfaces, in one frozen rules object each (docs/wire.md §S).

Every place that behaves differently per surface reads a flag here (``rules_for(surface).stream_usage``) instead
of testing ``surface is Surface.X``: the configuration (``config.py``), the key headers (``auth.py``) and the
request builder (``_base_client.py``). A new surface, or a new per-surface difference, is one edit in this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["COGNITIVE_SCOPE", "ML_SCOPE", "RULES", "Surface", "SurfaceRules", "detect_surface", "token_scope"]


class Surface(str, Enum):
    """The API surface an endpoint speaks (docs/wire.md §S)."""

    MODEL_INFERENCE = "model-inference"
    """Azure AI Model Inference: ``api-version`` query, ``/info``, ``extra-parameters`` header."""
    AZURE_OPENAI = "azure-openai"
    """Azure OpenAI deployment: ``/openai/deployments/<name>``, ``api-version`` query, no ``/info``."""
    OPENAI_V1 = "openai-v1"
    """Azure OpenAI / Foundry v1: ``/openai/v1``, no ``api-version``."""
    OPENAI_COMPATIBLE = "openai-compatible"
    """Any OpenAI-compatible server (vLLM, llama.cpp, Ollama, the emulator's ``/v1``)."""


COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
"""The Entra scope of Foundry / Azure OpenAI resources (docs/wire.md §2.1)."""
ML_SCOPE = "https://ml.azure.com/.default"
"""The Entra scope of serverless and Managed Compute endpoints (docs/wire.md §10)."""

KeyHeader = Literal["api-key", "bearer", "both"]
_ALL_ROUTES = frozenset({"/chat/completions", "/completions", "/embeddings", "/images/embeddings"})


@dataclass(frozen=True)
class SurfaceRules:
    """How one surface is spoken: read by the client as flags, never re-derived from the surface name.

    Attributes:
        surface: the surface these rules describe.
        default_api_version: the ``api-version`` query sent when none is configured (``None``: no query).
        key_header: how an API key is sent when ``key_header="auto"`` (docs/wire.md §2.1).
        deployment_in_path: whether the deployment is part of the URL path (Azure OpenAI: ``/openai/deployments/
            <name>``); there ``model`` names the deployment and is not sent in the body (at best it is ignored).
        stream_usage: whether ``stream_options.include_usage`` exists; the Model Inference spec has no
            ``stream_options`` and sends usage on the last chunk by itself (docs/wire.md §4).
        extra_parameters_header: whether the ``extra-parameters`` header is understood (docs/wire.md §2.2).
        bare_resource_path: appended to a bare ``*.services.ai.azure.com`` resource URL (docs/wire.md §10).
        info_model_query_since: the first ``api-version`` whose ``/info`` takes ``?model=`` (docs/wire.md §7).
        token_scope: the Entra scope asked for by default (hosts may override it: ``token_scope()``).
        routes: the routes the surface serves (``/info`` and ``/responses`` included only where they exist).
    """

    surface: Surface
    default_api_version: str | None
    key_header: KeyHeader
    deployment_in_path: bool
    stream_usage: bool
    extra_parameters_header: bool
    bare_resource_path: str | None
    info_model_query_since: str | None
    token_scope: str
    routes: frozenset[str]

    @property
    def model_in_body(self) -> bool:
        """Whether the deployment's ``model`` is sent in the request body."""
        return not self.deployment_in_path

    @property
    def info(self) -> bool:
        """Whether ``GET /info`` exists (docs/wire.md §7; Azure OpenAI and v1 answer 404, docs/wire.md §10)."""
        return "/info" in self.routes

    @property
    def responses(self) -> bool:
        """Whether ``POST /responses`` exists (docs/wire.md §V1.3; on Azure OpenAI deployments it is
        ``/openai/responses?api-version=``, outside the deployment path, docs/wire.md §V1.1)."""
        return "/responses" in self.routes


RULES: dict[Surface, SurfaceRules] = {
    Surface.MODEL_INFERENCE: SurfaceRules(
        Surface.MODEL_INFERENCE,
        default_api_version="2024-05-01-preview",
        # docs/wire.md §2.1: Foundry reads api-key, serverless reads Bearer; send both as the official SDK does.
        key_header="both",
        deployment_in_path=False,
        stream_usage=False,
        extra_parameters_header=True,
        bare_resource_path="/models",
        info_model_query_since="2025-04-01",
        token_scope=COGNITIVE_SCOPE,
        routes=_ALL_ROUTES | {"/info"},
    ),
    Surface.AZURE_OPENAI: SurfaceRules(
        Surface.AZURE_OPENAI,
        # docs/wire.md §V1.1 "Legacy surface": 2025-04-01-preview takes max_completion_tokens, reasoning_effort and
        # the o3 / o4-mini generation (2024-10-21 predates them).
        default_api_version="2025-04-01-preview",
        key_header="api-key",
        deployment_in_path=True,
        stream_usage=True,
        extra_parameters_header=False,
        bare_resource_path=None,
        info_model_query_since=None,
        token_scope=COGNITIVE_SCOPE,
        routes=_ALL_ROUTES | {"/responses"},
    ),
    Surface.OPENAI_V1: SurfaceRules(
        Surface.OPENAI_V1,
        default_api_version=None,
        key_header="api-key",
        deployment_in_path=False,  # docs/wire.md §V1.1 "model": the deployment name goes in the body, never in the path
        stream_usage=True,
        extra_parameters_header=False,
        bare_resource_path=None,
        info_model_query_since=None,
        token_scope=COGNITIVE_SCOPE,
        routes=_ALL_ROUTES | {"/responses"},
    ),
    Surface.OPENAI_COMPATIBLE: SurfaceRules(
        Surface.OPENAI_COMPATIBLE,
        default_api_version=None,
        key_header="bearer",
        deployment_in_path=False,
        stream_usage=True,
        extra_parameters_header=False,
        bare_resource_path=None,
        info_model_query_since=None,
        token_scope=COGNITIVE_SCOPE,
        routes=_ALL_ROUTES | {"/responses"},
    ),
}
"""The rules of each surface."""

MODEL_INFERENCE_HOSTS = (
    ".services.ai.azure.com",
    ".models.ai.azure.com",
    ".inference.ai.azure.com",
    ".inference.ml.azure.com",
)
AOAI_HOSTS = (".openai.azure.com", ".cognitiveservices.azure.com")
# Serverless (MaaS) and Managed Compute endpoints are Azure ML resources: their tokens are for ml.azure.com
# (docs/wire.md §10), whatever surface they are spoken to with.
_ML_SCOPE_HOSTS = (".models.ai.azure.com", ".inference.ml.azure.com", ".inference.ai.azure.com")


def detect_surface(endpoint: str) -> Surface:
    """Guess the surface from the endpoint URL (pure; see the table in docs/wire.md §S)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/").lower()
    if path.endswith("/openai/v1") or "/openai/v1/" in path:
        return Surface.OPENAI_V1
    if "/openai/deployments/" in path or (host.endswith(AOAI_HOSTS) and path in ("", "/openai")):
        return Surface.AZURE_OPENAI
    if path.endswith(("/models", "/api/models")) or host.endswith(MODEL_INFERENCE_HOSTS):
        return Surface.MODEL_INFERENCE
    if host == "models.inference.ai.azure.com" or host.endswith(".github.ai"):
        return Surface.MODEL_INFERENCE
    return Surface.OPENAI_COMPATIBLE


def token_scope(rules: SurfaceRules, endpoint: str) -> str:
    """The Entra scope for ``endpoint``: the surface's, unless the host is an Azure ML one (docs/wire.md §2.1, §10)."""
    host = (urlsplit(endpoint).hostname or "").lower()
    return ML_SCOPE if host.endswith(_ML_SCOPE_HOSTS) else rules.token_scope
