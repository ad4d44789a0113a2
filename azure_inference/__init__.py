"""azure_inference: one thin transport for models deployed on Azure.

It speaks the Azure AI Model Inference API and the OpenAI-compatible surfaces Azure recommends (Azure OpenAI
deployments, ``/openai/v1``, any OpenAI-compatible server), sync and async, streaming, with key or Entra ID
auth, retries and typed errors. It imports nothing but httpx, pydantic and the standard library.

    >>> from azure_inference import InferenceClient
    >>> with InferenceClient() as client:  # AZURE_INFERENCE_ENDPOINT / AZURE_INFERENCE_CREDENTIAL
    ...     print(client.chat([{"role": "user", "content": "Hello"}]).content)
"""

from __future__ import annotations

from ._requests import ChatParams, CompletionParams, EmbedParams
from ._version import __version__
from .accumulate import ChatAccumulator, ThinkSplitter
from .client import AsyncInferenceClient, InferenceClient
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
from .media import audio_part, image_data_url
from .models import (
    ChatCompletions,
    ChatCompletionsChunk,
    Completions,
    EmbeddingsResult,
    ModelInfo,
)
from .retry import RetryPolicy
from .sse import ServerSentEvent, SSEDecoder
from .streaming import AsyncChatStream, AsyncCompletionStream, ChatStream, CompletionStream

__all__ = [
    "DEFAULT_API_VERSIONS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatStream",
    "AsyncCompletionStream",
    "AsyncInferenceClient",
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
    "ModelInfo",
    "NotFoundError",
    "ParameterProblem",
    "RateLimitError",
    "ResponseValidationError",
    "RetryPolicy",
    "RouteNotSupportedError",
    "SSEDecoder",
    "ServerError",
    "ServerSentEvent",
    "StreamError",
    "Surface",
    "ThinkSplitter",
    "UnsupportedParameterError",
    "__version__",
    "audio_part",
    "detect_surface",
    "image_data_url",
    "load_profiles",
]
