"""An application that builds its own SDK and calls ``protect_providers``.

Traces, logs and metrics go over real OTLP (gRPC or HTTP/protobuf) to a
receiver on loopback; the raw request bodies must hold none of the planted
credentials, wherever they were put: span name, attributes, events, links,
status, exceptions, resource and instrumentation-scope attributes, log bodies
that are mappings or lists, ``extra=`` attributes, ``logger.exception``,
metric point attributes.
"""

from __future__ import annotations

import json
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from leaks_helpers import RawCapture, leaked
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import (
    OTLPLogExporter as GrpcLogExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
    OTLPMetricExporter as GrpcMetricExporter,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
    OTLPSpanExporter as GrpcSpanExporter,
)
from opentelemetry.exporter.otlp.proto.http._log_exporter import (
    OTLPLogExporter as HttpLogExporter,
)
from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
    OTLPMetricExporter as HttpMetricExporter,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
    OTLPSpanExporter as HttpSpanExporter,
)
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import (
    BatchLogRecordProcessor,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.trace import Link, Status, StatusCode

from otel_agent import protect_providers


@dataclass
class _Sdk:
    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    meter_provider: MeterProvider

    def shutdown(self) -> None:
        for provider in (self.tracer_provider, self.logger_provider):
            provider.force_flush()
            provider.shutdown()
        # No export interval: only a flush collects.
        self.meter_provider.force_flush()
        self.meter_provider.shutdown()


def _grpc_sdk(receiver: RawCapture, resource: Resource, protect_first: bool) -> _Sdk:
    endpoint = receiver.endpoint
    return _build(
        resource,
        protect_first,
        lambda: BatchSpanProcessor(GrpcSpanExporter(endpoint=endpoint, insecure=True)),
        lambda: BatchLogRecordProcessor(
            GrpcLogExporter(endpoint=endpoint, insecure=True)
        ),
        GrpcMetricExporter(endpoint=endpoint, insecure=True),
    )


def _http_sdk(receiver: RawCapture, resource: Resource, protect_first: bool) -> _Sdk:
    base = receiver.endpoint
    return _build(
        resource,
        protect_first,
        lambda: SimpleSpanProcessor(HttpSpanExporter(endpoint=f"{base}/v1/traces")),
        lambda: SimpleLogRecordProcessor(HttpLogExporter(endpoint=f"{base}/v1/logs")),
        HttpMetricExporter(endpoint=f"{base}/v1/metrics"),
    )


def _build(
    resource: Resource,
    protect_first: bool,
    span_processor: Callable[[], Any],
    log_processor: Callable[[], Any],
    metric_exporter: Any,
) -> _Sdk:
    reader = PeriodicExportingMetricReader(
        metric_exporter, export_interval_millis=math.inf
    )
    sdk = _Sdk(
        TracerProvider(resource=resource),
        LoggerProvider(resource=resource),
        MeterProvider(resource=resource, metric_readers=[reader]),
    )
    if protect_first:
        assert protect_providers(*_providers(sdk))
    sdk.tracer_provider.add_span_processor(span_processor())
    sdk.logger_provider.add_log_record_processor(log_processor())
    if not protect_first:
        assert protect_providers(*_providers(sdk))
    return sdk


def _providers(sdk: _Sdk) -> tuple[Any, Any, Any]:
    return sdk.tracer_provider, sdk.logger_provider, sdk.meter_provider


@pytest.fixture
def app_logger() -> Iterator[Callable[[LoggerProvider], logging.Logger]]:
    logger = logging.getLogger("tests.leaks.app")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)

    def attach(logger_provider: LoggerProvider) -> logging.Logger:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            logger.addHandler(LoggingHandler(logger_provider=logger_provider))
        return logger

    yield attach
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True


def _emit_everywhere(sdk: _Sdk, logger: logging.Logger, s: dict[str, str]) -> None:
    scope_attributes = {"lib.config": f"token={s['github']}"}
    tracer = sdk.tracer_provider.get_tracer("tests.leaks", attributes=scope_attributes)
    with tracer.start_as_current_span("linked") as linked:
        pass
    link = Link(linked.get_span_context(), {"note": f"Bearer {s['bearer']}"})
    with tracer.start_as_current_span(f"call {s['openai']}", links=[link]) as span:
        span.set_attribute(
            "llm.params", json.dumps({"extra_body": {"azure_ad_token": s["jwt"]}})
        )
        span.set_attribute("url.full", f"https://h/p?key={s['google']}&sig=x1")
        span.set_attribute("db.url", f"postgres://admin:{s['password']}@db/app")
        span.set_attribute(
            "aws", [s["aws_id"], f"aws_secret_access_key={s['aws_secret']}"]
        )
        span.set_attribute("gen_ai.usage.input_tokens", 7325)
        span.add_event(
            "headers", {"dump": f"Ocp-Apim-Subscription-Key: {s['subscription_key']}"}
        )
        span.record_exception(PermissionError(f"401 for key {s['openai']}"))
        span.set_status(Status(StatusCode.ERROR, f"rejected {s['jwt']}"))

        logger.info({"azure_ad_token": s["jwt"], "attempt": 1})
        logger.info(["Bearer " + s["bearer"], s["google"]])
        logger.warning(
            "retrying %s", s["openai"], extra={"api_key": s["subscription_key"]}
        )
        try:
            raise ValueError(f"Incorrect API key provided: {s['openai']}")
        except ValueError:
            logger.exception("call failed")

    meter = sdk.meter_provider.get_meter("tests.leaks", attributes=scope_attributes)
    counter = meter.create_counter("calls")
    counter.add(1, {"auth": f"Bearer {s['bearer']}", "route": "/chat"})


@pytest.mark.parametrize(
    ("build", "receiver_fixture", "protect_first"),
    [
        pytest.param(_grpc_sdk, "grpc_receiver", False, id="grpc_batch_protect_after"),
        pytest.param(_http_sdk, "http_receiver", True, id="http_simple_protect_before"),
    ],
)
def test_protect_providers_otlp_all_signals_receiver_bytes_hold_no_secret(
    build: Callable[[RawCapture, Resource, bool], _Sdk],
    receiver_fixture: str,
    protect_first: bool,
    fake_secrets: dict[str, str],
    app_logger: Callable[[LoggerProvider], logging.Logger],
    request: pytest.FixtureRequest,
) -> None:
    receiver: RawCapture = request.getfixturevalue(receiver_fixture)
    resource = Resource.create(
        {
            "service.name": f"svc {fake_secrets['openai']}",
            "deployment.auth": f"Bearer {fake_secrets['bearer']}",
        }
    )
    sdk = build(receiver, resource, protect_first)

    _emit_everywhere(sdk, app_logger(sdk.logger_provider), fake_secrets)
    sdk.shutdown()

    data = receiver.data()
    assert leaked(data, fake_secrets) == []
    for kept in (b"gen_ai.usage.input_tokens", b"/chat", b"call failed", b"retrying"):
        assert kept in data
    assert b"[REDACTED:jwt]" in data and b"[REDACTED:openai_api_key]" in data
