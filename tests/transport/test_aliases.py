"""The one argument table both frameworks use: other integrations' names mapped, unknown ones refused (pure)."""

from __future__ import annotations

import pytest
from pydantic import AliasChoices, BaseModel, Field

from azure_inference import ConfigurationError
from azure_inference.aliases import ALIASES, HINTS, UnknownArgumentError, accepted_names, normalize_arguments


class Thing(BaseModel):
    endpoint: str | None = None
    model: str | None = Field(default=None, alias="model_name")
    credential: str | None = Field(default=None, validation_alias=AliasChoices("credential", "key"))
    temperature: float | None = None
    additional_kwargs: dict[str, object] = Field(default_factory=dict)


ACCEPTED = accepted_names(Thing)


def norm(**kwargs: object) -> dict[str, object]:
    return normalize_arguments(kwargs, ACCEPTED, owner="Thing", extras_field="additional_kwargs")


def test_accepted_names_are_the_declared_fields_and_their_aliases() -> None:
    assert {"endpoint", "model", "model_name", "credential", "key", "temperature", "additional_kwargs"} == ACCEPTED


def test_declared_names_pass_unchanged() -> None:
    assert norm(endpoint="e", model_name="m", key="k", temperature=0) == {
        "endpoint": "e",
        "model_name": "m",
        "key": "k",
        "temperature": 0,
    }


def test_other_integrations_names_map_to_the_first_declared_target() -> None:
    out = norm(azure_endpoint="e", azure_deployment="gpt-4o", openai_api_key="k", model_kwargs={"top_k": 2})
    assert out == {"endpoint": "e", "model": "gpt-4o", "credential": "k", "additional_kwargs": {"top_k": 2}}
    for name in ("deployment_name", "deployment_id", "engine"):
        assert norm(**{name: "dep"}) == {"model": "dep"}


def test_an_unknown_name_names_the_closest_field_and_where_extras_go() -> None:
    with pytest.raises(UnknownArgumentError) as info:
        norm(temprature=0.2)
    assert str(info.value) == (
        "unknown argument 'temprature' for Thing; did you mean 'temperature'? "
        "(deliberate extras go in additional_kwargs={...})"
    )
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, ConfigurationError)


def test_an_unknown_name_without_a_close_match_still_says_where_extras_go() -> None:
    with pytest.raises(UnknownArgumentError, match=r"^unknown argument 'zzz' for Thing \(deliberate extras"):
        norm(zzz=1)


def test_every_unknown_name_is_reported_at_once() -> None:
    with pytest.raises(UnknownArgumentError) as info:
        norm(temprature=0.2, endpint="e")
    assert "'temprature'" in str(info.value)
    assert "did you mean 'endpoint'" in str(info.value)


def test_known_names_without_a_clean_mapping_say_what_to_do() -> None:
    with pytest.raises(UnknownArgumentError, match="credential=DefaultAzureCredential"):
        norm(use_azure_ad=True)
    assert set(HINTS).isdisjoint(ALIASES)


def test_two_names_for_one_field_must_agree_and_values_are_never_shown() -> None:
    assert norm(azure_deployment="gpt-4o", model="gpt-4o") == {"model": "gpt-4o"}
    with pytest.raises(UnknownArgumentError) as info:
        norm(credential="secret-one", openai_api_key="secret-two")
    assert "credential= and openai_api_key= both set 'credential'" in str(info.value)
    assert "secret" not in str(info.value)
    with pytest.raises(UnknownArgumentError, match="deployment name the service is addressed by"):
        norm(model="gpt-4o", azure_deployment="my-dep")


def test_fields_a_class_adds_later_are_accepted_without_a_table_edit() -> None:
    class Later(Thing):
        reasoning_effort: str | None = None
        max_completion_tokens: int | None = None

    out = normalize_arguments(
        {"reasoning_effort": "low", "max_completion_tokens": 5}, accepted_names(Later), owner="Later"
    )
    assert out == {"reasoning_effort": "low", "max_completion_tokens": 5}
