"""``ClientHolder``: clients built lazily and once, closed on demand; copies rebuild theirs and keep secrets secret."""

from __future__ import annotations

import copy
import pickle
import threading

import httpx
import pytest

from azure_inference import AsyncInferenceClient, Deployment, InferenceClient
from azure_inference.emulator import EmulatorHandle
from azure_inference.holder import ClientHolder
from tests.conftest import KEYED_EMULATOR_KEY

from .helpers import ENDPOINT, KEY, Server


def deployment() -> Deployment:
    return Deployment(endpoint=ENDPOINT, credential=KEY, model="m", max_retries=0)


def test_clients_are_built_on_first_use_once_and_closed() -> None:
    holder = ClientHolder(deployment())
    assert holder.built == (False, False)
    assert isinstance(holder.client, InferenceClient)
    assert holder.client is holder.client
    assert isinstance(holder.async_client, AsyncInferenceClient)
    assert holder.built == (True, True)
    holder.close()
    assert holder.built == (False, True)
    holder.close()  # twice is fine


async def test_aclose_closes_both() -> None:
    holder = ClientHolder(deployment())
    holder.client, holder.async_client  # noqa: B018 - build both
    await holder.aclose()
    assert holder.built == (False, False)


def test_threads_asking_at_once_get_one_client() -> None:
    holder = ClientHolder(deployment())
    start = threading.Barrier(8)
    got: list[InferenceClient] = []

    def ask() -> None:
        start.wait()
        got.append(holder.client)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in got}) == 1
    holder.close()


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_drop_the_clients_and_rebuild_them_for_the_same_deployment(how: str) -> None:
    holder = ClientHolder(deployment())
    original = holder.client
    twin = pickle.loads(pickle.dumps(holder)) if how == "pickle" else copy.deepcopy(holder)
    assert twin.built == (False, False)
    assert twin.deployment == holder.deployment
    assert twin.deployment.credential is not None
    assert twin.deployment.credential.get_secret_value() == KEY
    assert twin.client is not original
    for text in (repr(twin), str(twin), repr(twin.deployment), repr(twin.__getstate__())):
        assert KEY not in text
    twin.close()
    holder.close()


def test_a_copy_sends_with_the_credential() -> None:
    server = Server()
    http = httpx.Client(transport=httpx.MockTransport(server))
    twin = copy.deepcopy(ClientHolder(deployment(), http_client=http))
    assert twin.client.chat([{"role": "user", "content": "Hi"}]).content == "Hello!"
    assert server.last.headers["api-key"] == KEY
    twin.close()
    http.close()


def test_pickling_with_the_callers_http_client_says_why_and_what_to_do() -> None:
    http = httpx.Client()
    with pytest.raises(TypeError, match="build the object without them where it must be pickled"):
        pickle.dumps(ClientHolder(deployment(), http_client=http))
    http.close()


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
async def test_a_copy_calls_the_keyed_emulator(keyed_emulator: EmulatorHandle, how: str) -> None:
    holder = ClientHolder(
        Deployment(endpoint=keyed_emulator.endpoint, credential=KEYED_EMULATOR_KEY, model="gpt-4o-mini")
    )
    messages = [{"role": "user", "content": "Hello"}]
    said = holder.client.chat(messages).content
    twin = pickle.loads(pickle.dumps(holder)) if how == "pickle" else copy.deepcopy(holder)
    assert twin.client.chat(messages).content == said
    assert (await twin.async_client.chat(messages)).content == said
    assert KEYED_EMULATOR_KEY not in repr(twin)
    for h in (holder, twin):
        await h.aclose()
