"""``POST /chat/completions``: request messages, tools, the response and stream chunks (docs/wire.md §3, §4)."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator

from ._base import WireModel
from .usage import CompletionsUsage

__all__ = [
    "AssistantMessage",
    "AudioContentItem",
    "ChatChoice",
    "ChatCompletions",
    "ChatCompletionsChunk",
    "ChatDelta",
    "ChatResponseMessage",
    "DeveloperMessage",
    "FunctionCall",
    "FunctionCallDelta",
    "FunctionDefinition",
    "ImageContentItem",
    "ImageUrl",
    "InputAudio",
    "StreamChoice",
    "SystemMessage",
    "TextContentItem",
    "ToolCall",
    "ToolCallDelta",
    "ToolDefinition",
    "ToolMessage",
    "UserMessage",
]

# -- request ----------------------------------------------------------------------------------------------


class TextContentItem(WireModel):
    """A text part of a user message."""

    type: Literal["text"] = "text"
    text: str


class ImageUrl(WireModel):
    """An ``http(s)://`` URL or a ``data:image/<fmt>;base64,...`` URL."""

    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageContentItem(WireModel):
    """An image part of a user message."""

    type: Literal["image_url"] = "image_url"
    image_url: ImageUrl


class InputAudio(WireModel):
    """Base64 audio data and its format."""

    data: str
    format: str


class AudioContentItem(WireModel):
    """An audio part of a user message (the nested form of the examples and SDK, docs/wire.md §3.2 Δ5)."""

    type: Literal["input_audio"] = "input_audio"
    input_audio: InputAudio


class SystemMessage(WireModel):
    """Instructions for the model."""

    role: Literal["system"] = "system"
    content: str


class DeveloperMessage(WireModel):
    """Instructions for reasoning models that replace ``system`` (docs/wire.md §3.1 Δ4)."""

    role: Literal["developer"] = "developer"
    content: str


class UserMessage(WireModel):
    """A user turn: text, or a list of text / image / audio parts."""

    role: Literal["user"] = "user"
    content: str | list[TextContentItem | ImageContentItem | AudioContentItem | dict[str, Any]]
    name: str | None = None


class FunctionCall(WireModel):
    """The function a tool call invokes; ``arguments`` is a JSON string (dicts are encoded, docs/wire.md Δ17)."""

    name: str
    arguments: str = ""

    @field_validator("arguments", mode="before")
    @classmethod
    def _encode_arguments(cls, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return "" if value is None else value


class ToolCall(WireModel):
    """A complete tool call in a response or an assistant message."""

    id: str
    type: str = "function"
    function: FunctionCall


class AssistantMessage(WireModel):
    """An earlier assistant turn, possibly with tool calls."""

    role: Literal["assistant"] = "assistant"
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    name: str | None = None


class ToolMessage(WireModel):
    """The result of a tool call."""

    role: Literal["tool"] = "tool"
    content: str
    tool_call_id: str


class FunctionDefinition(WireModel):
    """A function the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ToolDefinition(WireModel):
    """A tool the model may call."""

    type: Literal["function"] = "function"
    function: FunctionDefinition


# -- response ---------------------------------------------------------------------------------------------


class ChatResponseMessage(WireModel):
    """The assistant message of a choice."""

    role: str = "assistant"
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCall] | None = None
    audio: dict[str, Any] | None = None


class ChatChoice(WireModel):
    """One alternative of a chat completion."""

    index: int = 0
    finish_reason: str | None = None
    message: ChatResponseMessage = Field(default_factory=ChatResponseMessage)
    content_filter_results: dict[str, Any] | None = None


class ChatCompletions(WireModel):
    """A whole chat completion."""

    id: str = ""
    object: str = "chat.completion"
    created: int = 0
    model: str = ""
    choices: list[ChatChoice] = Field(default_factory=list)
    usage: CompletionsUsage | None = None
    system_fingerprint: str | None = None
    prompt_filter_results: list[dict[str, Any]] | None = None
    _adaptations: tuple[str, ...] = PrivateAttr(default=())

    @property
    def adaptations(self) -> tuple[str, ...]:
        """The rewrites the client made to get this answer (``adapt.py``), e.g. ``("left out temperature",)``."""
        return self._adaptations

    @property
    def content(self) -> str | None:
        """The first choice's text content (a convenience)."""
        return self.choices[0].message.content if self.choices else None


# -- stream -----------------------------------------------------------------------------------------------


class FunctionCallDelta(WireModel):
    """A fragment of a streamed function call."""

    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(WireModel):
    """A fragment of a streamed tool call. ``index`` and ``type`` may be absent (docs/wire.md §4 Δ8)."""

    index: int | None = None
    id: str | None = None
    type: str | None = None
    function: FunctionCallDelta | None = None


class ChatDelta(WireModel):
    """What one chunk adds to a choice's message."""

    role: str | None = None
    content: str | None = None
    reasoning_content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class StreamChoice(WireModel):
    """One choice's part of a stream chunk."""

    index: int = 0
    delta: ChatDelta = Field(default_factory=ChatDelta)
    finish_reason: str | None = None
    content_filter_results: dict[str, Any] | None = None


class ChatCompletionsChunk(WireModel):
    """One streamed update. ``choices`` may be empty on the final usage-only chunk (docs/wire.md §4 Δ9)."""

    id: str = ""
    object: str = "chat.completion.chunk"
    created: int = 0
    model: str = ""
    choices: list[StreamChoice] = Field(default_factory=list)
    usage: CompletionsUsage | None = None
