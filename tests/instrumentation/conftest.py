"""Fixtures for the LiteLLM instrumentor tests: an in-memory SDK, the
instrumentor bound to it, and readers that go through real OTLP serialisation.

Every fixture undoes what it did: the instrumentor is uninstrumented, LiteLLM's
module settings and the environment are restored.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import (  # noqa: E402
    encode_metrics,
)
from opentelemetry.exporter.otlp.proto.common.trace_encoder import (  # noqa: E402
    encode_spans,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (  # noqa: E402
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (  # noqa: E402
    ExportTraceServiceRequest,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (  # noqa: E402
    InMemorySpanExporter,
)

from otel_agent.environment_variables import (  # noqa: E402
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
)
from otel_agent.instrumentation import LiteLLMInstrumentor  # noqa: E402


def _value(any_value: AnyValue) -> Any:
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return tuple(_value(v) for v in any_value.array_value.values)
    return getattr(any_value, kind) if kind else None


def _attributes(key_values: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in key_values}


@dataclass(frozen=True)
class ExportedEvent:
    name: str
    time_unix_nano: int
    attributes: dict[str, Any]


@dataclass(frozen=True)
class ExportedSpan:
    """A span as it reads after OTLP protobuf serialisation."""

    name: str
    kind: int
    span_id: bytes
    parent_span_id: bytes
    trace_id: bytes
    status_code: int
    attributes: dict[str, Any]
    events: tuple[ExportedEvent, ...]


class SpanReader:
    """Serialises the exporter's finished spans to OTLP bytes and reads them back."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        self._exporter = exporter

    def serialised(self) -> bytes:
        return encode_spans(self._exporter.get_finished_spans()).SerializeToString()

    def spans(self) -> list[ExportedSpan]:
        request = ExportTraceServiceRequest.FromString(self.serialised())
        spans = [
            span
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        spans.sort(key=lambda s: s.start_time_unix_nano)
        return [
            ExportedSpan(
                name=s.name,
                kind=s.kind,
                span_id=s.span_id,
                parent_span_id=s.parent_span_id,
                trace_id=s.trace_id,
                status_code=s.status.code,
                attributes=_attributes(s.attributes),
                events=tuple(
                    ExportedEvent(e.name, e.time_unix_nano, _attributes(e.attributes))
                    for e in s.events
                ),
            )
            for s in spans
        ]

    def llm_spans(self) -> list[ExportedSpan]:
        return [s for s in self.spans() if "gen_ai.operation.name" in s.attributes]

    def clear(self) -> None:
        self._exporter.clear()


class MetricReader:
    """Collects metrics and reads them back from OTLP bytes."""

    def __init__(self, reader: InMemoryMetricReader) -> None:
        self._reader = reader

    def points(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Metric name -> [(attributes, value)], value = sum/count or gauge value."""
        data = self._reader.get_metrics_data()
        if data is None:
            return {}
        raw = encode_metrics(data).SerializeToString()
        request = ExportMetricsServiceRequest.FromString(raw)
        result: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    result.setdefault(metric.name, []).extend(_metric_points(metric))
        return result


def _metric_points(metric: Any) -> list[tuple[dict[str, Any], Any]]:
    kind = metric.WhichOneof("data")
    if kind == "histogram":
        return [
            (
                _attributes(p.attributes),
                {"count": p.count, "sum": p.sum, "bounds": tuple(p.explicit_bounds)},
            )
            for p in metric.histogram.data_points
        ]
    points = getattr(metric, kind).data_points
    return [
        (_attributes(p.attributes), p.as_int if p.HasField("as_int") else p.as_double)
        for p in points
    ]


@pytest.fixture
def span_exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(span_exporter: InMemorySpanExporter) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    yield provider
    provider.shutdown()


@pytest.fixture
def metric_reader() -> InMemoryMetricReader:
    return InMemoryMetricReader()


@pytest.fixture
def meter_provider(metric_reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[metric_reader])
    yield provider
    provider.shutdown()


@pytest.fixture
def spans(span_exporter: InMemorySpanExporter) -> SpanReader:
    return SpanReader(span_exporter)


@pytest.fixture
def metrics(metric_reader: InMemoryMetricReader) -> MetricReader:
    return MetricReader(metric_reader)


@pytest.fixture
def litellm_settings() -> Iterator[None]:
    """Restore LiteLLM's module-level switches and callback lists after a test."""
    names = (
        "callbacks",
        "success_callback",
        "failure_callback",
        "_async_success_callback",
        "_async_failure_callback",
        "num_retries",
        "suppress_debug_info",
    )
    saved = {name: getattr(litellm, name, None) for name in names}
    copies = {k: list(v) if isinstance(v, list) else v for k, v in saved.items()}
    litellm.suppress_debug_info = True
    yield
    for name, value in copies.items():
        current = saved[name]
        if isinstance(current, list) and isinstance(value, list):
            current[:] = value
            setattr(litellm, name, current)
        else:
            setattr(litellm, name, value)


@pytest.fixture
def instrumentor(
    tracer_provider: TracerProvider,
    meter_provider: MeterProvider,
    litellm_settings: None,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiteLLMInstrumentor]:
    """The instrumentor, bound to the in-memory SDK; content capture off."""
    monkeypatch.delenv(
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, raising=False
    )
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    yield instrumentor
    instrumentor.uninstrument()
