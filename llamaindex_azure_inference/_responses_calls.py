"""``AzureInference`` on the Responses API: its fields and the four chat calls (sync/async, whole/streamed).

The LLM builds its chat parameter set as always (fields, tools from ``_prepare_chat_with_tools``,
``response_format`` from ``structured_predict``); ``chat_params_to_responses`` re-shapes it for
``POST /responses`` (docs/wire.md §V1.3), so ``FunctionAgent`` and ``structured_predict`` run unchanged on either API.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from pydantic import BaseModel, Field

from azure_inference._responses_call import RESPONSES_ONLY_PARAM_NAMES
from azure_inference.models.responses import Response

from ._responses import (
    ResponsesStreamFolder,
    chat_params_to_responses,
    chat_response_from_response,
    raise_if_filtered,
    to_responses_input,
)

if TYPE_CHECKING:
    from .llm import AzureInference

__all__ = ["ResponsesFields", "achat", "astream_chat", "chat", "enabled", "request", "stream_chat"]


class ResponsesFields(BaseModel):
    """The Responses API switch and its own fields (mixed into ``AzureInference``)."""

    use_responses_api: bool | None = Field(
        default=None,
        description="Speak the Responses API (POST /responses) instead of chat completions; None follows the "
        "deployment's api (profile key api = 'responses').",
    )
    reasoning: dict[str, Any] | None = Field(
        default=None,
        description="Responses API only: {'effort': 'low', 'summary': 'auto'}; summaries come back as "
        "ThinkingBlocks. reasoning_effort fills 'effort' when this does not.",
    )
    store: bool | None = Field(default=None, description="Responses API only: let the service keep the response.")


def enabled(llm: AzureInference) -> bool:
    """Whether this call goes to the Responses API; Responses-only fields on the chat API raise, not vanish."""
    on = llm.use_responses_api if llm.use_responses_api is not None else llm.resolved_deployment().api == "responses"
    if not on and (llm.reasoning is not None or llm.store is not None):
        raise ValueError(
            "reasoning and store are Responses API fields; set use_responses_api=True (or api = 'responses' in "
            "the profile), or use reasoning_effort on chat"
        )
    return on


def request(llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The ``input`` and keyword parameters of one Responses call; bad input raises ``ValueError`` before sending."""
    kwargs = dict(kwargs)
    own = {k: kwargs.pop(k) for k in list(kwargs) if k in RESPONSES_ONLY_PARAM_NAMES}
    params = chat_params_to_responses({**llm._params(kwargs), **own})
    reasoning = {**(llm.reasoning or {}), **params.get("reasoning", {})}
    if reasoning:
        params["reasoning"] = reasoning
    if llm.store is not None:
        params.setdefault("store", llm.store)
    instructions, items = to_responses_input(messages)
    if instructions is not None:
        params["instructions"] = "\n\n".join(filter(None, (params.get("instructions"), instructions)))
    return items, params


def _finish(llm: AzureInference, response: Response) -> ChatResponse:
    if llm.raise_on_content_filter:
        raise_if_filtered(response, response.output_text)
    return chat_response_from_response(response)


def chat(llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> ChatResponse:
    """One whole Responses call as a ``ChatResponse``."""
    items, params = request(llm, messages, kwargs)
    return _finish(llm, llm.client.responses(items, **params))


async def achat(llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]) -> ChatResponse:
    """One whole Responses call as a ``ChatResponse`` (async)."""
    items, params = request(llm, messages, kwargs)
    return _finish(llm, await llm.async_client.responses(items, **params))


def stream_chat(
    llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
) -> Generator[ChatResponse, None, None]:
    """A streamed Responses call: one ``ChatResponse`` per event that added something (request built now)."""
    items, params = request(llm, messages, kwargs)

    def gen() -> Generator[ChatResponse, None, None]:
        stream = llm.client.stream_responses(items, **params)
        with stream:
            folder = ResponsesStreamFolder()
            for delta in stream.deltas():
                shown = folder.show(delta)
                if shown is not None:
                    yield shown
            if llm.raise_on_content_filter:
                raise_if_filtered(stream.get_final_response(), stream.accumulator.text)

    return gen()


def astream_chat(
    llm: AzureInference, messages: Sequence[ChatMessage], kwargs: dict[str, Any]
) -> AsyncGenerator[ChatResponse, None]:
    """A streamed Responses call (async)."""
    items, params = request(llm, messages, kwargs)

    async def gen() -> AsyncGenerator[ChatResponse, None]:
        stream = await llm.async_client.stream_responses(items, **params)
        async with stream:
            folder = ResponsesStreamFolder()
            async for delta in stream.deltas():
                shown = folder.show(delta)
                if shown is not None:
                    yield shown
            if llm.raise_on_content_filter:
                raise_if_filtered(await stream.get_final_response(), stream.accumulator.text)

    return gen()
