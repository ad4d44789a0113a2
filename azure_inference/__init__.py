"""azure_inference: one thin transport for models deployed on Azure.

It speaks the Azure AI Model Inference API and the OpenAI-compatible surfaces Azure recommends (Azure OpenAI
deployments, ``/openai/v1``, any OpenAI-compatible server), sync and async, streaming, with key or Entra ID
auth, retries and typed errors. It imports nothing but httpx, pydantic and the standard library.

    >>> from azure_inference import InferenceClient
    >>> with InferenceClient() as client:  # AZURE_INFERENCE_ENDPOINT / AZURE_INFERENCE_CREDENTIAL
    ...     print(client.chat([{"role": "user", "content": "Hello"}]).content)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

# Names are loaded on first use (PEP 562), so `import azure_inference` stays cheap and a sync-only program never
# imports asyncio or the async client's machinery.
_LAZY: dict[str, str] = {
    "APIConnectionError": ".errors",
    "APIStatusError": ".errors",
    "APITimeoutError": ".errors",
    "AsyncChatStream": ".streaming",
    "AsyncCompletionStream": ".streaming",
    "AsyncInferenceClient": "._async_client",
    "AuthenticationError": ".errors",
    "BadRequestError": ".errors",
    "ChatAccumulator": ".accumulate",
    "ChatCompletions": ".models",
    "ChatCompletionsChunk": ".models",
    "ChatParams": "._requests",
    "ChatStream": ".streaming",
    "CompletionParams": "._requests",
    "CompletionStream": ".streaming",
    "Completions": ".models",
    "ConfigurationError": ".errors",
    "ContentFilterError": ".errors",
    "DEFAULT_API_VERSIONS": ".config",
    "Deployment": ".config",
    "EmbedParams": "._requests",
    "EmbeddingsResult": ".models",
    "ExtraParameters": ".config",
    "InferenceClient": ".client",
    "InferenceError": ".errors",
    "InvalidRequestError": ".errors",
    "KNOWN_MODELS": ".known_models",
    "ModelCard": ".known_models",
    "ModelInfo": ".models",
    "NotFoundError": ".errors",
    "ParameterProblem": ".errors",
    "RateLimitError": ".errors",
    "ResponseValidationError": ".errors",
    "RetryPolicy": ".retry",
    "RouteNotSupportedError": ".errors",
    "SSEDecoder": ".sse",
    "ServerError": ".errors",
    "ServerSentEvent": ".sse",
    "StreamError": ".errors",
    "StrictSchemaError": ".strict_schema",
    "Surface": ".config",
    "ThinkSplitter": ".accumulate",
    "UnsupportedParameterError": ".errors",
    "audio_part": ".media",
    "detect_surface": ".config",
    "image_data_url": ".media",
    "load_profiles": ".config",
    "lookup_model": ".known_models",
    "resolve_model": ".known_models",
    "strict_problems": ".strict_schema",
    "to_strict_schema": ".strict_schema",
    "AsyncResponsesStream": ".responses_stream",
    "ResponsesStream": ".responses_stream",
    "Response": ".models.responses",
    "ResponseDelta": ".responses_fold",
    "ResponsesAccumulator": ".responses_fold",
    "ResponsesCallParams": "._responses_call",
    "RESPONSES_PARAM_NAMES": "._responses_call",
}

if TYPE_CHECKING:
    from ._async_client import AsyncInferenceClient
    from ._requests import ChatParams, CompletionParams, EmbedParams
    from ._responses_call import RESPONSES_PARAM_NAMES, ResponsesCallParams
    from .accumulate import ChatAccumulator, ThinkSplitter
    from .client import InferenceClient
    from .config import DEFAULT_API_VERSIONS, Deployment, ExtraParameters, Surface, detect_surface, load_profiles
    from .errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ContentFilterError,
        InferenceError,
        InvalidRequestError,
        NotFoundError,
        ParameterProblem,
        RateLimitError,
        ResponseValidationError,
        RouteNotSupportedError,
        ServerError,
        StreamError,
        UnsupportedParameterError,
    )
    from .known_models import KNOWN_MODELS, ModelCard, lookup_model, resolve_model
    from .media import audio_part, image_data_url
    from .models import (
        ChatCompletions,
        ChatCompletionsChunk,
        Completions,
        EmbeddingsResult,
        ModelInfo,
    )
    from .models.responses import Response
    from .responses_fold import ResponseDelta, ResponsesAccumulator
    from .responses_stream import AsyncResponsesStream, ResponsesStream
    from .retry import RetryPolicy
    from .sse import ServerSentEvent, SSEDecoder
    from .streaming import AsyncChatStream, AsyncCompletionStream, ChatStream, CompletionStream
    from .strict_schema import StrictSchemaError, strict_problems, to_strict_schema


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'azure_inference' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = [
    "DEFAULT_API_VERSIONS",
    "KNOWN_MODELS",
    "RESPONSES_PARAM_NAMES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncCompletionStream",
    "AsyncInferenceClient",
    "AsyncResponsesStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatAccumulator",
    "ChatCompletions",
    "ChatCompletionsChunk",
    "ChatParams",
    "ChatStream",
    "CompletionParams",
    "CompletionStream",
    "Completions",
    "ConfigurationError",
    "ContentFilterError",
    "Deployment",
    "EmbedParams",
    "EmbeddingsResult",
    "ExtraParameters",
    "InferenceClient",
    "InferenceError",
    "InvalidRequestError",
    "ModelCard",
    "ModelInfo",
    "NotFoundError",
    "ParameterProblem",
    "RateLimitError",
    "Response",
    "ResponseDelta",
    "ResponseValidationError",
    "ResponsesAccumulator",
    "ResponsesCallParams",
    "ResponsesStream",
    "RetryPolicy",
    "RouteNotSupportedError",
    "SSEDecoder",
    "ServerError",
    "ServerSentEvent",
    "StreamError",
    "StrictSchemaError",
    "Surface",
    "ThinkSplitter",
    "UnsupportedParameterError",
    "__version__",
    "audio_part",
    "detect_surface",
    "image_data_url",
    "load_profiles",
    "lookup_model",
    "resolve_model",
    "strict_problems",
    "to_strict_schema",
]
