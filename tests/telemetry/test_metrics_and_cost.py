"""Metrics with the convention's names, units, attributes and buckets; no OpenTelemetry import when off."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import httpx
import pytest

from azure_inference._genai import DURATION_BUCKETS, TOKEN_BUCKETS

from ..transport.helpers import Factory, Server, chat_body, resolve
from .conftest import Otel


@pytest.mark.parametrize("sync", [True, False])
async def test_duration_and_token_usage(otel: Otel, make: Factory, sync: bool) -> None:
    client = make(
        sync, Server(httpx.Response(200, json=chat_body(model="gpt-4o-0806"))), model="gpt-4o", telemetry=True
    )
    await resolve(client.chat([{"role": "user", "content": "hi"}]))
    data = otel.reader.get_metrics_data()
    assert data is not None
    found = {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}
    duration, tokens = found["gen_ai.client.operation.duration"], found["gen_ai.client.token.usage"]
    assert duration.unit == "s"
    assert tokens.unit == "{token}"
    [point] = duration.data.data_points
    assert tuple(point.explicit_bounds) == DURATION_BUCKETS
    assert dict(point.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "azure.ai.inference",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-0806",
        "server.address": "res.services.ai.azure.com",
        "server.port": 443,
    }
    by_type = {p.attributes["gen_ai.token.type"]: p for p in tokens.data.data_points}
    assert (by_type["input"].sum, by_type["output"].sum) == (3, 2)  # chat_body's usage
    assert tuple(by_type["input"].explicit_bounds) == TOKEN_BUCKETS
    assert by_type["input"].attributes["gen_ai.response.model"] == "gpt-4o-0806"


@pytest.mark.parametrize("sync", [True, False])
async def test_no_usage_no_token_metric(otel: Otel, make: Factory, sync: bool) -> None:
    answer = chat_body()
    del answer["usage"]
    client = make(sync, Server(httpx.Response(200, json=answer)), model="gpt-4o", telemetry=True)
    await resolve(client.chat([{"role": "user", "content": "hi"}]))
    assert otel.points("gen_ai.client.token.usage") == []


def test_zero_cost_when_off() -> None:
    # A fresh interpreter: this test process has OpenTelemetry loaded already.
    script = textwrap.dedent(
        """
        import sys, httpx
        from azure_inference import InferenceClient
        body = {"id": "1", "model": "m", "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": "hi"}}]}
        http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))
        client = InferenceClient(endpoint="https://r.services.ai.azure.com/models", credential="k", http_client=http)
        assert client.chat([{"role": "user", "content": "hi"}]).content == "hi"
        loaded = sorted(m for m in sys.modules if m.split(".")[0] == "opentelemetry")
        print("loaded:", loaded)
        """
    )
    env = {"PATH": "/usr/bin:/bin", "AZURE_INFERENCE_TELEMETRY": "0"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded: []"
    on = script.replace('credential="k"', 'credential="k", telemetry=True')
    done = subprocess.run([sys.executable, "-c", on], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "'opentelemetry.trace'" in done.stdout  # the same probe sees it when telemetry is on
