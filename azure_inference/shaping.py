"""Shape a chat body for a known model before it is sent (pure; docs/wire.md §V1.2.1).

The known-model table (:mod:`.known_models`) says what a model takes; this module turns a body built from the
user's settings into the body that model accepts, and says what it changed so the caller can warn once:

- ``max_tokens`` becomes ``max_completion_tokens`` for models that refuse ``max_tokens``, on surfaces whose
  spec has the newer field (and back to ``max_tokens`` where the spec only has that one);
- fields the model refuses (sampling fields on reasoning models, ``reasoning_effort`` / ``verbosity`` on
  models without them) are left out;
- ``developer`` messages become ``system`` messages on models without the developer role.

A ``reasoning_effort`` value the model does not take is a mistake in the user's settings, not a field to
drop: it raises before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .known_models import ModelCard

__all__ = ["ShapedBody", "shape_chat_body", "surface_has_max_completion_tokens"]

_OPTIONAL_FEATURES = ("reasoning_effort", "verbosity")

# [OLDVER] (docs/wire.md §V1.1): max_completion_tokens first appeared in the Azure OpenAI 2024-09-01-preview spec.
_FIRST_AOAI_VERSION_WITH_MCT = "2024-09-01"


def surface_has_max_completion_tokens(surface: str, api_version: str | None = None) -> bool:
    """Whether a surface's spec has ``max_completion_tokens`` (pure).

    Args:
        surface: ``openai-v1``, ``azure-openai``, ``openai-compatible`` or ``model-inference`` (or the
            matching ``config.Surface``, a ``str`` enum).
        api_version: The Azure OpenAI ``api-version`` (dated versions compare as text: ``YYYY-MM-DD``).

    Returns:
        ``False`` for the Model Inference API (its spec has only ``max_tokens``, docs/wire.md §3) and for Azure OpenAI
        versions before 2024-09-01-preview; ``True`` otherwise.
    """
    if surface == "model-inference":
        return False
    if surface == "azure-openai" and api_version:
        return api_version[:10] >= _FIRST_AOAI_VERSION_WITH_MCT
    return True


@dataclass(frozen=True)
class ShapedBody:
    """The result of :func:`shape_chat_body`.

    Attributes:
        body: The body to send (a new dict; the input is not changed).
        left_out: Fields removed because the model refuses them, in body order.
        renamed: ``(old, new)`` field renames (``("max_tokens", "max_completion_tokens")``).
        system_for_developer: ``developer`` messages were sent as ``system``.
    """

    body: dict[str, Any]
    left_out: tuple[str, ...] = ()
    renamed: tuple[tuple[str, str], ...] = ()
    system_for_developer: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything differs from the input body."""
        return bool(self.left_out or self.renamed or self.system_for_developer)

    def warning(self, model: str) -> str | None:
        """One warning sentence naming every change, or ``None`` when nothing changed."""
        parts = []
        if self.left_out:
            parts.append(f"left out {', '.join(self.left_out)} (not accepted by this model)")
        parts += [f"sent {old} as {new}" for old, new in self.renamed]
        if self.system_for_developer:
            parts.append("sent developer messages as system messages")
        return f"{model}: " + "; ".join(parts) + "." if parts else None


def _token_limit(body: dict[str, Any], card: ModelCard, has_mct: bool, renamed: list[tuple[str, str]]) -> None:
    if not has_mct:
        source, target = "max_completion_tokens", "max_tokens"  # the only limit that surface's spec has
    elif card.token_param == "max_completion_tokens":
        source, target = "max_tokens", "max_completion_tokens"  # docs/wire.md §V1.2.2: max_tokens is refused
    else:
        return  # both names are understood: send what the user set
    if body.get(source) is None:
        body.pop(source, None)
        return
    if body.get(target) is not None and body[target] != body[source]:
        raise ValueError(
            f"Both max_tokens ({body['max_tokens']}) and max_completion_tokens ({body['max_completion_tokens']}) "
            "are set and differ. Fix: set only one completion limit; it is sent under the name the model takes."
        )
    body[target] = body.pop(source)
    renamed.append((source, target))


def shape_chat_body(
    card: ModelCard, body: Mapping[str, Any], *, surface: str, api_version: str | None = None
) -> ShapedBody:
    """The chat body ``card``'s model accepts, and what was changed to get it (pure).

    Args:
        card: The model's card (see :func:`.known_models.resolve_model`).
        body: The chat body as built from the user's settings.
        surface: The API surface (see :func:`surface_has_max_completion_tokens`).
        api_version: The ``api-version`` sent, if any.

    Returns:
        The shaped body and the list of changes.

    Raises:
        ValueError: ``reasoning_effort`` has a value the model does not take, or two differing token limits
            are set.
    """
    out = dict(body)
    renamed: list[tuple[str, str]] = []
    _token_limit(out, card, surface_has_max_completion_tokens(surface, api_version), renamed)
    effort = out.get("reasoning_effort")
    if effort is not None and card.reasoning_efforts and effort not in card.reasoning_efforts:
        raise ValueError(
            f"reasoning_effort={effort!r} is not accepted by this model. "
            f"Fix: use one of {', '.join(card.reasoning_efforts)}, or leave it unset for the model's default."
        )
    refused = set(card.refused_params)
    if not card.reasoning_efforts:
        refused.add("reasoning_effort")
    if not card.verbosity:
        refused.add("verbosity")
    left_out = tuple(k for k in out if k in refused and out[k] is not None)
    for key in refused:
        out.pop(key, None)
    messages = out.get("messages")
    developer = (
        not card.developer_role
        and isinstance(messages, list)
        and any(isinstance(m, Mapping) and m.get("role") == "developer" for m in messages)
    )
    if developer:
        assert isinstance(messages, list)
        out["messages"] = [
            {**m, "role": "system"} if isinstance(m, Mapping) and m.get("role") == "developer" else m for m in messages
        ]
    return ShapedBody(out, left_out, tuple(renamed), developer)
