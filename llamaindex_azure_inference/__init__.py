"""LlamaIndex integration for models deployed on Azure, over the shared ``azure_inference`` transport.

- ``AzureInference``: a ``FunctionCallingLLM`` (chat, streaming, tools, agents, structured output).
- ``AzureInferenceEmbedding``: a ``MultiModalEmbedding`` (text and image embeddings).

Both take ``deployment=`` (a ``Deployment`` or a profile name) or the individual fields, and read
``AZURE_INFERENCE_ENDPOINT`` / ``AZURE_INFERENCE_CREDENTIAL`` when nothing is given.
"""

from __future__ import annotations

try:
    import llama_index.core  # noqa: F401  (checked first, so that a missing extra is named, not a deep import)
except ModuleNotFoundError as exc:
    if exc.name not in {"llama_index", "llama_index.core"}:
        raise
    raise ImportError(
        "llamaindex_azure_inference needs llama-index-core, which is not installed. "
        'Fix: pip install "azure-inference-adapters[llamaindex]" (from a clone: pip install -e ".[llamaindex]").'
    ) from exc

from azure_inference import (
    ContentFilterError,
    Deployment,
    InferenceError,
    UnsupportedParameterError,
)

from ._models import ModelCaps, lookup_model
from .embeddings import AzureInferenceEmbedding
from .llm import AzureInference

__all__ = [
    "AzureInference",
    "AzureInferenceEmbedding",
    "ContentFilterError",
    "Deployment",
    "InferenceError",
    "ModelCaps",
    "UnsupportedParameterError",
    "lookup_model",
]
