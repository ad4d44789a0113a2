"""What one client knows about its chat deployment: the model card, what it refused, what was already said.

``BaseClient._chat_flow`` (the one chat call of both clients) asks this object two things:

- ``shape(body)`` before sending: the known-model rules (``shaping.py``; docs/wire.md §V1.2.1) for a model the
  table knows, then the rewrites this client learned from earlier refusals (``adapt.DeploymentMemory``);
- ``rewrite(err, body)`` after a refusal: the one retry's body when the refusal is on the closed list
  (``adapt.py``), remembered for the life of the client, or ``None``: the typed error stands.

Each thing worth saying is said once per client: one WARNING naming the fields a known model refuses, one
INFO line per learned rewrite.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any

from .adapt import DeploymentMemory, Rewrite, apply_rewrites, rewrites_for
from .config import Deployment
from .errors import APIStatusError, InvalidRequestError
from .known_models import ResolvedModel, resolve_model
from .shaping import shape_chat_body, surface_has_max_completion_tokens

__all__ = ["ChatShaper"]

log = logging.getLogger("azure_inference")

ADAPT_MODES = ("auto", "off")


def _deployment_name(dep: Deployment) -> str | None:
    if dep.model:
        return dep.model
    marker = "/openai/deployments/"
    if marker in dep.endpoint:
        return dep.endpoint.split(marker, 1)[1].split("/", 1)[0] or None
    return None


class ChatShaper:
    """Per-client chat knowledge (thread-safe: one client may serve many threads or tasks).

    Args:
        deployment: The client's deployment (``model_family``, ``adapt``, surface and api-version are read).
    """

    def __init__(self, deployment: Deployment) -> None:
        self._dep = deployment
        self._surface = deployment.resolved_surface.value
        self._version = deployment.resolved_api_version
        self._name = _deployment_name(deployment)
        self._memory = DeploymentMemory()
        self._lock = threading.Lock()
        self._answered_as: dict[str, str] = {}
        self._said: set[str] = set()
        self.info_model: str | None = None
        """The model ``/info`` named, once a caller asked for it (``get_model_info``)."""

    @property
    def deployment_name(self) -> str | None:
        """The deployment's name: ``model``, else the one in an Azure OpenAI deployment path."""
        return self._name

    def _key(self, body: Mapping[str, Any]) -> str:
        # A per-call `model=` names another deployment on a multi-model endpoint: it learns on its own.
        return str(body.get("model") or self._name or "")

    def _once(self, message: str) -> bool:
        with self._lock:
            if message in self._said:
                return False
            self._said.add(message)
            return True

    def resolved(self, body: Mapping[str, Any]) -> ResolvedModel | None:
        """The card of the model behind this body's deployment (docs/wire.md §V1.6: the answering model counts)."""
        key = self._key(body)
        return resolve_model(
            family=self._dep.model_family,
            info_model=self.info_model,
            response_model=self._answered_as.get(key),
            deployment=key or None,
        )

    def answered(self, body: Mapping[str, Any], model: str) -> None:
        """Remember the model a response named (``model`` field), for the next request's card."""
        if model:
            with self._lock:
                self._answered_as[self._key(body)] = model

    def adapting(self, params: Mapping[str, Any]) -> bool:
        """Whether refusals are adapted to on this call (per-call ``adapt=`` wins over the deployment's)."""
        mode = params.get("adapt") or self._dep.adapt
        if mode not in ADAPT_MODES:
            raise InvalidRequestError(f"adapt must be 'auto' or 'off', got {mode!r}")
        return mode == "auto"

    def shape(self, body: dict[str, Any], adapt: bool) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The body to send and what was changed to get it (one sentence each, for the response metadata)."""
        card = self.resolved(body)
        changes: list[str] = []
        if card is not None:
            try:
                shaped = shape_chat_body(card.card, body, surface=self._surface, api_version=self._version)
            except ValueError as exc:
                raise InvalidRequestError(str(exc)) from None
            note = shaped.warning(card.name) if shaped.left_out else None
            if note and self._once(note):
                log.warning("%s Leave these fields unset for this model to silence this.", note)
            body = shaped.body
            changes = [f"sent {old} as {new}" for old, new in shaped.renamed]
            changes += [f"left out {name}" for name in shaped.left_out]
        elif not surface_has_max_completion_tokens(self._surface, self._version) and "max_completion_tokens" in body:
            # docs/wire.md §3: the Model Inference spec (and old api-versions) only have max_tokens.
            body = dict(body)
            limit = body.pop("max_completion_tokens")
            if body.get("max_tokens") not in (None, limit):
                raise InvalidRequestError(
                    "Both max_tokens and max_completion_tokens are set and differ. Fix: set only one completion limit."
                )
            body["max_tokens"] = limit
        if adapt:
            body, applied = self._memory.shape(self._key(body), body)
            changes += [r.describe() for r in applied]
        return body, tuple(changes)

    def rewrite(
        self, err: APIStatusError, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], tuple[Rewrite, ...]] | None:
        """The body of the one retry after ``err`` refused ``body``, or ``None`` when the error stands."""
        if err.status_code < 400 or err.status_code in (401, 403, 404, 408, 429):
            return None
        text = err.body or ""
        try:
            payload: Any = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: a body nested thousands deep (docs/reliability.md)
            payload = text
        rewrites = rewrites_for(err.status_code, payload, body)
        if not rewrites:
            return None
        new, done = apply_rewrites(body, rewrites)
        if not done:
            return None
        key = self._key(body)
        self._memory.learn(key, done)
        for rewrite in done:
            if self._once(f"{key}|{rewrite}"):
                log.info("%s refused the request; %s (remembered for this client)", key or "?", rewrite.describe())
        return new, done
