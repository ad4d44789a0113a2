"""Tools and structured output: LangChain tool specs and schemas as wire ``tools`` / ``response_format``.

Pure functions; ``ChatAzureInference.bind_tools`` and ``with_structured_output`` call them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, Literal

from langchain_core.output_parsers import (
    BaseGenerationOutputParser,
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticToolsParser,
)
from langchain_core.output_parsers.base import OutputParserLike
from langchain_core.output_parsers.pydantic import PydanticOutputParser
from langchain_core.outputs import Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass

from azure_inference.strict_schema import to_strict_schema

__all__ = ["StructuredMethod", "json_schema_format", "tool_choice_to_wire", "tools_to_wire", "with_parser"]

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]
ToolLike = dict[str, Any] | type | Callable[..., Any] | BaseTool


def tools_to_wire(tools: Sequence[ToolLike], strict: bool | None = None) -> list[dict[str, Any]]:
    """Dicts, pydantic models, functions and ``BaseTool``s as wire tool definitions (docs/wire.md §3).

    With ``strict=True`` each tool's parameters follow the service's strict rules (``to_strict_schema``).
    """
    wire = [convert_to_openai_tool(t, strict=strict) for t in tools]
    if strict:
        for tool in wire:
            function = tool.get("function") or {}
            if function.get("parameters"):
                function["parameters"] = to_strict_schema(function["parameters"])
    return wire


def tool_choice_to_wire(choice: Any, tools: Sequence[Mapping[str, Any]]) -> Any:
    """LangChain's ``tool_choice`` forms as the wire's: ``any``/``True`` → ``required``, a name → that function."""
    if choice is None or choice is False:
        return None
    if choice is True:
        # True means "call a tool"; with one tool, name it, as LangChain's structured output relies on.
        return _named(tools[0]["function"]["name"]) if len(tools) == 1 else "required"
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        if choice == "any":
            return "required"
        return _named(choice)
    if isinstance(choice, Mapping):
        return dict(choice)
    raise ValueError(f"tool_choice {choice!r} must be 'auto', 'none', 'any', 'required', a tool name, True or a dict")


def _named(name: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name}}


def json_schema_format(schema: Any, strict: bool | None) -> dict[str, Any]:
    """``response_format`` ``json_schema`` for a pydantic model, TypedDict or JSON-schema dict.

    With ``strict=True`` the schema follows the service's strict rules (``to_strict_schema``: every property
    required, optional ones nullable, ``additionalProperties: false``); a schema strict mode cannot express
    raises ``StrictSchemaError`` here, before anything is sent.
    """
    js = convert_to_json_schema(schema)
    if strict:
        js = to_strict_schema(js)
    name = str(js.get("title") or "response")[:64]
    fmt: dict[str, Any] = {"name": "".join(c if c.isalnum() or c in "_-" else "_" for c in name), "schema": js}
    if js.get("description"):
        fmt["description"] = js["description"]
    if strict is not None:
        fmt["strict"] = strict
    return {"type": "json_schema", "json_schema": fmt}


def output_parser(schema: Any, method: StructuredMethod, tool_name: str | None) -> OutputParserLike[Any]:
    """The parser that turns the model's reply into the structured value.

    The transport may have stepped the request down (``json_schema`` → a forced function call →
    ``json_object``, ``azure_inference.adapt``), so for a schema the parser reads whichever came back: the
    forced call's arguments when the reply has a tool call, else the JSON content. Either way the result is
    the same value (the same pydantic object for a pydantic schema).
    """
    pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
    content: OutputParserLike[Any] = PydanticOutputParser(pydantic_object=schema) if pydantic else JsonOutputParser()
    if method == "json_mode" or tool_name is None:
        return content
    tools: OutputParserLike[Any] = (
        PydanticToolsParser(tools=[schema], first_tool_only=True)
        if pydantic
        else JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)
    )
    return _CallOrContent(tools=tools, content=content)


class _CallOrContent(BaseGenerationOutputParser[Any]):
    """The forced call's arguments when the reply has a tool call, else the reply's JSON content."""

    tools: Any
    content: Any

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        message = getattr(result[0], "message", None) if result else None
        if getattr(message, "tool_calls", None) or getattr(message, "invalid_tool_calls", None):
            return self.tools.parse_result(result, partial=partial)
        return self.content.parse_result(result, partial=partial)


def with_parser(llm: Runnable[Any, Any], parser: OutputParserLike[Any], include_raw: bool) -> Runnable[Any, Any]:
    """``llm | parser``, or with ``include_raw`` a dict of ``raw``, ``parsed`` and ``parsing_error``."""
    if not include_raw:
        return llm | parser
    parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    both = parsed.with_fallbacks([failed], exception_key="parsing_error")
    return RunnableMap(raw=llm) | both
