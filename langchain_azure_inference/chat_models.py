"""``ChatAzureInference``: a LangChain chat model on the shared ``azure_inference`` transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import LangSmithParams, LanguageModelInput, ModelProfile
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from azure_inference._requests import CHAT_PARAM_NAMES
from azure_inference.errors import completion_filtered

from . import _responses_calls as responses_api
from ._base import GenerativeBase
from ._convert import PROVIDER, StreamConverter, chat_result_from_wire, messages_to_wire
from ._profiles import lookup_profile, profile_from_info
from ._tools import (
    StructuredMethod,
    json_schema_format,
    output_parser,
    tool_choice_to_wire,
    tools_to_wire,
    with_parser,
)

__all__ = ["ChatAzureInference"]

# Per-call keyword arguments the transport takes as they are (ChatParams); anything else goes to the body.
# Not taken from kwargs: extra_body (built from model_kwargs and the unknown keys), stop (LangChain's own stop
# argument) and stream_usage (read by _stream).
_CALL_PARAMS = CHAT_PARAM_NAMES - {"extra_body", "stop", "stream_usage"}


class ChatAzureInference(GenerativeBase, BaseChatModel):
    """Chat model for models deployed on Azure (Azure OpenAI ``/openai/v1`` first, deployment routes, the retired
    Model Inference API ``/models``, OpenAI-compatible servers).

    Setup:
        Install the ``langchain`` extra (``pip install ".[langchain]"`` from a clone) and point the environment at
        a deployment (the ``/openai/v1`` URL needs no ``api-version``):

        .. code-block:: bash

            export AZURE_INFERENCE_ENDPOINT="https://<resource>.openai.azure.com/openai/v1"
            export AZURE_INFERENCE_CREDENTIAL="<api key>"

    Key init args — completion params:
        model (str | None): deployment / model name sent in the body (alias ``model_name``).
        temperature, top_p, seed, stop, presence_penalty, frequency_penalty: sampling, sent only when set.
        max_tokens (int | None): largest completion (alias ``max_completion_tokens``); reasoning models get
            ``max_completion_tokens`` on the wire.
        reasoning_effort (str | None): ``minimal``/``low``/``medium``/``high``, refused before sending when the
            known model does not take the value.
        model_family (str | None): the known model behind a deployment whose name is not a model name, so
            requests are shaped for it (``model="prod-reasoner", model_family="o4-mini"``).
        raise_on_content_filter (bool): ``ContentFilterError`` (partial text, categories) on a filtered
            completion; ``False`` returns the cut text.

    Key init args — client params:
        endpoint (str | None): endpoint URL; from ``AZURE_INFERENCE_ENDPOINT``.
        api_key (SecretStr | None): API key (alias ``credential``); from ``AZURE_INFERENCE_CREDENTIAL``.
        azure_credential / token_provider: Entra ID instead of a key.
        deployment (Deployment | str | None): a ``Deployment`` or a profile name from ``azure-inference.toml``
            (``deployment="prod"``); fields given explicitly override it.
        api_version, timeout, max_retries, extra_parameters, http_client, http_async_client: transport settings.
        adapt (``auto`` | ``off``): on a recognised refusal (``max_tokens``, a sampling field, ``json_schema``)
            rewrite the request once, retry and remember; ``off`` raises the service's error.

        Every field is listed in ``docs/langchain.md`` (with the migration table from ``AzureChatOpenAI`` and
        ``langchain-azure-ai``).

    Instantiate:
        .. code-block:: python

            from langchain_azure_inference import ChatAzureInference

            llm = ChatAzureInference(model="gpt-4o-mini", temperature=0, max_tokens=256)

    Invoke:
        .. code-block:: python

            msg = llm.invoke([("system", "Answer briefly."), ("user", "What is RAG?")])
            print(msg.content)

        .. code-block:: text

            This is gpt-4o-mini (emulated). You said: What is RAG?

    Stream:
        .. code-block:: python

            for chunk in llm.stream("Count to three."):
                if chunk.content:  # the closing chunks carry the finish reason and usage, no text
                    print(chunk.content, end="|")
            print()

        .. code-block:: text

            This is gpt|-4o-|mini (emulated|). You| said: Count| to three.|

    Async:
        .. code-block:: python

            import asyncio

            async def main() -> None:
                msg = await llm.ainvoke("Hello")  # native async; astream, abatch likewise
                print(msg.content)

            asyncio.run(main())

        .. code-block:: text

            This is gpt-4o-mini (emulated). You said: Hello

    Reasoning models:
        .. code-block:: python

            reasoner = ChatAzureInference(model="o4-mini", reasoning_effort="low", max_tokens=256)
            msg = reasoner.invoke("What is RAG?")
            print(msg.usage_metadata["output_token_details"]["reasoning"], msg.response_metadata["adaptations"])

        .. code-block:: text

            20 ['sent max_tokens as max_completion_tokens']

        Fields the known model refuses are adapted or left out with one warning; a ``reasoning_effort`` value it
        does not take (``"minimal"`` on o4-mini) raises ``InvalidRequestError`` before anything is sent.

    Tool calling:
        .. code-block:: python

            from pydantic import BaseModel, Field

            class GetWeather(BaseModel):
                '''Current weather in a city.'''

                city: str = Field(description="city name")

            msg = llm.bind_tools([GetWeather], tool_choice="auto").invoke("Weather in Oslo?")
            print([(call["name"], call["args"]) for call in msg.tool_calls])

        .. code-block:: text

            [('GetWeather', {'city': 'Oslo'})]

        ``strict=True`` and ``parallel_tool_calls=False`` are passed on to the service.

    Structured output:
        .. code-block:: python

            class Answer(BaseModel):
                answer: str
                confidence: float

            structured = llm.with_structured_output(Answer)  # json_schema where the model supports it
            print(structured.invoke("Is the sky blue?"))

        .. code-block:: text

            answer='This is gpt-4o-mini (emulated). You said: Is the sky blue?' confidence=1.0

        ``strict=True`` makes the schema follow the service's strict rules (refused before sending where it
        cannot). A deployment that refuses ``json_schema`` gets a forced function call, then ``json_object``
        (``adapt="auto"``), with the same parsed value. ``method="function_calling"`` / ``"json_mode"`` and
        ``include_raw=True`` are there too.

    Token usage:
        .. code-block:: python

            msg = llm.invoke("What is RAG?")
            print({k: msg.usage_metadata[k] for k in ("input_tokens", "output_tokens", "total_tokens")})

        .. code-block:: text

            {'input_tokens': 5, 'output_tokens': 18, 'total_tokens': 23}

    Response metadata:
        .. code-block:: python

            meta = msg.response_metadata
            print(meta["model_name"], meta["finish_reason"], meta["model_provider"])

        .. code-block:: text

            gpt-4o-mini stop azure_inference

        The response ``id`` and the content filter results are there too when the service sends them.
    """

    streaming: bool = False
    """Stream internally even for ``invoke`` (callbacks get tokens as they come)."""
    stream_usage: bool = True
    """Ask for usage on streams (``stream_options`` where the surface has it) and report it on the last chunk."""
    think_tags: tuple[str, str] | None = ("<think>", "</think>")
    """Tags around reasoning inside ``content`` (e.g. some DeepSeek-R1 deployments), split out into
    ``reasoning_content``, streaming-safe; ``None`` leaves content untouched."""
    reasoning_effort: str | None = None
    """How hard a reasoning model thinks: ``low``, ``medium``, ``high`` (gpt-5 adds ``minimal``); left out, with
    one warning, for known models without effort control (docs/wire.md §V1.2.1)."""
    verbosity: Literal["low", "medium", "high"] | None = None
    """How long the answer of a gpt-5 family model is (docs/wire.md §V1.2.1); left out for other known models."""
    use_responses_api: bool | None = None
    """Speak the Responses API (``POST /responses``, docs/wire.md §V1.3) instead of chat completions; ``None``
    follows the deployment's ``api`` (profile key ``api = "responses"``)."""
    reasoning: dict[str, Any] | None = None
    """Responses API only: ``{"effort": "low", "summary": "auto"}``; the summary comes back as a reasoning
    content block. ``reasoning_effort`` fills ``effort`` when this does not."""
    store: bool | None = None
    """Responses API only: let the service keep the response (needed to continue it by id)."""
    use_previous_response_id: bool = False
    """Responses API only: when the last ``AIMessage`` is a stored Responses answer, send its id as
    ``previous_response_id`` and only the turns after it."""
    raise_on_content_filter: bool = True
    """Raise ``ContentFilterError`` (with the partial text and the categories) when the service's content filter
    cut the completion (``finish_reason="content_filter"``), instead of returning the cut text."""

    @property
    def _llm_type(self) -> str:
        return "azure-inference-chat"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Not serializable: ``langchain_core.load`` only revives classes in its own allow-list mapping."""
        return False

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """``["langchain_azure_inference", "chat_models"]``."""
        return ["langchain_azure_inference", "chat_models"]

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The API key comes from ``AZURE_INFERENCE_CREDENTIAL`` when deserialized."""
        return {"api_key": "AZURE_INFERENCE_CREDENTIAL"}

    def _resolve_model_profile(self) -> ModelProfile | None:
        # No I/O at construction: the table by family or name only. fetch_profile() consults /info explicitly.
        return lookup_profile(self.model_family or self.get_deployment().model_family or self.resolved_model)

    def _default_params(self) -> dict[str, Any]:
        params = super()._default_params()
        if self.reasoning_effort is not None:
            params["reasoning_effort"] = self.reasoning_effort
        if self.verbosity is not None:
            params["verbosity"] = self.verbosity
        return params

    def _checked(self, result: ChatResult) -> ChatResult:
        for gen in result.generations:
            if self.raise_on_content_filter and gen.message.response_metadata.get("finish_reason") == "content_filter":
                self._filtered(gen.message.response_metadata.get("content_filter_results"), gen.message.text)
        return result

    def _filtered(self, categories: dict[str, Any] | None, partial: str) -> None:
        # docs/wire.md §V1.7, rule 3: an output block is a 200 whose finish_reason says content_filter; the text is cut.
        raise completion_filtered(
            categories, partial, "rephrase the prompt, or set raise_on_content_filter=False to get the cut text"
        )

    def fetch_profile(self) -> ModelProfile | None:
        """Ask ``/info`` which model this is (once; cached) and set ``profile`` from the known-model table.

        A profile the user gave is kept. Where the endpoint has no ``/info``, the name-based profile stays.
        """
        if self.profile is None:
            info = self._client().try_get_model_info()
            if info is not None:
                self.profile = profile_from_info(info.model_name, info.model_type)
        return self.profile

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.resolved_model, "endpoint": self.endpoint, **self._default_params()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider=PROVIDER,
            ls_model_name=kwargs.get("model") or self.resolved_model or "unknown",
            ls_model_type="chat",
        )
        if self.temperature is not None:
            params["ls_temperature"] = self.temperature
        if self.max_tokens is not None:
            params["ls_max_tokens"] = self.max_tokens
        if stop or self.stop:
            params["ls_stop"] = stop or self.stop
        return params

    # -- request ------------------------------------------------------------------------------------------

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        """The transport's keyword parameters for one call: fields, then per-call overrides."""
        params = self._default_params()
        extra = dict(self.model_kwargs)
        for key, value in kwargs.items():
            if key == "stream_usage" or value is None:
                continue
            if key in _CALL_PARAMS:
                params[key] = value
            else:
                extra[key] = value
        if "max_completion_tokens" in params or "max_tokens" in kwargs:
            # One completion limit under either name (docs/wire.md §V1.2.1): the call's wins over the field.
            params.pop("max_tokens" if "max_completion_tokens" in kwargs else "max_completion_tokens", None)
        stops = stop if stop is not None else self.stop
        if stops:
            params["stop"] = list(stops)
        if extra:
            params["extra_body"] = extra
        return params

    # -- calls --------------------------------------------------------------------------------------------

    def _responses_on(self) -> bool:
        on = self.use_responses_api if self.use_responses_api is not None else self.get_deployment().api == "responses"
        if not on and (self.reasoning is not None or self.store is not None or self.use_previous_response_id):
            raise ValueError(
                "reasoning, store and use_previous_response_id are Responses API fields; set "
                "use_responses_api=True (or api = 'responses' in the profile), or use reasoning_effort on chat"
            )
        return on

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._responses_on():
            return responses_api.generate(self, messages, stop, **kwargs)
        response = self._client().chat(messages_to_wire(messages), **self._params(stop, kwargs))
        return self._checked(chat_result_from_wire(response, self.think_tags))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._responses_on():
            return await responses_api.agenerate(self, messages, stop, **kwargs)
        client = await self._aclient()
        response = await client.chat(messages_to_wire(messages), **self._params(stop, kwargs))
        return self._checked(chat_result_from_wire(response, self.think_tags))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self._responses_on():
            yield from responses_api.stream(self, messages, stop, run_manager, **kwargs)
            return
        usage = kwargs.get("stream_usage", self.stream_usage)
        params = self._params(stop, kwargs)
        stream = self._client().stream_chat(messages_to_wire(messages), stream_usage=usage, **params)
        with stream:
            converter = StreamConverter(accumulator=stream.accumulator, adaptations=stream.adaptations)
            for delta in stream.deltas(self.think_tags):  # folded once, by the transport
                chunk = converter.show(delta)
                if chunk is not None:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        last = converter.finish()
        if self.raise_on_content_filter and converter.accumulator.finish_reason == "content_filter":
            self._filtered(converter.accumulator.content_filter_results, converter.accumulator.text)
        if not usage:
            last.message.usage_metadata = None  # type: ignore[attr-defined]
        if run_manager:
            run_manager.on_llm_new_token(last.text, chunk=last)
        yield last

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._responses_on():
            async for piece in responses_api.astream(self, messages, stop, run_manager, **kwargs):
                yield piece
            return
        usage = kwargs.get("stream_usage", self.stream_usage)
        params = self._params(stop, kwargs)
        client = await self._aclient()
        stream = await client.stream_chat(messages_to_wire(messages), stream_usage=usage, **params)
        async with stream:
            converter = StreamConverter(accumulator=stream.accumulator, adaptations=stream.adaptations)
            async for delta in stream.deltas(self.think_tags):  # folded once, by the transport
                chunk = converter.show(delta)
                if chunk is not None:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk
        last = converter.finish()
        if self.raise_on_content_filter and converter.accumulator.finish_reason == "content_filter":
            self._filtered(converter.accumulator.content_filter_results, converter.accumulator.text)
        if not usage:
            last.message.usage_metadata = None  # type: ignore[attr-defined]
        if run_manager:
            await run_manager.on_llm_new_token(last.text, chunk=last)
        yield last

    # -- tools and structured output ----------------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (dicts, pydantic models, functions, ``BaseTool``s) to the model.

        Args:
            tools: the tools the model may call.
            tool_choice: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True`` (must call one), or a tool name.
            strict: ask the service to make arguments match the schema exactly (where supported).
            parallel_tool_calls: allow several calls in one turn (sent as an extra parameter).
            **kwargs: more per-call parameters.
        """
        wire = tools_to_wire(tools, strict=strict)
        choice = tool_choice_to_wire(tool_choice, wire)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return super().bind(tools=wire, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable whose output follows ``schema`` (a pydantic model, TypedDict or JSON-schema dict).

        Args:
            schema: the output schema (may be ``None`` only with ``method="json_mode"``).
            method: ``json_schema`` (the default where the known model supports it), ``function_calling``
                (the default otherwise) or ``json_mode``
                (``json_object``; say in the prompt which keys you want). A deployment that refuses
                ``json_schema`` gets a forced function call, then ``json_object`` (unless ``adapt="off"``);
                the parsed value is the same either way, and ``response_metadata["adaptations"]`` says so.
            include_raw: return ``{"raw", "parsed", "parsing_error"}`` instead of raising on a parse error.
            strict: strict schema adherence: the schema is made to follow the service's strict rules (every
                property required, optional ones nullable, ``additionalProperties: false``); keywords strict
                mode refuses raise ``StrictSchemaError`` here, before anything is sent.
            **kwargs: must be empty.
        """
        if kwargs:
            raise ValueError(f"unexpected arguments: {sorted(kwargs)}")
        method = method or self._default_structured_method()
        if schema is None and method != "json_mode":
            raise ValueError(f"schema is required for method={method!r}")
        tool_name = None
        if method == "function_calling":
            tool = tools_to_wire([schema], strict=strict)[0]  # type: ignore[list-item]
            tool_name = tool["function"]["name"]
            llm = self.bind_tools(
                [schema],  # type: ignore[list-item]
                tool_choice=tool_name,
                strict=strict,
                ls_structured_output_format={"kwargs": {"method": method}, "schema": tool},
            )
        elif method == "json_schema":
            fmt = json_schema_format(schema, strict)
            tool_name = fmt["json_schema"]["name"]  # the forced call's name, if the deployment refuses json_schema
            llm = self.bind(
                response_format=fmt,
                ls_structured_output_format={"kwargs": {"method": method}, "schema": fmt["json_schema"]["schema"]},
            )
        elif method == "json_mode":
            llm = self.bind(
                response_format={"type": "json_object"},
                ls_structured_output_format={"kwargs": {"method": method}, "schema": schema},
            )
        else:
            raise ValueError(f"method must be json_schema, function_calling or json_mode, not {method!r}")
        return with_parser(llm, output_parser(schema, method, tool_name), include_raw)

    def _default_structured_method(self) -> Literal["json_schema", "function_calling"]:
        # json_schema where the known model (by model_family or name) takes it, else function calling; either
        # steps down on a refusal (azure_inference.adapt) unless adapt="off".
        profile = self.profile or {}
        return "json_schema" if profile.get("structured_output", False) else "function_calling"
