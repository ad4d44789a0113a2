"""Constructor arguments users bring from other Azure integrations, mapped onto ours; the rest refused. Pure.

Someone moving from ``AzureChatOpenAI`` / ``AzureOpenAIEmbeddings`` (langchain-openai),
``AzureAIChatCompletionsModel`` (langchain-azure-ai) or the LlamaIndex ``AzureOpenAI`` /
``AzureOpenAIEmbedding`` / ``AzureAICompletionsModel`` classes writes ``azure_endpoint=``,
``azure_deployment=``, ``openai_api_key=`` ... Pydantic would drop those in silence, and the object would then
answer from another model. Every adapter class of both frameworks runs its keyword arguments through
:func:`normalize_arguments` first, with the one table below:

- a name the class declares (a field or a field's alias, read from the class itself, so fields added later
  are accepted without an edit here) is kept as it is;
- a name in :data:`ALIASES` becomes the first of its targets the class declares (``openai_api_key`` is
  ``api_key`` in LangChain and ``credential`` in LlamaIndex);
- anything else raises :class:`UnknownArgumentError` naming the closest accepted name, or, for a known name
  with no clean mapping, what to do instead (:data:`HINTS`).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache
from typing import Any

from pydantic import AliasChoices, BaseModel

from .errors import ConfigurationError

__all__ = ["ALIASES", "HINTS", "UnknownArgumentError", "accepted_names", "normalize_arguments", "profile_not_found"]

ALIASES: Mapping[str, tuple[str, ...]] = {
    # where the model is
    "azure_endpoint": ("endpoint",),
    "base_url": ("endpoint",),
    "api_base": ("endpoint",),
    "openai_api_base": ("endpoint",),
    # which deployment: here ``model`` is the name the service is addressed by (body or deployment path)
    "azure_deployment": ("model",),
    "deployment_name": ("model",),
    "deployment_id": ("model",),
    "engine": ("model",),
    "model_name": ("model",),
    # credentials
    "openai_api_key": ("api_key", "credential"),
    "api_key": ("api_key", "credential"),
    "azure_ad_token_provider": ("token_provider",),
    "azure_ad_async_token_provider": ("token_provider",),
    # request settings
    "openai_api_version": ("api_version",),
    "request_timeout": ("timeout",),
    "max_completion_tokens": ("max_tokens",),
    "stop_sequences": ("stop",),
    "embed_batch_size": ("chunk_size",),
    # where extras go, and the caller's http clients, named by each framework its own way
    "model_kwargs": ("model_kwargs", "additional_kwargs"),
    "additional_kwargs": ("model_kwargs", "additional_kwargs"),
    "http_async_client": ("http_async_client", "async_http_client"),
    "async_http_client": ("http_async_client", "async_http_client"),
}
"""Argument name → the names it may stand for, first declared one wins (framework-neutral)."""

HINTS: Mapping[str, str] = {
    "azure_ad_token": "for a fixed Entra token pass token_provider=lambda: token, or better "
    "credential=<azure-identity credential> so tokens are refreshed",
    "use_azure_ad": "pass credential=DefaultAzureCredential() (azure-identity) for Entra ID auth",
    "openai_api_type": "not needed: the API surface is detected from the endpoint URL "
    "(deployment=Deployment(..., surface=...) forces one)",
    "api_type": "not needed: the API surface is detected from the endpoint URL "
    "(deployment=Deployment(..., surface=...) forces one)",
    "default_headers": "pass deployment=Deployment(endpoint=..., headers={...})",
    "openai_proxy": "pass http_client=httpx.Client(proxy=...) (and an async one for async calls)",
    "client_kwargs": "pass your own httpx client as http_client= for transport options",
    "reuse_client": "nothing to set: clients are built once per object and reused",
    "openai_organization": "not used by Azure endpoints",
    "organization": "not used by Azure endpoints",
}
"""Names from the other integrations that have no clean mapping here, with what to do instead."""

_CLOSE_ENOUGH = 0.6


class UnknownArgumentError(ConfigurationError, TypeError):
    """A constructor argument the class does not take (a ``TypeError`` too, as for any unexpected keyword)."""


def _names_of(model: type[BaseModel]) -> Iterable[str]:
    for name, field in model.model_fields.items():
        yield name
        if field.alias:
            yield field.alias
        choice = field.validation_alias
        if isinstance(choice, str):
            yield choice
        elif isinstance(choice, AliasChoices):
            yield from (c for c in choice.choices if isinstance(c, str))


@lru_cache(maxsize=64)
def accepted_names(model: type[BaseModel]) -> frozenset[str]:
    """Every name ``model`` declares: its fields and their aliases (cached per class)."""
    return frozenset(_names_of(model))


def _target(name: str, accepted: Collection[str]) -> str | None:
    return next((t for t in ALIASES.get(name, ()) if t in accepted), None)


def _unknown_message(name: str, accepted: Collection[str], owner: str, extras_field: str | None) -> str:
    if name in HINTS:
        return f"argument {name!r} is not taken by {owner}: {HINTS[name]}"
    candidates = sorted({*accepted, *(a for a in ALIASES if _target(a, accepted) is not None)})
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=_CLOSE_ENOUGH)
    message = f"unknown argument {name!r} for {owner}"
    if close:
        message += f"; did you mean {close[0]!r}?"
    if extras_field:
        message += f" (deliberate extras go in {extras_field}={{...}})"
    return message


def normalize_arguments(
    data: Mapping[str, Any], accepted: Collection[str], *, owner: str, extras_field: str | None = None
) -> dict[str, Any]:
    """The keyword arguments with the other integrations' names mapped onto ``accepted`` ones (pure).

    Args:
        data: the keyword arguments as given.
        accepted: the names the class declares (:func:`accepted_names`), plus any its own validators read.
        owner: the class name, for messages.
        extras_field: where deliberate extra model parameters go (``model_kwargs`` / ``additional_kwargs``).

    Raises:
        UnknownArgumentError: a name that is neither accepted nor in :data:`ALIASES`, or two names given for
            one field with different values (values are never shown: one may be a key).
    """
    out: dict[str, Any] = {}
    given_as: dict[str, str] = {}
    problems: list[str] = []
    for name, value in data.items():
        target = name if name in accepted else _target(name, accepted)
        if target is None:
            problems.append(_unknown_message(name, accepted, owner, extras_field))
            continue
        if target in out and not (out[target] is value or out[target] == value):
            first = given_as[target]
            problems.append(
                f"{first}= and {name}= both set {target!r} of {owner} (to different values); give only one"
                + (" (here model is the deployment name the service is addressed by)" if target == "model" else "")
            )
            continue
        out[target] = value
        given_as.setdefault(target, name)
    if problems:
        raise UnknownArgumentError("; ".join(problems))
    return out


def profile_not_found(error: ConfigurationError, name: str) -> ConfigurationError:
    """``error`` (a profile named by ``deployment=`` could not be loaded) with the likely mix-up explained.

    ``deployment=`` here takes a ``Deployment`` or a profile name; in ``AzureOpenAIEmbeddings`` and LlamaIndex's
    ``AzureOpenAI`` the same word names the Azure OpenAI deployment.
    """
    return ConfigurationError(
        f"{error} (deployment={name!r} names a profile of the TOML profile file here; to address an Azure OpenAI "
        f"deployment called {name!r} pass azure_deployment={name!r} or model={name!r})"
    )
