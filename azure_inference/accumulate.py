"""The former home of the stream fold, the think split and the partial-JSON reader; kept so imports still work.

Each idea now has its own module: ``fold`` (``ChatAccumulator``), ``think`` (``ThinkSplitter``,
``StreamingThinkSplitter``) and ``partial_json`` (``parse_partial_json_object``).
"""

from __future__ import annotations

from .fold import ChatAccumulator, ChunkDelta, ToolCallPiece, tool_call_slot
from .partial_json import parse_partial_json_object
from .think import StreamingThinkSplitter, ThinkSplitter

__all__ = [
    "ChatAccumulator",
    "ChunkDelta",
    "StreamingThinkSplitter",
    "ThinkSplitter",
    "ToolCallPiece",
    "parse_partial_json_object",
    "tool_call_slot",
]
