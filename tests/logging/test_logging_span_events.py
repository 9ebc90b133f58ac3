"""WARNING+ log lines on the current LLM span, and what may be exported."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_agent._logging import OtelAgentLoggingHandler, is_exportable
from otel_agent._span_events import add_log_event

LLM_ATTRIBUTES = {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}


@pytest.fixture
def span_output() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def tracer_provider(span_output: io.StringIO) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(FileSpanExporter(stream=span_output))
    )
    yield provider
    provider.shutdown()


@pytest.fixture
def handler() -> OtelAgentLoggingHandler:
    """The bridge without export: span events only."""
    return OtelAgentLoggingHandler(logger_provider=None)


@pytest.fixture
def app_logger(handler: OtelAgentLoggingHandler) -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.logging.harbor")
    logger.addHandler(handler)
    logger.propagate = False
    yield logger
    logger.removeHandler(handler)
    logger.propagate = True


def _exported_events(output: io.StringIO) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for line in output.getvalue().splitlines():
        for resource in json.loads(line)["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    for event in span.get("events", []):
                        attributes = {
                            a["key"]: next(iter(a["value"].values()))
                            for a in event.get("attributes", [])
                        }
                        events.append((event["name"], attributes))
    return events


def test_warning_during_llm_span_becomes_one_event(
    tracer_provider: TracerProvider,
    app_logger: logging.Logger,
    span_output: io.StringIO,
) -> None:
    tracer = tracer_provider.get_tracer("t")
    with tracer.start_as_current_span("chat gpt-4o", attributes=LLM_ATTRIBUTES):
        app_logger.info("routine detail")
        app_logger.warning("Deployment %s is slow", "gpt-4o")
        app_logger.warning("Deployment %s is slow", "gpt-4o")

    assert _exported_events(span_output) == [
        (
            "otel_agent.log",
            {
                "otel_agent.log.severity": "WARNING",
                "otel_agent.log.logger": "tests.logging.harbor",
                "otel_agent.log.message": "Deployment gpt-4o is slow",
            },
        )
    ]


def test_error_with_exception_during_llm_span_carries_type_not_traceback(
    tracer_provider: TracerProvider,
    app_logger: logging.Logger,
    span_output: io.StringIO,
) -> None:
    tracer = tracer_provider.get_tracer("t")
    with tracer.start_as_current_span("chat gpt-4o", attributes=LLM_ATTRIBUTES):
        try:
            raise TimeoutError("upstream took too long")
        except TimeoutError:
            app_logger.exception("Call failed")

    [(name, attributes)] = _exported_events(span_output)
    assert attributes == {
        "otel_agent.log.severity": "ERROR",
        "otel_agent.log.logger": "tests.logging.harbor",
        "otel_agent.log.message": "Call failed",
        "exception.type": "TimeoutError",
        "exception.message": "upstream took too long",
    }


@pytest.mark.parametrize(
    ("span_attributes", "logger_name"),
    [
        ({"http.request.method": "POST"}, "tests.logging.harbor"),
        (LLM_ATTRIBUTES, "otel_agent.rate_limit"),
        (LLM_ATTRIBUTES, "opentelemetry.exporter.otlp"),
    ],
    ids=["not-an-llm-span", "own-rate-limit-line", "opentelemetry-diagnostics"],
)
def test_warning_that_span_already_covers_adds_no_event(
    tracer_provider: TracerProvider,
    handler: OtelAgentLoggingHandler,
    span_output: io.StringIO,
    span_attributes: dict[str, str],
    logger_name: str,
) -> None:
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        with tracer_provider.get_tracer("t").start_as_current_span(
            "span", attributes=span_attributes
        ):
            logger.warning("Rate limited: azure/gpt-4o")
    finally:
        logger.removeHandler(handler)

    assert _exported_events(span_output) == []


def test_add_log_event_outside_any_span_returns_false() -> None:
    record = logging.makeLogRecord(
        {"name": "harbor", "msg": "nothing to attach to", "levelno": logging.ERROR}
    )

    assert not trace.get_current_span().is_recording()
    assert add_log_event(record) is False


@pytest.mark.parametrize(
    ("logger_name", "exportable"),
    [
        ("harbor", True),
        ("LiteLLM", True),
        ("otel_agent.rate_limit", True),
        ("otel_agent", False),
        ("otel_agent.redaction._failures", False),
        ("otel_agent_extras", True),
        ("opentelemetry.exporter.otlp.proto.grpc.exporter", False),
        ("opentelemetry.sdk._shared_internal", False),
    ],
)
def test_is_exportable_given_logger_name(logger_name: str, exportable: bool) -> None:
    record = logging.makeLogRecord({"name": logger_name, "msg": "m"})

    assert is_exportable(record) is exportable


def test_handler_reentrant_call_is_dropped(handler: OtelAgentLoggingHandler) -> None:
    record = logging.makeLogRecord({"name": "harbor", "msg": "m", "levelno": 10})
    handler._local.busy = True
    try:
        assert handler.handle(record) is False
    finally:
        handler._local.busy = False
