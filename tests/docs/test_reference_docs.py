"""docs/langchain.md and docs/llamaindex.md document every constructor field the classes really have.

The field lists are read from the classes, so a field added to an adapter without its line in the reference
fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from langchain_azure_inference import AzureInferenceEmbeddings, AzureInferenceLLM, ChatAzureInference
from llamaindex_azure_inference import AzureInference, AzureInferenceEmbedding

DOCS = Path(__file__).resolve().parents[2] / "docs"
CLASSES: list[tuple[str, type[BaseModel]]] = [
    ("langchain.md", ChatAzureInference),
    ("langchain.md", AzureInferenceLLM),
    ("langchain.md", AzureInferenceEmbeddings),
    ("llamaindex.md", AzureInference),
    ("llamaindex.md", AzureInferenceEmbedding),
]


def section(doc: str, title: str) -> str:
    text = (DOCS / doc).read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"{doc} has no '## {title}' section"
    return match.group(1)


@pytest.mark.parametrize(("doc", "cls"), CLASSES, ids=[cls.__name__ for _, cls in CLASSES])
def test_every_constructor_field_is_documented(doc: str, cls: type[BaseModel]) -> None:
    fields = section(doc, "Constructor fields")
    assert f"`{cls.__name__}`" in fields
    names = {name for name in cls.model_fields} | {f.alias for f in cls.model_fields.values() if f.alias}
    missing = sorted(name for name in names if f"`{name}`" not in fields)
    assert missing == [], f"{doc} does not document {missing} of {cls.__name__}"


@pytest.mark.parametrize(
    ("doc", "sections"),
    [
        (
            "langchain.md",
            [
                "Capabilities",
                "Migrating from `AzureChatOpenAI` (`langchain-openai`)",
                "Migrating from `langchain-azure-ai` (`AzureAIChatCompletionsModel`)",
            ],
        ),
        (
            "llamaindex.md",
            [
                "Capabilities",
                "Migrating from `llama-index-llms-azure-openai` (`AzureOpenAI`, `AzureOpenAIEmbedding`)",
                "Migrating from `llama-index-llms-azure-inference` (`AzureAICompletionsModel`)",
            ],
        ),
    ],
)
def test_capabilities_and_migration_sections(doc: str, sections: list[str]) -> None:
    for title in sections:
        assert "|---|" in section(doc, title)  # each carries its table
