"""Token counting for ``AzureInference`` in LlamaIndex's own shape: a ``tokenizer`` callable and counts.

LlamaIndex takes a tokenizer as a ``Callable[[str], list]`` whose result it measures with ``len`` (memory's
``tokenizer_fn``, ``TokenCountingHandler(tokenizer=...)``, ``Settings.tokenizer``); by default it uses
gpt-3.5's encoding for every model. ``llm.tokenizer`` is the model's own: tiktoken's ids for OpenAI-family
models, else a list as long as the transport's documented estimate (``azure_inference.tokens``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.base.llms.types import ChatMessage

from azure_inference.tokens import count_messages, count_text, estimate_tokens, token_ids

__all__ = ["TokenCounting"]


class TokenCounting:
    """Mixin for the LlamaIndex LLM (reads ``model_label``)."""

    def _token_model(self) -> str | None:
        model = getattr(self, "model_label", None)
        return model if isinstance(model, str) else None

    @property
    def tokenizer(self) -> Callable[[str], list[int]]:
        """A tokenizer for LlamaIndex's ``tokenizer_fn`` / ``TokenCountingHandler(tokenizer=...)``.

        Exact ids for OpenAI-family models when tiktoken is available; otherwise a list whose length is the
        estimate (its items are placeholders, only the length means anything).
        """
        model = self._token_model()

        def tokenize(text: str) -> list[int]:
            ids = token_ids(text, model)
            return ids if ids is not None else [0] * estimate_tokens(text)

        return tokenize

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text`` for this model: exact where tiktoken knows it, else the documented estimate."""
        return count_text(text, self._token_model())

    def count_message_tokens(self, messages: Sequence[ChatMessage], tools: Sequence[Any] | None = None) -> int:
        """Prompt tokens of ``messages`` (and LlamaIndex tools) as they would be sent."""
        from ._convert import to_wire_messages, to_wire_tools

        wire_tools = to_wire_tools(tools) if tools else None
        return count_messages(to_wire_messages(messages), self._token_model(), wire_tools)
