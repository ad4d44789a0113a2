"""Fixtures of the telemetry tests: the OpenTelemetry SDK with in-memory exporters, set up once per session.

OpenTelemetry lets a process set its global tracer and meter providers once, so the session installs one of
each and every test starts from an empty exporter (spans) and a fresh delta window (metrics).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.transport.helpers import Factory


@dataclass
class Otel:
    """The session's in-memory exporters."""

    spans_exporter: InMemorySpanExporter
    reader: InMemoryMetricReader

    def spans(self) -> list[ReadableSpan]:
        """Every span ended since the test started."""
        return list(self.spans_exporter.get_finished_spans())

    def genai(self) -> list[ReadableSpan]:
        """The GenAI spans (those with ``gen_ai.operation.name``)."""
        return [s for s in self.spans() if s.attributes and "gen_ai.operation.name" in s.attributes]

    def points(self, name: str) -> list[Any]:
        """The histogram points of metric ``name`` recorded since the last collection."""
        data = self.reader.get_metrics_data()
        out: list[Any] = []
        for rm in data.resource_metrics if data else ():
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == name:
                        out.extend(metric.data.data_points)
        return out

    def dump(self) -> str:
        """Everything exported (spans with attributes, events and status; metric points), as one text."""
        parts = [span.to_json() for span in self.spans()]
        data = self.reader.get_metrics_data()
        parts.append(data.to_json() if data else "")
        return "\n".join(parts)


@pytest.fixture(scope="session")
def _providers() -> Otel:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(tracer_provider)
    reader = InMemoryMetricReader(preferred_temporality={Histogram: AggregationTemporality.DELTA})
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    return Otel(exporter, reader)


@pytest.fixture
def otel(_providers: Otel, monkeypatch: pytest.MonkeyPatch) -> Iterator[Otel]:
    """The exporters, emptied; the environment without any AZURE_INFERENCE_* or content-capture switch."""
    for var in list(os.environ):
        if var.startswith("AZURE_INFERENCE_") or var == "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT":
            monkeypatch.delenv(var)
    _providers.spans_exporter.clear()
    _providers.reader.get_metrics_data()  # closes the previous delta window
    yield _providers
    _providers.spans_exporter.clear()


@pytest.fixture
async def make() -> AsyncIterator[Factory]:
    """``make(sync, server, **deployment_fields)`` over ``httpx.MockTransport`` (``tests.transport.helpers``)."""
    factory = Factory("httpx")
    yield factory
    await factory.aclose()


def as_json(value: Any) -> Any:
    """A captured-content attribute decoded."""
    return json.loads(value)
