"""Deployments end to end: switching profile through ``configurable_alternatives``, and ``fetch_profile``."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import ConfigurableField

from azure_inference.emulator import EmulatorHandle
from langchain_azure_inference import ChatAzureInference

pytestmark = pytest.mark.e2e


@pytest.fixture
def profiles(emu: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """A profile file with two deployments on the emulator: model-inference and the OpenAI v1 surface."""
    path = tmp_path / "azure-inference.toml"
    path.write_text(
        f"""
[profiles.foundry]
endpoint = "{emu.endpoint}"
model = "gpt-4o-mini"

[profiles.openai]
endpoint = "{emu.openai_v1}"
model = "Mistral-small"
""",
        encoding="utf-8",
    )
    monkeypatch.setenv("AZURE_INFERENCE_CONFIG", str(path))
    for var in ("AZURE_INFERENCE_PROFILE", "AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_CREDENTIAL"):
        monkeypatch.delenv(var, raising=False)
    return emu


@pytest.mark.parametrize("sync", [True, False])
async def test_configurable_alternatives_switch_deployment_in_a_chain(profiles: EmulatorHandle, sync: bool) -> None:
    foundry = ChatAzureInference(deployment="foundry", max_retries=0)
    openai = ChatAzureInference(deployment="openai", max_retries=0)
    llm = foundry.configurable_alternatives(ConfigurableField(id="deployment"), default_key="foundry", openai=openai)
    chain = ChatPromptTemplate.from_messages([("human", "Tell me about {topic}.")]) | llm | StrOutputParser()
    on_openai = {"configurable": {"deployment": "openai"}}
    try:
        if sync:
            answers = [chain.invoke({"topic": "tea"}), chain.invoke({"topic": "tea"}, config=on_openai)]
            answers += chain.batch([{"topic": "a"}, {"topic": "b"}], config=on_openai)
        else:
            answers = [await chain.ainvoke({"topic": "tea"}), await chain.ainvoke({"topic": "tea"}, config=on_openai)]
            answers += await chain.abatch([{"topic": "a"}, {"topic": "b"}], config=on_openai)
    finally:
        await foundry.aclose()
        await openai.aclose()
    assert all(isinstance(a, str) and a for a in answers)
    served = [(r["path"], r["body"]["model"]) for r in profiles.control.requests("/chat/completions")]
    assert served[0] == ("/models/chat/completions", "gpt-4o-mini")
    assert served[1:] == [("/openai/v1/chat/completions", "Mistral-small")] * 3
    log = profiles.control.requests("/chat/completions")
    assert "api-version" in log[0]["query"]  # model-inference sends api-version; the v1 surface does not
    assert all("api-version" not in r["query"] for r in log[1:])


def test_fetch_profile_from_info(emu: EmulatorHandle) -> None:
    llm = ChatAzureInference(endpoint=emu.endpoint, max_retries=0)  # no model: the endpoint's own
    assert llm.profile is None  # nothing known by name, and construction does no I/O
    assert emu.control.requests("/info") == []
    profile = llm.fetch_profile()
    assert llm.fetch_profile() is profile  # asked once
    llm.close()
    assert [r["path"] for r in emu.control.requests("/info")] == ["/models/info"]
    assert profile is not None
    assert profile["max_input_tokens"] == 128_000
    assert profile["tool_calling"] is True
    assert profile["structured_output"] is True
    assert llm._default_structured_method() == "json_schema"


def test_fetch_profile_falls_back_where_there_is_no_info(emu: EmulatorHandle) -> None:
    unnamed = ChatAzureInference(endpoint=emu.openai_v1, max_retries=0)
    named = ChatAzureInference(endpoint=emu.openai_v1, model="Mistral-small", max_retries=0)
    assert unnamed.fetch_profile() is None  # the v1 surface has no /info: nothing to learn, no error
    by_name = named.profile
    assert named.fetch_profile() == by_name
    assert by_name is not None
    assert by_name["max_input_tokens"] == 32_000
    assert unnamed._default_structured_method() == "function_calling"
    assert unnamed.invoke("hello").content  # the model still answers
    unnamed.close()
    named.close()
    assert emu.control.requests("/info") == []  # never asked: the surface is known to lack the route
