"""Token counting for the chat model and the text LLM, without ``transformers`` (``azure_inference.tokens``).

LangChain's defaults fall back to a GPT-2 tokenizer from ``transformers``, so ``get_num_tokens`` and
``trim_messages(token_counter=llm)`` failed where it is not installed, and counted wrongly where it is. Here
OpenAI-family models are counted exactly with ``tiktoken`` (the ``tiktoken`` extra) and every other model gets
the transport's documented estimate; a ``custom_get_token_ids`` given by the caller always wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from azure_inference.tokens import count_messages, count_text, token_ids

__all__ = ["TokenCounting"]


class TokenCounting:
    """Mixin for LangChain language models with a ``resolved_model`` (see the module docstring)."""

    def _token_model(self) -> str | None:
        model = getattr(self, "resolved_model", None)
        return model if isinstance(model, str) else None

    def _custom_ids(self) -> Callable[[str], list[int]] | None:
        custom = getattr(self, "custom_get_token_ids", None)
        return custom if callable(custom) else None

    def get_token_ids(self, text: str) -> list[int]:
        """The model's token ids for ``text`` (exact tokenizers only: OpenAI-family models with tiktoken).

        Raises:
            ValueError: no exact tokenizer is known for this model, or tiktoken is not installed.
        """
        custom = self._custom_ids()
        if custom is not None:
            return list(custom(text))
        ids = token_ids(text, self._token_model())
        if ids is None:
            raise ValueError(
                f"no exact tokenizer for model {self._token_model()!r}: tiktoken knows OpenAI models only and must be "
                "installed (pip install 'azure-inference-adapters[tiktoken]'). get_num_tokens() gives an estimate "
                "instead; or pass custom_get_token_ids=<your tokenizer>."
            )
        return ids

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``: exact for OpenAI-family models with tiktoken, else the documented estimate."""
        custom = self._custom_ids()
        if custom is not None:
            return len(custom(text))
        return count_text(text, self._token_model())

    def get_num_tokens_from_messages(self, messages: list[BaseMessage], tools: Sequence[Any] | None = None) -> int:
        """Prompt tokens of ``messages`` (and ``tools``) as they would be sent; what ``trim_messages`` calls."""
        from ._convert import messages_to_wire
        from ._tools import tools_to_wire

        custom = self._custom_ids()
        counter = (lambda text: len(custom(text))) if custom is not None else None
        wire_tools = tools_to_wire(tools) if tools else None
        return count_messages(messages_to_wire(messages), self._token_model(), wire_tools, counter=counter)
