"""The LlamaIndex names of the shared known-model table (``azure_inference.known_models``).

``metadata`` needs no network call: the context window, output budget and accepted request features come from
the model's card. ``ModelCaps`` and ``lookup_model`` stay exported under these names for compatibility;
``ModelCaps`` is ``ModelCard`` (its output budget is ``max_output_tokens``).
"""

from __future__ import annotations

from azure_inference.known_models import KNOWN_MODELS, ModelCard, lookup_model

__all__ = ["KNOWN_MODELS", "ModelCaps", "lookup_model"]

ModelCaps = ModelCard
"""Alias of :class:`azure_inference.known_models.ModelCard`."""
