"""LangChain adapters over the shared ``azure_inference`` transport.

``ChatAzureInference`` (chat), ``AzureInferenceLLM`` (text completion) and ``AzureInferenceEmbeddings``.
The classes are imported on first access so that ``import langchain_azure_inference`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .chat_models import ChatAzureInference
    from .embeddings import AzureInferenceEmbeddings
    from .llms import AzureInferenceLLM

__all__ = ["AzureInferenceEmbeddings", "AzureInferenceLLM", "ChatAzureInference"]

_WHERE = {
    "ChatAzureInference": ".chat_models",
    "AzureInferenceLLM": ".llms",
    "AzureInferenceEmbeddings": ".embeddings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
