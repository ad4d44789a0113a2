"""``POST /responses``: request parameters, the response object and output items (docs/wire.md §V1.3).

The stream events live in ``models.responses_events`` (re-exported here).

Everything is tolerant in the way docs/wire.md §V1.3.2 asks: unknown fields are kept (``extra="allow"``), an output
item of a type this module does not model is kept as a ``GenericItem`` (its fields intact), and a stream event of
an unknown type is kept as an ``UnknownEvent``. Items and events are picked by their ``type``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from pydantic import Discriminator, Field, PrivateAttr, Tag

from ._base import WireModel

__all__ = [
    "Annotation",
    "FunctionCallItem",
    "GenericItem",
    "IncompleteDetails",
    "InputTokensDetails",
    "MessageItem",
    "OutputItem",
    "OutputText",
    "OutputTokensDetails",
    "ReasoningItem",
    "Refusal",
    "Response",
    "ResponseError",
    "ResponseUsage",
    "ResponsesParams",
    "SummaryText",
]


class ResponsesParams(TypedDict, total=False):
    """The request body of ``POST /responses`` (docs/wire.md §V1.3.1; only ``model`` is required by the spec)."""

    model: str
    input: str | list[dict[str, Any]]
    instructions: str
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    reasoning: dict[str, Any]
    text: dict[str, Any]
    max_output_tokens: int
    max_tool_calls: int
    temperature: float
    top_p: float
    store: bool
    previous_response_id: str
    stream: bool
    background: bool
    truncation: Literal["auto", "disabled"]
    include: list[str]
    metadata: dict[str, str]
    user: str
    top_logprobs: int


# -- output items -------------------------------------------------------------------------------------------


class Annotation(WireModel):
    """One annotation of an output text part (``url_citation``, ``file_citation``, ...; fields kept as sent)."""

    type: str = ""


class OutputText(WireModel):
    """An ``output_text`` content part of a message item."""

    type: Literal["output_text"] = "output_text"
    text: str = ""
    annotations: list[Annotation] = Field(default_factory=list)


class Refusal(WireModel):
    """A ``refusal`` content part of a message item."""

    type: Literal["refusal"] = "refusal"
    refusal: str = ""


class GenericPart(WireModel):
    """A content part of a type not modelled here, kept as sent."""

    type: str = ""


def _part_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in ("output_text", "refusal") else "other"


ContentPart = Annotated[
    Annotated[OutputText, Tag("output_text")]
    | Annotated[Refusal, Tag("refusal")]
    | Annotated[GenericPart, Tag("other")],
    Discriminator(_part_tag),
]


class MessageItem(WireModel):
    """The assistant's ``message`` output item."""

    type: Literal["message"] = "message"
    id: str = ""
    role: str = "assistant"
    status: str | None = None
    content: list[ContentPart] = Field(default_factory=list)

    @property
    def text(self) -> str:
        """The text of its ``output_text`` parts, joined."""
        return "".join(p.text for p in self.content if isinstance(p, OutputText))


class SummaryText(WireModel):
    """One ``summary_text`` part of a reasoning item."""

    type: str = "summary_text"
    text: str = ""


class ReasoningItem(WireModel):
    """A ``reasoning`` output item: its summary parts (and ``encrypted_content`` when asked for)."""

    type: Literal["reasoning"] = "reasoning"
    id: str = ""
    summary: list[SummaryText] = Field(default_factory=list)
    encrypted_content: str | None = None


class FunctionCallItem(WireModel):
    """A ``function_call`` output item; ``arguments`` is a JSON string."""

    type: Literal["function_call"] = "function_call"
    id: str = ""
    call_id: str = ""
    name: str = ""
    arguments: str = ""
    status: str | None = None


class GenericItem(WireModel):
    """An output item of a type not modelled here (web search, MCP, ...): kept, with every field, not dropped."""

    type: str = ""
    id: str = ""


_ITEM_TYPES = ("message", "reasoning", "function_call")


def _item_tag(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if kind in _ITEM_TYPES else "other"


OutputItem = Annotated[
    (Annotated[MessageItem, Tag("message")] | Annotated[ReasoningItem, Tag("reasoning")])
    | (Annotated[FunctionCallItem, Tag("function_call")] | Annotated[GenericItem, Tag("other")]),
    Discriminator(_item_tag),
]
"""An output item, picked by ``type``; unknown types become ``GenericItem``."""

# -- the response -------------------------------------------------------------------------------------------


class InputTokensDetails(WireModel):
    """Breakdown of input tokens."""

    cached_tokens: int = 0


class OutputTokensDetails(WireModel):
    """Breakdown of output tokens."""

    reasoning_tokens: int = 0


class ResponseUsage(WireModel):
    """Token counts of a response (docs/wire.md §V1.3.2: all five fields are required by the spec)."""

    input_tokens: int = 0
    input_tokens_details: InputTokensDetails = Field(default_factory=InputTokensDetails)
    output_tokens: int = 0
    output_tokens_details: OutputTokensDetails = Field(default_factory=OutputTokensDetails)
    total_tokens: int = 0


class IncompleteDetails(WireModel):
    """Why a response is ``incomplete``: ``max_output_tokens`` or ``content_filter``."""

    reason: str | None = None


class ResponseError(WireModel):
    """The ``error`` of a ``failed`` response (``server_error``, ``rate_limit_exceeded``, ``invalid_prompt``, ...)."""

    code: str | None = None
    message: str = ""


class Response(WireModel):
    """The response object (docs/wire.md §V1.3.2)."""

    id: str = ""
    object: str = "response"
    created_at: int = 0
    status: str | None = None
    model: str = ""
    output: list[OutputItem] = Field(default_factory=list)
    usage: ResponseUsage | None = None
    error: ResponseError | None = None
    incomplete_details: IncompleteDetails | None = None
    previous_response_id: str | None = None
    _adaptations: tuple[str, ...] = PrivateAttr(default=())

    @property
    def adaptations(self) -> tuple[str, ...]:
        """The rewrites made to the request before it was answered (``adapt.py``); empty when none."""
        return self._adaptations

    @property
    def output_text(self) -> str:
        """The text of every message item, joined (an SDK convenience; not sent on the wire, docs/wire.md §V1.3.2)."""
        return "".join(item.text for item in self.output if isinstance(item, MessageItem))

    @property
    def function_calls(self) -> list[FunctionCallItem]:
        """The ``function_call`` items, in output order."""
        return [item for item in self.output if isinstance(item, FunctionCallItem)]

    @property
    def reasoning_summary(self) -> str:
        """The summary parts of every reasoning item, joined by blank lines."""
        return "\n\n".join(p.text for item in self.output if isinstance(item, ReasoningItem) for p in item.summary)


# The stream events are their own module (they need the items above); re-exported so old imports keep working.
from .responses_events import (  # noqa: E402
    ContentPartEvent,
    ErrorEvent,
    FunctionArgumentsDeltaEvent,
    FunctionArgumentsDoneEvent,
    OutputItemEvent,
    ResponseEvent,
    ResponseLifecycleEvent,
    SummaryPartEvent,
    SummaryTextDeltaEvent,
    SummaryTextDoneEvent,
    TextAnnotationEvent,
    TextDeltaEvent,
    TextDoneEvent,
    UnknownEvent,
    parse_event,
)

__all__ += [
    "ContentPartEvent",
    "ErrorEvent",
    "FunctionArgumentsDeltaEvent",
    "FunctionArgumentsDoneEvent",
    "OutputItemEvent",
    "ResponseEvent",
    "ResponseLifecycleEvent",
    "SummaryPartEvent",
    "SummaryTextDeltaEvent",
    "SummaryTextDoneEvent",
    "TextAnnotationEvent",
    "TextDeltaEvent",
    "TextDoneEvent",
    "UnknownEvent",
    "parse_event",
]
