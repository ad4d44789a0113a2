"""LangChain adapters over the shared ``azure_inference`` transport.

``ChatAzureInference`` (chat), ``AzureInferenceLLM`` (text completion) and ``AzureInferenceEmbeddings``.
The classes are imported on first access so that ``import langchain_azure_inference`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

# Only look for the extra (importing langchain-core here would cost ~1 s; the classes load on first access).
try:
    _missing: ModuleNotFoundError | None = (
        None if find_spec("langchain_core") else ModuleNotFoundError(name="langchain_core")
    )
except ModuleNotFoundError as exc:
    _missing = exc
if _missing is not None:
    raise ImportError(
        "langchain_azure_inference needs langchain-core, which is not installed. "
        'Fix: pip install "azure-inference-adapters[langchain]" (from a clone: pip install -e ".[langchain]").'
    ) from _missing

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
