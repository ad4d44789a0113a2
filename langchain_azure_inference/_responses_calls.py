"""``ChatAzureInference`` on the Responses API: the four calls (sync/async, whole/streamed), one parameter path.

The model builds its chat parameter set as always (fields, ``bind`` kwargs from ``bind_tools`` and
``with_structured_output``); ``chat_params_to_responses`` re-shapes it for ``POST /responses`` (docs/wire.md §V1.3).
Responses-only keywords (``reasoning``, ``store``, ``previous_response_id``, ...) are taken out first, so they
reach the body as fields rather than as unknown extras.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from azure_inference._responses_call import RESPONSES_ONLY_PARAM_NAMES
from azure_inference.models.responses import Response

from ._responses import (
    ai_message_from_response,
    chat_params_to_responses,
    chunk_from_delta,
    messages_to_input,
    new_turns,
)
from ._responses import raise_if_filtered as _raise_if_filtered

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun

    from .chat_models import ChatAzureInference

__all__ = ["agenerate", "astream", "generate", "request", "stream"]


def request(
    model: ChatAzureInference, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
) -> tuple[str | list[dict[str, Any]], dict[str, Any]]:
    """The ``input`` and keyword parameters of one Responses call; bad input raises ``ValueError`` before sending."""
    if stop or model.stop:
        raise ValueError("the Responses API has no stop sequences; remove stop, or use the chat completions API")
    own = {k: kwargs.pop(k) for k in list(kwargs) if k in RESPONSES_ONLY_PARAM_NAMES}
    kwargs.pop("stream_usage", None)  # the Responses API always reports usage on its last event
    params = chat_params_to_responses({**model._params(None, kwargs), **own})
    reasoning = {**(model.reasoning or {}), **params.get("reasoning", {})}
    if reasoning:
        params["reasoning"] = reasoning
    if model.store is not None:
        params.setdefault("store", model.store)
    if model.use_previous_response_id and "previous_response_id" not in params:
        previous, messages = new_turns(messages)
        if previous is not None:
            params["previous_response_id"] = previous
    instructions, items = messages_to_input(messages)
    if instructions is not None:
        params["instructions"] = "\n\n".join(filter(None, (params.get("instructions"), instructions)))
    return items, params


def _result(model: ChatAzureInference, response: Response) -> ChatResult:
    message = ai_message_from_response(response)
    if model.raise_on_content_filter:
        _raise_if_filtered(response, message.text)
    info = {"finish_reason": message.response_metadata["finish_reason"]}
    return ChatResult(
        generations=[ChatGeneration(message=message, generation_info=info)],
        llm_output={"model_name": response.model, "id": response.id},
    )


def generate(
    model: ChatAzureInference, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
) -> ChatResult:
    """One whole Responses call as a ``ChatResult``."""
    items, params = request(model, messages, stop, kwargs)
    return _result(model, model._client().responses(items, **params))


async def agenerate(
    model: ChatAzureInference, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any
) -> ChatResult:
    """One whole Responses call as a ``ChatResult`` (async)."""
    items, params = request(model, messages, stop, kwargs)
    client = await model._aclient()
    return _result(model, await client.responses(items, **params))


def _finish(model: ChatAzureInference, response: Response) -> None:
    if model.raise_on_content_filter:
        _raise_if_filtered(response, response.output_text)


def stream(
    model: ChatAzureInference,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: CallbackManagerForLLMRun | None,
    **kwargs: Any,
) -> Iterator[ChatGenerationChunk]:
    """A streamed Responses call: one chunk per event that added something (folded once, by the transport)."""
    items, params = request(model, messages, stop, kwargs)
    events = model._client().stream_responses(items, **params)
    with events:
        for delta in events.deltas():
            message = chunk_from_delta(delta)
            if message is None:
                continue
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
        _finish(model, events.get_final_response())


async def astream(
    model: ChatAzureInference,
    messages: list[BaseMessage],
    stop: list[str] | None,
    run_manager: AsyncCallbackManagerForLLMRun | None,
    **kwargs: Any,
) -> AsyncIterator[ChatGenerationChunk]:
    """A streamed Responses call (async)."""
    items, params = request(model, messages, stop, kwargs)
    client = await model._aclient()
    events = await client.stream_responses(items, **params)
    async with events:
        async for delta in events.deltas():
            message = chunk_from_delta(delta)
            if message is None:
                continue
            chunk = ChatGenerationChunk(message=message)
            if run_manager:
                await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
            yield chunk
        _finish(model, await events.get_final_response())
