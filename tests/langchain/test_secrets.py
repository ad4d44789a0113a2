"""The API key never shows in repr, str or LangChain serialization of any adapter."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.load import dumpd, dumps

from azure_inference import Deployment
from langchain_azure_inference import AzureInferenceEmbeddings, AzureInferenceLLM, ChatAzureInference

ENDPOINT = "https://res.services.ai.azure.com/models"
KEY = "sk-very-secret-0123456789"
CLASSES = [
    (ChatAzureInference, "gpt-4o-mini"),
    (AzureInferenceLLM, "gpt-35-turbo-instruct"),
    (AzureInferenceEmbeddings, "text-embedding-3-small"),
]


def views(obj: Any) -> dict[str, str]:
    return {"repr": repr(obj), "str": str(obj), "dumpd": repr(dumpd(obj)), "dumps": dumps(obj)}


@pytest.mark.parametrize(("cls", "model"), CLASSES)
@pytest.mark.parametrize("given", ["field", "alias", "env", "deployment"])
def test_key_is_never_shown(cls: Any, model: str, given: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_INFERENCE_CREDENTIAL", raising=False)
    if given == "field":
        obj = cls(endpoint=ENDPOINT, model=model, api_key=KEY)
    elif given == "alias":
        obj = cls(endpoint=ENDPOINT, model=model, credential=KEY)
    elif given == "env":
        monkeypatch.setenv("AZURE_INFERENCE_CREDENTIAL", KEY)
        obj = cls(endpoint=ENDPOINT, model=model)
    else:
        obj = cls(deployment=Deployment(endpoint=ENDPOINT, model=model, credential=KEY))
    deployment = obj.get_deployment()  # resolved (and cached) as a call would: still hidden afterwards
    assert deployment.credential is not None
    assert deployment.credential.get_secret_value() == KEY  # the key is really there...
    for name, text in views(obj).items():
        assert KEY not in text, name  # ...and none of the views shows it
        assert KEY[3:12] not in text, name
    assert KEY not in repr(deployment)
    assert KEY not in str(deployment)
