"""The model parameters of ``AzureInference`` and the parameter set of one call that they make.

The fields hold what every call sends (sampling, limits, reasoning controls) and what overrides the known-model
table (context window, tools, ``json_schema``, text generation); ``_params`` merges them with one call's keyword
arguments into the ``ChatParams`` / ``CompletionParams`` the transport takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, model_validator

from azure_inference._requests import CHAT_PARAM_NAMES, COMPLETION_PARAM_NAMES
from azure_inference._surfaces import Surface

if TYPE_CHECKING:
    from azure_inference.config import Deployment

__all__ = ["COMPLETION_PARAMS", "ChatFields"]

# Keyword arguments LlamaIndex passes down through chat(**kwargs) that are not model parameters.
_NOT_MODEL_PARAMS = frozenset({"formatted", "error_on_no_tool_call", "error_on_tool_error", "verbose"})
# Per-call keyword arguments the transport takes as they are (ChatParams / CompletionParams); anything else is
# an extra model parameter for the body. extra_body is merged, not replaced; stream_usage stays a body key.
_CHAT_PARAMS = CHAT_PARAM_NAMES - {"extra_body", "stream_usage"}
COMPLETION_PARAMS = COMPLETION_PARAM_NAMES - {"extra_body", "stream_usage"}


class ChatFields(BaseModel):
    """The model parameters of ``AzureInference`` (a mixin; documented in docs/llamaindex.md)."""

    temperature: float | None = Field(default=None, description="Sampling temperature; None leaves the default.")
    max_tokens: int | None = Field(default=None, description="Largest completion, in tokens.")
    top_p: float | None = Field(default=None, description="Nucleus sampling probability mass.")
    seed: int | None = Field(default=None, description="Seed for best-effort deterministic sampling.")
    stop: list[str] | None = Field(default=None, description="Sequences that end the completion.")
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra model parameters merged into every request body (alias model_kwargs). Keys outside "
        "the spec are sent with the extra-parameters header (pass-through unless extra_parameters says otherwise).",
    )
    context_window: int | None = Field(
        default=None, description="Prompt + completion tokens; default from the known-model table, else 128000."
    )
    is_function_calling: bool | None = Field(
        default=None,
        description="Whether the model accepts tools; default from the known-model table, else True.",
    )
    supports_json_schema: bool | None = Field(
        default=None,
        description="Whether the model accepts response_format json_schema (used by structured_predict); "
        "default from the known-model table, else False (function calling is used instead).",
    )
    text_generation: bool | None = Field(
        default=None,
        description="Serve complete() on /completions (a text-generation model such as gpt-35-turbo-instruct); "
        "default from the known-model table.",
    )
    reasoning_effort: str | None = Field(
        default=None,
        description="How hard a reasoning model thinks: 'low', 'medium', 'high' (gpt-5 adds 'minimal'); left out, "
        "with one warning, for known models without effort control (docs/wire.md §V1.2.1).",
    )
    verbosity: Literal["low", "medium", "high"] | None = Field(
        default=None, description="Answer length of gpt-5 family models; left out for other known models."
    )
    split_think_tags: bool = Field(
        default=True, description="Move <think>...</think> reasoning out of the content into a ThinkingBlock."
    )
    raise_on_content_filter: bool = Field(
        default=True,
        description="Raise ContentFilterError when the service filtered the completion (finish_reason "
        "content_filter) instead of returning the partial text.",
    )

    @model_validator(mode="before")
    @classmethod
    def _model_kwargs_alias(cls, data: Any) -> Any:
        if isinstance(data, dict) and "model_kwargs" in data:
            data = dict(data)
            data["additional_kwargs"] = {**data.pop("model_kwargs"), **(data.get("additional_kwargs") or {})}
        return data

    if TYPE_CHECKING:

        def resolved_deployment(self) -> Deployment: ...

    # -- the parameters of one call -----------------------------------------------------------------------------------

    def _params(self, kwargs: dict[str, Any], allowed: frozenset[str] = _CHAT_PARAMS) -> dict[str, Any]:
        params: dict[str, Any] = {
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "top_p": self.top_p,
            "seed": self.seed,
            "stop": self.stop,
        }
        if allowed is _CHAT_PARAMS:
            params["reasoning_effort"] = self.reasoning_effort
            params["verbosity"] = self.verbosity
            if kwargs.get("max_completion_tokens") is not None:
                params["max_tokens"] = None  # one completion limit under either name: the call's wins
        extra = dict(self.additional_kwargs)
        for key, value in kwargs.items():
            if key in _NOT_MODEL_PARAMS:
                continue
            if key == "parallel_tool_calls" and value is False and not self._sends_parallel_tool_calls():
                continue  # enforced here instead: only the first call is returned (one_call / StreamFolder)
            if key in allowed:
                params[key] = value
            elif key == "extra_body":
                extra.update(value or {})
            else:
                extra[key] = value  # an extra model parameter, e.g. top_k
        if extra:
            params["extra_body"] = extra
        return {k: v for k, v in params.items() if v is not None}

    def _sends_parallel_tool_calls(self) -> bool:
        """Whether ``parallel_tool_calls=false`` goes on the wire (else it is enforced on the reply only).

        It is a field of the v1 chat API (docs/wire.md §V1.2.1), sent on ``openai-v1`` and OpenAI-compatible servers.
        The Model Inference spec has no such field (docs/wire.md §2.2): there it needs ``extra-parameters:
        pass-through``, and a model that does not know it fails the whole tool-calling turn, so it is sent only
        when the deployment opted into ``extra_parameters="pass-through"``. The legacy ``azure-openai`` route
        validates bodies against the dated spec our wire notes cover (docs/wire.md), which has no such field: not
        sent there. Wherever it is not sent, at most one call comes back all the same.
        """
        deployment = self.resolved_deployment()
        surface = deployment.resolved_surface
        if surface in (Surface.OPENAI_V1, Surface.OPENAI_COMPATIBLE):
            return True
        return surface is Surface.MODEL_INFERENCE and deployment.extra_parameters == "pass-through"
