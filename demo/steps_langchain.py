"""The LangChain half of the demo: chat, streaming, a tool loop, structured output and a RAG chain.

Every function takes a :class:`~demo.pipeline.StepContext` and builds its models from the target's
``Deployment``; none of them knows which endpoint, surface or model it is talking to.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langchain_core.tools import BaseTool, tool
from langchain_core.vectorstores import InMemoryVectorStore
from pydantic import BaseModel, Field

from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

from .backend import steady_sampling
from .corpus import load_corpus

if TYPE_CHECKING:
    from .pipeline import StepContext

__all__ = ["RAG_QUESTION", "chat", "rag_chain", "structured_output", "tool_loop"]

RAG_QUESTION = "How many days do customers have to return unused gear?"
"""Answered by ``returns.md`` only."""
RAG_EXPECTED_SOURCE = "returns.md"

RAG_SYSTEM = "You answer questions about Northwind Outfitters using only the context. Be brief."
RAG_PROMPT = ChatPromptTemplate.from_messages(
    [("system", RAG_SYSTEM), ("human", "Context:\n{context}\n\nQuestion: {question}")]
)


def chat_model(ctx: StepContext, **kwargs: Any) -> ChatAzureInference:
    """The chat model of the current target (temperature 0 where the model takes it: steady answers)."""
    return ChatAzureInference(deployment=ctx.target.chat, **steady_sampling(ctx.target.chat), **kwargs)


def _served(ctx: StepContext, message: BaseMessage) -> None:
    model = message.response_metadata.get("model_name") if isinstance(message, AIMessage) else None
    ctx.served(ctx.target.chat, model)


def chat(ctx: StepContext) -> None:
    """``invoke`` once, then ``stream`` the tokens of a second answer as they arrive."""
    llm = chat_model(ctx)
    answer = llm.invoke([HumanMessage("In one sentence: what is a good first tent for a weekend trip?")])
    ctx.console.info("invoke", answer.content)
    if answer.usage_metadata:
        usage = answer.usage_metadata
        ctx.console.info(
            "usage", f"{usage['input_tokens']} in, {usage['output_tokens']} out, {usage['total_tokens']} total"
        )
    _served(ctx, answer)

    ctx.console.write("    stream      ")
    start = time.perf_counter()
    first_token: float | None = None
    chunks = 0
    final: AIMessageChunk | None = None
    for chunk in llm.stream("Write a two-line poem about camping by a lake."):
        if chunk.content and first_token is None:
            first_token = time.perf_counter() - start
        chunks += 1
        ctx.console.write(str(chunk.content).replace("\n", " "))
        final = chunk if final is None else final + chunk
    ctx.console.write("\n")
    ttft = f"{first_token * 1000:.0f} ms" if first_token is not None else "n/a"
    ctx.console.info("chunks", f"{chunks} chunks, first token after {ttft}")
    if final is not None:
        _served(ctx, final)


@tool
def check_stock(product: str) -> str:
    """Check how many units of a Northwind product are in stock at each store."""
    stock = {"boreal": "Boreal 2 tent: 14 in Duluth, 3 in Denver", "summit": "Summit 40 backpack: 8 in Duluth"}
    key = next((k for k in stock if k in product.lower()), None)
    return stock[key] if key else f"No product called {product!r}."


@tool
def shipping_quote(weight_kg: float, express: bool = False) -> str:
    """Quote the shipping price of a parcel by weight in kilograms, standard or express."""
    price = (15.0 if express else 5.0) + 1.5 * weight_kg
    return f"{'express' if express else 'standard'} shipping for {weight_kg} kg costs {price:.2f} dollars"


def tool_loop(ctx: StepContext) -> None:
    """A LangGraph-free agent loop: ``bind_tools`` → the model calls a tool → we run it → the model answers."""
    tools: dict[str, BaseTool] = {t.name: t for t in (check_stock, shipping_quote)}
    llm = chat_model(ctx).bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [
        SystemMessage("You help Northwind store staff. Use the tools for stock and shipping questions."),
        HumanMessage("Is the Boreal 2 tent in stock? Please use check_stock."),
    ]
    ctx.console.info("user", messages[-1].content)
    for turn in range(1, 5):
        reply = llm.invoke(messages)
        messages.append(reply)
        _served(ctx, reply)
        if not isinstance(reply, AIMessage) or not reply.tool_calls:
            ctx.console.info(f"turn {turn}", f"answer: {reply.content}")
            return
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call)  # a ToolCall in, a ToolMessage out
            ctx.console.info(f"turn {turn}", f"tool call {call['name']}({call['args']}) -> {result.content}")
            messages.append(result)
    raise RuntimeError("the model kept calling tools for four turns")


class ReturnRequest(BaseModel):
    """A customer's return request, extracted from their email."""

    customer: str = Field(description="The customer's full name.")
    product: Literal["Boreal 2 tent", "Summit 40 backpack", "Aurora sleeping bag"] = Field(
        description="Which product they want to return."
    )
    reason: Literal["defect", "wrong size", "changed mind"] = Field(description="Why they return it.")
    wants_refund: bool = Field(description="True for a refund, False for an exchange.")


EMAIL = (
    "Hello, my name is Maria Lopez. The zipper of my new Boreal 2 tent broke on the first night, "
    "so I would like to send it back and get my money refunded."
)


def structured_output(ctx: StepContext) -> None:
    """``with_structured_output(ReturnRequest)``: the reply is parsed and validated into the pydantic model."""
    extractor = chat_model(ctx).with_structured_output(ReturnRequest, include_raw=True)
    ctx.console.info("email", EMAIL)
    out = extractor.invoke(f"Extract the return request from this email:\n\n{EMAIL}")
    assert isinstance(out, dict)
    parsed = out["parsed"]
    if not isinstance(parsed, ReturnRequest):
        raise RuntimeError(f"structured output did not parse: {out.get('parsing_error')}")
    ctx.console.info("parsed", repr(parsed))
    _served(ctx, out["raw"])


def _documents() -> list[Document]:
    return [Document(page_content=p.text, metadata={"source": p.source, "title": p.title}) for p in load_corpus()]


def _format(docs: list[Document]) -> str:
    return "\n\n".join(f"{d.page_content}\n(source: {d.metadata['source']})" for d in docs)


def _prompt_inputs(state: dict[str, Any]) -> dict[str, str]:
    return {"context": _format(state["docs"]), "question": state["question"]}


def rag_chain(ctx: StepContext) -> None:
    """Retriever over ``InMemoryVectorStore`` (our embeddings) → prompt → chat model, returning the sources."""
    embeddings = AzureInferenceEmbeddings(deployment=ctx.target.embeddings)
    store = InMemoryVectorStore(embeddings)
    store.add_documents(_documents())
    ctx.served(ctx.target.embeddings)
    retriever = store.as_retriever(search_kwargs={"k": 2})
    answer: Runnable[dict[str, Any], str] = (
        RunnableLambda(_prompt_inputs) | RAG_PROMPT | chat_model(ctx) | StrOutputParser()
    )
    chain = {"docs": retriever, "question": RunnablePassthrough()} | RunnablePassthrough.assign(answer=answer)
    result = chain.invoke(RAG_QUESTION)
    ctx.console.info("question", RAG_QUESTION)
    sources = [d.metadata["source"] for d in result["docs"]]
    ctx.console.info("retrieved", ", ".join(sources))
    ctx.console.info("answer", result["answer"])
    ctx.check_source(sources[0], RAG_EXPECTED_SOURCE)
    ctx.served(ctx.target.chat)
