"""OpenTelemetry GenAI spans and metrics for the transport's calls (``docs/telemetry.md``).

Imported only when telemetry is on (``Deployment(telemetry=True)``, ``telemetry = true`` in a profile or
``AZURE_INFERENCE_TELEMETRY=1``); it needs ``opentelemetry-api`` (the ``otel`` extra) and uses whatever tracer and
meter providers the application set up. What the attributes are called and hold is decided in ``_genai`` (the
mapping); this module only applies it.

The hooks the send loops call, and nothing else:

- ``observe(telemetry, operation, params, stream)`` (in ``_genai``) around one logical call: one span, kind
  CLIENT, current while the call sends, so a parent span the user (or a framework) has open is its parent;
- ``Telemetry.sending(req)`` before each attempt: the W3C ``traceparent`` (the global propagator) goes out;
- ``Telemetry.retry(attempt, err, delay)`` when an attempt is retried: a span event;
- a stream's ``_observer`` (set by ``Operation.stream``): the first chunk and the stream's end.
"""

from __future__ import annotations

import asyncio
import contextvars
import time
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar

from opentelemetry import context, metrics, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from ._genai import (
    DURATION_BUCKETS,
    PROVIDERS,
    TOKEN_BUCKETS,
    capture_settings,
    input_messages,
    output_messages,
    request_attributes,
    response_attributes,
    server_attributes,
    usage_counts,
)
from ._sender import PreparedRequest
from ._version import __version__
from .config import Deployment

__all__ = ["Operation", "Telemetry"]

R = TypeVar("R")
_SCOPE = "azure_inference"
# gen-ai-metrics.md: the attributes every GenAI client metric carries (error.type and the response model are
# added when known).
_METRIC_KEYS = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "server.address",
    "server.port",
)
_CURRENT: contextvars.ContextVar[Operation | None] = contextvars.ContextVar("azure_inference_operation", default=None)


def error_type(err: BaseException) -> str:
    """``error.type``: the exception's class name (low cardinality, as the convention asks)."""
    return type(err).__name__


class Telemetry:
    """Spans and metrics of one client's calls.

    Args:
        deployment: the deployment called (provider, server and default model come from it).
        tracer_provider: a ``TracerProvider``; the global one when ``None``.
        meter_provider: a ``MeterProvider``; the global one when ``None``.
    """

    def __init__(self, deployment: Deployment, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        self.model = deployment.model
        self.defaults = deployment.model_params
        self.base: dict[str, Any] = {
            "gen_ai.provider.name": PROVIDERS[deployment.resolved_surface],
            **server_attributes(deployment.base_url),
        }
        self.capture, self.max_content = capture_settings()
        self.tracer = trace.get_tracer(_SCOPE, __version__, tracer_provider)
        meter = metrics.get_meter(_SCOPE, __version__, meter_provider)
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration",
            unit="s",
            description="GenAI operation duration",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage",
            unit="{token}",
            description="Number of input and output tokens used",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk",
            unit="s",
            description="Time from sending a streamed request to receiving its first chunk",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )

    def operation(self, name: str, params: Mapping[str, Any], stream: bool) -> Operation:
        """A span for one logical call (``chat``, ``embeddings``, ``text_completion``); use it as a ``with``."""
        return Operation(self, name, params, stream)

    def sending(self, req: PreparedRequest) -> None:
        """Before an attempt: propagate the current trace (``traceparent``) and capture the input if opted in."""
        propagate.inject(req.headers)
        op = _CURRENT.get()
        if op is not None:
            op.sending(req)

    def budget_wait(self, seconds: float, tokens: int) -> None:
        """An attempt waited ``seconds`` for ``tokens`` of the deployment's quota budget (docs/quota.md)."""
        op = _CURRENT.get()
        if op is not None:
            attrs = {"azure_inference.budget.wait_s": seconds, "azure_inference.budget.tokens": tokens}
            op.span.add_event("azure_inference.budget.wait", attrs)

    def retry(self, attempt: int, err: BaseException, delay: float) -> None:
        """A failed attempt will be retried (``attempt``: the retry's number, from 1) after ``delay`` seconds."""
        op = _CURRENT.get()
        if op is None:
            return
        attrs: dict[str, Any] = {"azure_inference.retry.attempt": attempt, "azure_inference.retry.delay_s": delay}
        attrs["error.type"] = error_type(err)
        status = getattr(err, "status_code", None)
        if isinstance(status, int):
            attrs["http.response.status_code"] = status
        op.span.add_event("azure_inference.retry", attrs)


class Operation:
    """One logical call: its span, its timing and, at the end, its metrics. Ends exactly once."""

    def __init__(self, telemetry: Telemetry, name: str, params: Mapping[str, Any], stream: bool) -> None:
        self._tel = telemetry
        # As the body builders merge them (_requests.py): the deployment's defaults under the call's own values.
        params = {**telemetry.defaults, **{k: v for k, v in params.items() if v is not None}}
        model = params.get("model") or telemetry.model
        self.attributes = {**telemetry.base, **request_attributes(name, model, params, stream)}
        self.name = f"{name} {model}" if model else name
        self.result: Any = None
        self._streaming = False
        self._ended = False
        self._captured = not telemetry.capture

    def __enter__(self) -> Operation:
        self.span = self._tel.tracer.start_span(self.name, kind=SpanKind.CLIENT, attributes=self.attributes)
        # After the span's own start: a time measured from here always fits inside the span (a pause while the
        # span was being made once gave a time to first chunk longer than the span).
        self._started = time.perf_counter()
        self._token = context.attach(trace.set_span_in_context(self.span))
        self._current = _CURRENT.set(self)
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        _CURRENT.reset(self._current)
        context.detach(self._token)
        if exc is not None:
            self.end(error=exc)
        elif not self._streaming:
            self.end()

    def sending(self, req: PreparedRequest) -> None:
        """Record the input messages (once; only when the user opted in to content capture)."""
        if not self._captured:
            self._captured = True
            text = input_messages(req.content, self._tel.max_content)
            if text is not None:
                self.span.set_attribute("gen_ai.input.messages", text)

    def done(self, result: R) -> R:
        """The call's result (read at the end of the span); returned as it is."""
        self.result = result
        return result

    def stream(self, stream: R) -> R:
        """Leave the span to ``stream``: it ends when the stream ends, fails, is closed or is dropped."""
        self._streaming = True
        watch = _StreamWatch(self)
        stream._observer = watch  # type: ignore[attr-defined]
        # No span outlives its stream: a stream never iterated nor closed ends the span when collected.
        weakref.finalize(stream, watch.abandoned)
        return stream

    def metric_attributes(self) -> dict[str, Any]:
        """The attributes of this call's metrics (gen-ai-metrics.md)."""
        return {k: self.attributes[k] for k in _METRIC_KEYS if k in self.attributes}

    def end(self, error: BaseException | None = None, outcome: str | None = None) -> None:
        """End the span (once): response attributes, error, metrics."""
        if self._ended:
            return
        self._ended = True
        span, tel = self.span, self._tel
        labels = self.metric_attributes()
        if self.result is not None:
            attrs = response_attributes(self.result)
            span.set_attributes(attrs)
            if "gen_ai.response.model" in attrs:
                labels["gen_ai.response.model"] = attrs["gen_ai.response.model"]
            if tel.capture:
                text = output_messages(self.result, tel.max_content)
                if text is not None:
                    span.set_attribute("gen_ai.output.messages", text)
        if outcome is not None:
            span.set_attribute("azure_inference.stream.outcome", outcome)
        if error is not None:
            labels["error.type"] = error_type(error)
            span.set_attribute("error.type", labels["error.type"])
            span.record_exception(error)
            span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {str(error)[:200]}"))
        tel.duration.record(time.perf_counter() - self._started, labels)
        given, made = usage_counts(self.result)
        for kind, count in (("input", given), ("output", made)):
            if count is not None:
                tel.tokens.record(count, {**labels, "gen_ai.token.type": kind})
        span.end()


class _StreamWatch:
    """A stream's hooks (``streaming._SyncStream._observer``): the first chunk, then how the stream ended."""

    def __init__(self, operation: Operation) -> None:
        self._op = operation
        self._seen = False

    def chunk(self) -> None:
        """Chunks arrived: the first time, record the time to first chunk."""
        if self._seen:
            return
        self._seen = True
        op = self._op
        elapsed = time.perf_counter() - op._started
        op.span.set_attribute("gen_ai.response.time_to_first_chunk", elapsed)
        op._tel.first_chunk.record(elapsed, op.metric_attributes())

    def end(self, parser: Any, exc: BaseException | None) -> None:
        """The stream released its connection: ``exc`` is what ended it (None: it ran out or was closed)."""
        acc = parser.accumulator
        if acc.chunks:
            self._op.result = acc.result()
        if exc is None:
            outcome = "completed" if parser.done or acc.finished else "closed"
        elif isinstance(exc, GeneratorExit):
            outcome = "closed"  # the consumer stopped early: break, close() or the with block's end
        else:
            # A cancelled stream did not complete: it carries error.type (CancelledError) as a cancelled call does.
            cancelled = isinstance(exc, asyncio.CancelledError)
            self._op.end(error=exc, outcome="cancelled" if cancelled else "error")
            return
        self._op.end(outcome=outcome)

    def abandoned(self) -> None:
        """The stream was collected without being closed."""
        self._op.end(outcome="abandoned")
