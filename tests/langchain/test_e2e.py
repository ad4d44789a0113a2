"""End-to-end: the adapters against the real emulator subprocess over loopback."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.runnables import ConfigurableField
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore

from azure_inference import ContentFilterError, UnsupportedParameterError
from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import AzureInferenceEmbeddings, ChatAzureInference

pytestmark = pytest.mark.e2e


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return f"Sunny and 21C in {city}"


def test_agent_loop_with_scripted_tool_call(emu: EmulatorHandle) -> None:
    emu.control.queue_chat(tool_calls=[{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "call_9"}])
    llm = ChatAzureInference(endpoint=emu.endpoint, model="gpt-4o-mini").bind_tools([get_weather])
    messages: list[Any] = [HumanMessage("What is the weather in Oslo?")]
    for _ in range(3):
        ai = llm.invoke(messages)
        messages.append(ai)
        if not ai.tool_calls:
            break
        for call in ai.tool_calls:
            messages.append(ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"]))
    assert messages[1].tool_calls[0]["args"] == {"city": "Oslo"}
    assert "Sunny and 21C in Oslo" in messages[-1].content
    assert emu.control.requests("/chat/completions")[-1]["body"]["messages"][-1]["tool_call_id"] == "call_9"


@pytest.mark.parametrize("sync", [True, False])
async def test_streaming_tool_calls_and_reasoning(emu: EmulatorHandle, sync: bool) -> None:
    llm = ChatAzureInference(endpoint=emu.endpoint, model="gpt-4o-mini").bind_tools([get_weather], tool_choice="any")
    r1 = ChatAzureInference(endpoint=emu.endpoint, model="DeepSeek-R1-think")
    try:
        if sync:
            chunks = list(llm.stream("weather in Paris?"))
            think = list(r1.stream("Why is the sky blue?"))
        else:
            chunks = [c async for c in llm.astream("weather in Paris?")]
            think = [c async for c in r1.astream("Why is the sky blue?")]
    finally:
        await r1.aclose()
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert [t["name"] for t in total.tool_calls] == ["get_weather"]
    assert all(tc["index"] == 0 for c in chunks for tc in c.tool_call_chunks)
    whole = think[0]
    for c in think[1:]:
        whole += c
    assert "<think>" not in whole.content
    assert whole.additional_kwargs["reasoning_content"].strip().startswith("The user asks")
    assert whole.content_blocks[0]["type"] == "reasoning"


def test_content_filter_and_unsupported_parameter(emu: EmulatorHandle) -> None:
    emu.control.set_blocklists(prompt=["forbidden-word"])
    llm = ChatAzureInference(endpoint=emu.endpoint, model="gpt-4o-mini", max_retries=0)
    with pytest.raises(ContentFilterError):
        llm.invoke("say forbidden-word")
    r1 = ChatAzureInference(endpoint=emu.endpoint, model="DeepSeek-R1", max_retries=0)
    with pytest.raises(UnsupportedParameterError) as info:
        r1.bind_tools([get_weather]).invoke("weather?")
    assert "tools" in str(info.value)


def test_configurable_deployment_switch(emu: EmulatorHandle) -> None:
    llm = ChatAzureInference(endpoint=emu.endpoint, model="gpt-4o-mini").configurable_fields(
        model=ConfigurableField(id="model")
    )
    a = llm.invoke("hello")
    b = llm.invoke("hello", config={"configurable": {"model": "Mistral-small"}})
    assert a.response_metadata["model_name"] == "gpt-4o-mini"
    assert b.response_metadata["model_name"] == "Mistral-small"


def test_rag_chain_cites_the_right_passage(emu: EmulatorHandle) -> None:
    emb = AzureInferenceEmbeddings(endpoint=emu.endpoint, model="text-embedding-3-small")
    store = InMemoryVectorStore(emb)
    store.add_documents(
        [
            Document("The Eiffel Tower is in Paris and was completed in 1889."),
            Document("Mount Fuji is the highest mountain in Japan."),
            Document("The Amazon river flows through Brazil."),
        ]
    )
    docs = store.as_retriever(search_kwargs={"k": 3}).invoke("When was the Eiffel Tower completed?")
    context = "\n".join(d.page_content for d in docs)
    llm = ChatAzureInference(endpoint=emu.endpoint, model="gpt-4o-mini")
    answer = llm.invoke(f"Context:\n{context}\n\nQuestion: When was the Eiffel Tower completed?")
    assert "1889" in answer.content
