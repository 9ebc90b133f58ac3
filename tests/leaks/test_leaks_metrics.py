"""Metrics have no processor stage: redaction sits in front of every reader.

Exported through the OTLP JSON file exporter (the embedded default) and read
back as bytes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from leaks_helpers import leaked
from opentelemetry import trace
from opentelemetry.exporter.otlp.json.file import FileMetricExporter
from opentelemetry.sdk.metrics import AlwaysOnExemplarFilter, MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from otel_agent.redaction import Redactor
from otel_agent.redaction._metrics import MetricsRedaction, protect_meter_provider


class _BrokenRedactor(Redactor):
    def redact(self, value: object, key: str | None = None) -> object:
        raise RuntimeError("redaction fault")


@pytest.fixture
def metrics_file(tmp_path: Path) -> Path:
    return tmp_path / "metrics.jsonl"


@pytest.fixture
def meter_provider(
    metrics_file: Path, fake_secrets: dict[str, str]
) -> Iterator[MeterProvider]:
    reader = PeriodicExportingMetricReader(
        FileMetricExporter(path=metrics_file), export_interval_millis=math.inf
    )
    provider = MeterProvider(
        resource=Resource.create({"deploy.key": f"key={fake_secrets['openai']}"}),
        metric_readers=[reader],
        exemplar_filter=AlwaysOnExemplarFilter(),
        # Attributes a view drops are kept on exemplars as filtered attributes.
        views=[View(instrument_name="latency", attribute_keys={"route"})],
    )
    yield provider
    provider.shutdown()


def _record(provider: MeterProvider, s: dict[str, str]) -> None:
    meter = provider.get_meter("tests.leaks")
    span = TracerProvider().get_tracer("tests.leaks").start_span("sampled")
    with span, trace.use_span(span):
        meter.create_histogram("latency").record(
            12, {"route": "/chat", "auth": f"Bearer {s['bearer']}"}
        )
    meter.create_counter("calls", description=f"key {s['openai']}").add(
        3, {"url.full": f"https://h/p?api-key={s['subscription_key']}&x=1"}
    )


def test_protect_meter_provider_points_exemplars_resource_redacted(
    meter_provider: MeterProvider, metrics_file: Path, fake_secrets: dict[str, str]
) -> None:
    protect_meter_provider(meter_provider)

    _record(meter_provider, fake_secrets)
    meter_provider.force_flush()

    data = metrics_file.read_bytes()
    assert leaked(data, fake_secrets) == []
    assert b'"asInt":"3"' in data or b'"asInt": "3"' in data
    assert b"filteredAttributes" in data and b"/chat" in data
    assert b"[REDACTED:url_query_secret]" in data
    assert b"[REDACTED:bearer_token]" in data


def test_protect_meter_provider_redaction_fails_drops_and_counts(
    meter_provider: MeterProvider, metrics_file: Path, fake_secrets: dict[str, str]
) -> None:
    redaction = MetricsRedaction(_BrokenRedactor())
    protect_meter_provider(meter_provider, redaction)

    _record(meter_provider, fake_secrets)
    flushed = meter_provider.force_flush()

    assert flushed is True
    assert not metrics_file.exists() or metrics_file.read_bytes() == b""
    assert redaction.dropped_batches == 1
