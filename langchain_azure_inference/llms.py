"""``AzureInferenceLLM``: text completion (``POST /completions``, docs/wire.md §8) as a LangChain ``BaseLLM``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseLLM, LangSmithParams
from langchain_core.outputs import Generation, GenerationChunk, LLMResult

from azure_inference._requests import COMPLETION_PARAM_NAMES

from ._base import GenerativeBase
from ._convert import PROVIDER

__all__ = ["AzureInferenceLLM"]

# Per-call keyword arguments the transport takes as they are (CompletionParams); anything else goes to the body.
# Not taken from kwargs: extra_body (built from model_kwargs and the unknown keys) and stop (LangChain's own stop
# argument); stream_usage stays a body key, as before.
_CALL_PARAMS = COMPLETION_PARAM_NAMES - {"extra_body", "stop", "stream_usage"}


class AzureInferenceLLM(GenerativeBase, BaseLLM):
    """Text-completion model on ``/completions`` (e.g. ``gpt-35-turbo-instruct``), streamed or not.

    Setup:
        Install the ``langchain`` extra and point the environment at the deployment:

        .. code-block:: bash

            export AZURE_INFERENCE_ENDPOINT="https://<resource>.openai.azure.com/openai/v1"
            export AZURE_INFERENCE_CREDENTIAL="<api key>"

    Key init args — completion params:
        model (str | None): deployment / model name (alias ``model_name``).
        temperature, max_tokens, top_p, stop, seed, presence_penalty, frequency_penalty: sampling, sent when set.
        model_kwargs (dict): more body parameters, sent under the ``extra_parameters`` mode.

    Key init args — client params:
        endpoint, api_key (alias ``credential``), azure_credential, token_provider, deployment (a ``Deployment``
        or profile name), api_version, timeout, max_retries, extra_parameters, model_family, adapt: as for
        ``ChatAzureInference``; see ``docs/langchain.md``.

    Instantiate:
        .. code-block:: python

            from langchain_azure_inference import AzureInferenceLLM

            llm = AzureInferenceLLM(model="gpt-35-turbo-instruct", max_tokens=16)

    Invoke:
        .. code-block:: python

            print(llm.invoke("Once upon a time"))

        .. code-block:: text

            This is gpt-35-turbo-instruct (emulated). You said:

    Stream:
        .. code-block:: python

            print("".join(llm.stream("Once upon a time")))

        .. code-block:: text

            This is gpt-35-turbo-instruct (emulated). You said:

    Async:
        .. code-block:: python

            import asyncio

            print(asyncio.run(llm.ainvoke("Once upon a time")))

        .. code-block:: text

            This is gpt-35-turbo-instruct (emulated). You said:

    Token usage:
        .. code-block:: python

            result = llm.generate(["Once upon a time"])
            print(sorted(result.llm_output["token_usage"]))

        .. code-block:: text

            ['completion_tokens', 'prompt_tokens', 'total_tokens']

    Tool calling and structured output are chat features: use ``ChatAzureInference``.
    """

    @property
    def _llm_type(self) -> str:
        return "azure-inference-completions"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.resolved_model, "endpoint": self.endpoint, **self._default_params()}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        # BaseLLM derives the provider from the class name ("azureinference"); every class of this package
        # reports the chat model's PROVIDER instead, so traces group under one name.
        params = super()._get_ls_params(stop=stop, **kwargs)
        params["ls_provider"] = PROVIDER
        params["ls_model_name"] = kwargs.get("model") or self.resolved_model or "unknown"
        return params

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = self._default_params()
        extra = dict(self.model_kwargs)
        for key, value in kwargs.items():
            if value is not None:
                (params if key in _CALL_PARAMS else extra)[key] = value
        stops = stop if stop is not None else self.stop
        if stops:
            params["stop"] = list(stops)
        if extra:
            params["extra_body"] = extra
        return params

    @staticmethod
    def _result(texts: list[tuple[str, str | None]], usage: dict[str, int], model: str) -> LLMResult:
        generations = [[Generation(text=t, generation_info={"finish_reason": f})] for t, f in texts]
        return LLMResult(
            generations=generations,
            llm_output={"token_usage": usage, "model_name": model, "model_provider": PROVIDER},
        )

    def _generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        client, params = self._client(), self._params(stop, kwargs)
        texts, usage, model = [], _Usage(), ""
        for prompt in prompts:  # one request per prompt: the spec's prompt arrays are not served everywhere
            result = client.complete(prompt, **params)
            choice = result.choices[0] if result.choices else None
            texts.append((choice.text if choice else "", choice.finish_reason if choice else None))
            usage.add(result.usage)
            model = model or result.model
        return self._result(texts, usage.totals, model)

    async def _agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        import asyncio

        client, params = await self._aclient(), self._params(stop, kwargs)
        results = await asyncio.gather(*(client.complete(p, **params) for p in prompts))
        usage, texts = _Usage(), []
        for result in results:
            choice = result.choices[0] if result.choices else None
            texts.append((choice.text if choice else "", choice.finish_reason if choice else None))
            usage.add(result.usage)
        return self._result(texts, usage.totals, results[0].model if results else "")

    def _stream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        with self._client().stream_complete(prompt, **self._params(stop, kwargs)) as stream:
            for part in stream:
                chunk = _chunk(part)
                if chunk is not None:
                    if run_manager:
                        run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk

    async def _astream(
        self,
        prompt: str,
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[GenerationChunk]:
        client = await self._aclient()
        async with await client.stream_complete(prompt, **self._params(stop, kwargs)) as stream:
            async for part in stream:
                chunk = _chunk(part)
                if chunk is not None:
                    if run_manager:
                        await run_manager.on_llm_new_token(chunk.text, chunk=chunk)
                    yield chunk


class _Usage:
    def __init__(self) -> None:
        self.totals = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}

    def add(self, usage: Any) -> None:
        if usage is not None:
            for key in self.totals:
                self.totals[key] += getattr(usage, key, 0) or 0


def _chunk(part: Any) -> GenerationChunk | None:
    choice = part.choices[0] if part.choices else None
    info: dict[str, Any] = {}
    if choice is not None and choice.finish_reason:
        info["finish_reason"] = choice.finish_reason
    if part.usage is not None:
        info["token_usage"] = part.usage.model_dump(exclude_none=True)
    text = choice.text if choice is not None else ""
    if not text and not info:
        return None
    return GenerationChunk(text=text, generation_info=info or None)
