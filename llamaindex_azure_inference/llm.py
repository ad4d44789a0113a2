"""``AzureInference``: a LlamaIndex ``FunctionCallingLLM`` over the shared ``azure_inference`` transport.

This module is the LlamaIndex surface: the class and its examples, metadata, the decorated calls, tools and
structured output. The model-parameter fields and the parameters of one call come from ``_chat_fields``. Each
chat call goes to ``_chat_calls`` (chat completions) or ``_responses_calls`` (the Responses API), which convert
LlamaIndex messages with ``_convert``, send them with the pooled ``InferenceClient`` / ``AsyncInferenceClient``
and convert the replies back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel, PrivateAttr

from . import _chat_calls as chat_api
from . import _responses_calls as responses_api
from ._chat_fields import COMPLETION_PARAMS, ChatFields
from ._config import DeploymentFields
from ._convert import from_wire_completion_response, to_wire_tool_choice, to_wire_tools, tool_selections
from ._models import ModelCaps, lookup_model
from ._structured import json_schema_format, parse_structured
from ._tokens import TokenCounting

if TYPE_CHECKING:
    from llama_index.core.tools.types import BaseTool

__all__ = ["AzureInference"]

Model = TypeVar("Model", bound=BaseModel)

DEFAULT_CONTEXT_WINDOW = 128_000
"""Context window assumed for a model we do not know (set ``context_window`` to override)."""


class AzureInference(ChatFields, TokenCounting, DeploymentFields, responses_api.ResponsesFields, FunctionCallingLLM):
    """Chat models deployed on Azure (OpenAI v1 ``/openai/v1`` first, deployment routes, AI Model Inference
    ``/models``, OpenAI-compatible servers).

    Every LlamaIndex message part the wire can carry is sent (text, images, audio, tool calls and results);
    replies come back with reasoning as a ``ThinkingBlock`` and tool calls as ``ToolCallBlock``s, and
    streamed tool calls are folded whole. ``metadata`` never calls the network. ``tokenizer`` /
    ``count_tokens`` count for this model (``_tokens``), e.g. ``ChatMemoryBuffer(tokenizer_fn=llm.tokenizer)``.

    Setup:
        Install the ``llamaindex`` extra (``pip install ".[llamaindex]"`` from a clone) and point the
        environment at a deployment:

        .. code-block:: bash

            export AZURE_INFERENCE_ENDPOINT="https://<resource>.openai.azure.com/openai/v1"
            export AZURE_INFERENCE_CREDENTIAL="<api key>"

    Key init args — completion params:
        model (str | None): deployment / model name sent in the body.
        temperature, max_tokens, top_p, seed, stop: sampling, sent only when set.
        additional_kwargs (dict): more body parameters (alias ``model_kwargs``).
        reasoning_effort (str | None): ``minimal``/``low``/``medium``/``high``, refused before sending when the
            known model does not take the value.
        model_family (str | None): the known model behind a deployment whose name is not a model name.
        supports_json_schema (bool | None): whether ``structured_predict`` may use ``json_schema``.
        raise_on_content_filter (bool): ``ContentFilterError`` on a filtered completion.

    Key init args — client params:
        endpoint, credential, azure_credential, token_provider, deployment (a ``Deployment`` or a profile name
        from ``azure-inference.toml``), api_version, timeout, max_retries, extra_parameters, adapt: see
        ``docs/llamaindex.md``.

    Instantiate:
        .. code-block:: python

            from llama_index.core.llms import ChatMessage

            from llamaindex_azure_inference import AzureInference

            llm = AzureInference(model="gpt-4o-mini", temperature=0)

    Invoke:
        .. code-block:: python

            print(llm.complete("Say hello.").text)
            response = llm.chat([ChatMessage(role="user", content="What is RAG?")])
            print(response.message.content)

        .. code-block:: text

            This is gpt-4o-mini (emulated). You said: Say hello.
            This is gpt-4o-mini (emulated). You said: What is RAG?

    Stream:
        .. code-block:: python

            for delta in llm.stream_chat([ChatMessage(role="user", content="Count to three.")]):
                if delta.delta:  # the closing delta carries the finish reason and usage, no text
                    print(delta.delta, end="|")
            print()

        .. code-block:: text

            This is gpt|-4o-|mini (emulated|). You| said: Count| to three.|

    Async:
        .. code-block:: python

            import asyncio

            reply = asyncio.run(llm.achat([ChatMessage(role="user", content="Hello")]))
            print(reply.message.content)

        .. code-block:: text

            This is gpt-4o-mini (emulated). You said: Hello

    Reasoning models:
        .. code-block:: python

            reasoner = AzureInference(model="o4-mini", reasoning_effort="low", max_tokens=256)
            usage = reasoner.chat([ChatMessage(role="user", content="What is RAG?")]).raw["usage"]
            print(usage["completion_tokens_details"]["reasoning_tokens"])

        .. code-block:: text

            20

        ``max_tokens`` goes out as ``max_completion_tokens``; a ``reasoning_effort`` value the known model does
        not take raises before anything is sent.

    Tool calling:
        .. code-block:: python

            from llama_index.core.tools import FunctionTool

            def get_weather(city: str) -> str:
                '''Current weather in a city.'''
                return f"Sunny in {city}"

            tool = FunctionTool.from_defaults(fn=get_weather)
            reply = llm.chat_with_tools([tool], user_msg="Weather in Oslo?")
            calls = llm.get_tool_calls_from_response(reply, error_on_no_tool_call=False)
            print([(call.tool_name, call.tool_kwargs) for call in calls])

        .. code-block:: text

            [('get_weather', {'city': 'Oslo'})]

    Structured output:
        .. code-block:: python

            from llama_index.core.prompts import PromptTemplate
            from pydantic import BaseModel

            class Answer(BaseModel):
                answer: str
                confidence: float

            print(llm.structured_predict(Answer, PromptTemplate("Is the sky blue?")))

        .. code-block:: text

            answer='This is gpt-4o-mini (emulated). You said: Is the sky blue?' confidence=1.0

        ``response_format: json_schema`` (strict) when the model supports it, a forced tool call otherwise;
        ``as_structured_llm(Answer)`` and the streaming variants work as in LlamaIndex.

    Token usage and response metadata:
        .. code-block:: python

            kwargs = response.additional_kwargs
            print(kwargs["prompt_tokens"], kwargs["completion_tokens"], kwargs["total_tokens"], kwargs["finish_reason"])

        .. code-block:: text

            5 18 23 stop

        The whole wire response is in ``response.raw`` (``raw["usage"]``, ``raw["model"]``).
    """

    _seen_model: str | None = PrivateAttr(default=None)

    @classmethod
    def class_name(cls) -> str:
        """The LlamaIndex component name."""
        return "AzureInference"

    # -- metadata -------------------------------------------------------------------------------------------

    @property
    def caps(self) -> ModelCaps | None:
        """What the known-model table says about this model (None when unknown). No network call."""
        family = self.model_family or self.resolved_deployment().model_family
        return lookup_model(family or self.model_label or self._seen_model)

    @property
    def metadata(self) -> LLMMetadata:
        """Context window, output budget and capabilities: fields first, then the known-model table."""
        caps = self.caps
        fc = self.is_function_calling if self.is_function_calling is not None else (caps.tools if caps else True)
        num_output = self.max_tokens or (caps.max_output_tokens if caps else None) or 4096
        return LLMMetadata(
            context_window=self.context_window or (caps.context_window if caps else DEFAULT_CONTEXT_WINDOW),
            num_output=num_output,
            is_chat_model=True,
            is_function_calling_model=fc,
            model_name=self.model_label or self._seen_model or "unknown",
            system_role=MessageRole.SYSTEM,
        )

    def _json_schema_ok(self) -> bool:
        if self.supports_json_schema is not None:
            return self.supports_json_schema
        caps = self.caps
        return bool(caps and caps.json_schema)

    def _is_text_generation(self) -> bool:
        if self.text_generation is not None:
            return self.text_generation
        caps = self.caps
        return bool(caps and caps.text_generation)

    # -- chat -----------------------------------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Send the conversation; return the whole reply."""
        return self._chat(messages, **kwargs)

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        api = responses_api if responses_api.enabled(self) else chat_api
        return _first_call_only(api.chat(self, messages, kwargs), kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async ``chat``."""
        return await self._achat(messages, **kwargs)

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        api = responses_api if responses_api.enabled(self) else chat_api
        return _first_call_only(await api.achat(self, messages, kwargs), kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """Stream the reply: each response holds the message so far and the new text in ``delta``."""
        return self._stream_chat(messages, **kwargs)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        if responses_api.enabled(self):
            return responses_api.stream_chat(self, messages, kwargs)
        return chat_api.stream_chat(self, messages, kwargs)

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        """Async ``stream_chat``: ``async for response in await llm.astream_chat(messages)``."""
        return self._astream_chat(messages, **kwargs)

    def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        if responses_api.enabled(self):
            return responses_api.astream_chat(self, messages, kwargs)
        return chat_api.astream_chat(self, messages, kwargs)

    # -- complete -------------------------------------------------------------------------------------------

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Complete a prompt: on ``/completions`` for text-generation models, else as a one-message chat."""
        if self._is_text_generation():
            result = self.client.complete(prompt, **self._params(kwargs, COMPLETION_PARAMS))
            return from_wire_completion_response(result)
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Async ``complete``."""
        if self._is_text_generation():
            result = await self.async_client.complete(prompt, **self._params(kwargs, COMPLETION_PARAMS))
            return from_wire_completion_response(result)
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        """Stream a completion; each response has the text so far and ``delta``."""
        if not self._is_text_generation():
            return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)
        return chat_api.stream_text(self, prompt, self._params(kwargs, COMPLETION_PARAMS))

    @llm_completion_callback()
    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseAsyncGen:
        """Async ``stream_complete``."""
        if not self._is_text_generation():
            return await astream_chat_to_completion_decorator(self._astream_chat_coro)(prompt, **kwargs)
        return chat_api.astream_text(self, prompt, self._params(kwargs, COMPLETION_PARAMS))

    async def _astream_chat_coro(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        return self._astream_chat(messages, **kwargs)

    # -- tools ----------------------------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat`` arguments for a tool-calling turn: messages, tool definitions and ``tool_choice``.

        Unless ``allow_parallel_tool_calls``, ``parallel_tool_calls=False`` is added: sent where the surface takes
        it (``_sends_parallel_tool_calls``) and enforced on the reply, streamed or not (only the first call).
        """
        messages = list(chat_history or [])
        if user_msg is not None:
            messages.append(
                ChatMessage(role=MessageRole.USER, content=user_msg) if isinstance(user_msg, str) else user_msg
            )
        prepared: dict[str, Any] = {"messages": messages, **kwargs}
        if tools:
            prepared["tools"] = to_wire_tools(tools)
            prepared["tool_choice"] = to_wire_tool_choice(tool_choice, tool_required)
            if not allow_parallel_tool_calls:
                prepared.setdefault("parallel_tool_calls", False)
        return prepared

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call unless parallel calls were allowed (as LlamaIndex agents expect)."""
        return response if allow_parallel_tool_calls else chat_api.one_call(response)

    def get_tool_calls_from_response(
        self, response: ChatResponse, error_on_no_tool_call: bool = True, **kwargs: Any
    ) -> list[ToolSelection]:
        """The tool calls of a response; lenient with partial arguments on intermediate stream chunks."""
        return tool_selections(response, error_on_no_tool_call=error_on_no_tool_call)

    # -- structured output ----------------------------------------------------------------------------------

    def _native_structured(self) -> bool:
        return self.pydantic_program_mode == PydanticProgramMode.DEFAULT and self._json_schema_ok()

    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """A pydantic object from the prompt: native strict ``json_schema`` output where the known model takes
        it, else LlamaIndex's function-calling program.

        A deployment that refuses ``json_schema`` gets a forced function call, then ``json_object`` (unless
        ``adapt="off"``); the object is the same either way. ``as_structured_llm`` goes through here too.
        """
        if not self._native_structured():
            result: Model = super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return result
        messages = self._get_messages(prompt, **prompt_args)
        response = self.chat(messages, response_format=json_schema_format(output_cls), **(llm_kwargs or {}))
        return parse_structured(output_cls, response)

    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async ``structured_predict``."""
        if not self._native_structured():
            aresult: Model = await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return aresult
        messages = self._get_messages(prompt, **prompt_args)
        response = await self.achat(messages, response_format=json_schema_format(output_cls), **(llm_kwargs or {}))
        return parse_structured(output_cls, response)

    # -- lifecycle ------------------------------------------------------------------------------------------

    def __enter__(self) -> AzureInference:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> AzureInference:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _first_call_only(response: ChatResponse, kwargs: dict[str, Any]) -> ChatResponse:
    """Only the first tool call when the call said ``parallel_tool_calls=False`` (streams cut in their folders)."""
    return chat_api.one_call(response) if kwargs.get("parallel_tool_calls") is False else response
