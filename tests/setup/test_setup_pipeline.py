"""The configurator's pipeline, checked on what actually reaches an exporter.

Each instrumented test runs a small application under ``opentelemetry-instrument``
in a subprocess (global providers can be set once per process) and reads the
serialised output: the embedded default's OTLP JSON files, or what the console
exporter printed.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _fakes import fake_jwt
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_agent._protect import protect_providers
from otel_agent.redaction import RedactingLogRecordProcessor, RedactingSpanProcessor

APP_WITH_SECRETS = """
    import logging, os
    from opentelemetry import trace

    token = os.environ["FAKE_TOKEN"]
    logging.basicConfig(filename="app.log", level=logging.DEBUG)
    tracer = trace.get_tracer("setup-test")
    with tracer.start_as_current_span("handle order") as span:
        span.set_attribute("request.params", "{'azure_ad_token': '%s'}" % token)
        params = {"azure_ad_token": token}
        logging.getLogger("harbor").warning("LiteLLM params: %s", params)
        print("TRACE", format(span.get_span_context().trace_id, "032x"))
"""


def _records(path: Path, *keys: str) -> Iterator[dict[str, Any]]:
    """Yield the innermost items (spans or log records) of an OTLP JSON file."""
    resource_key, scope_key, item_key = keys
    for line in path.read_text().splitlines():
        for resource in json.loads(line)[resource_key]:
            for scope in resource[scope_key]:
                yield from scope[item_key]


@pytest.fixture
def token() -> str:
    return fake_jwt()


def test_instrumented_app_nothing_configured_writes_redacted_files(
    run_instrumented: Callable[..., Any], tmp_path: Path, token: str
) -> None:
    result = run_instrumented(APP_WITH_SECRETS, FAKE_TOKEN=token)

    assert result.returncode == 0, result.stderr
    out = tmp_path / "otel-output"
    assert sorted(p.name for p in out.iterdir()) == [
        "logs.jsonl",
        "metrics.jsonl",
        "traces.jsonl",
    ]
    trace_id = result.stdout.split("TRACE ")[1].strip()
    spans = list(_records(out / "traces.jsonl", "resourceSpans", "scopeSpans", "spans"))
    logs = list(_records(out / "logs.jsonl", "resourceLogs", "scopeLogs", "logRecords"))
    assert [s["name"] for s in spans] == ["handle order"]
    harbor = [r for r in logs if r["body"]["stringValue"].startswith("LiteLLM params")]
    assert [(r["traceId"], r["spanId"]) for r in harbor] == [
        (trace_id, spans[0]["spanId"])
    ]
    for produced in (out / "traces.jsonl", out / "logs.jsonl", tmp_path / "app.log"):
        text = produced.read_text()
        assert token not in text and token.split(".")[2] not in text
        assert "[REDACTED:" in text


def test_instrumented_app_output_dir_set_writes_there(
    run_instrumented: Callable[..., Any], tmp_path: Path, token: str
) -> None:
    result = run_instrumented(
        APP_WITH_SECRETS, FAKE_TOKEN=token, OTEL_AGENT_OUTPUT_DIR="telemetry/run-1"
    )

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "telemetry" / "run-1" / "traces.jsonl").stat().st_size > 0
    assert not (tmp_path / "otel-output").exists()


def test_instrumented_app_sdk_configured_console_exporter_is_redacted(
    run_instrumented: Callable[..., Any], tmp_path: Path, token: str
) -> None:
    result = run_instrumented(
        APP_WITH_SECRETS,
        FAKE_TOKEN=token,
        OTEL_TRACES_EXPORTER="console",
        OTEL_LOGS_EXPORTER="console",
    )

    assert result.returncode == 0, result.stderr
    assert '"name": "handle order"' in result.stdout
    assert "LiteLLM params" in result.stdout
    assert token not in result.stdout and token.split(".")[1] not in result.stdout
    assert "[REDACTED:" in result.stdout
    assert not (tmp_path / "otel-output").exists()


def test_instrumented_app_processor_added_later_is_redacted(
    run_instrumented: Callable[..., Any], token: str
) -> None:
    app = """
        import os
        from opentelemetry import trace
        from opentelemetry.sdk.trace import export

        trace.get_tracer_provider().add_span_processor(
            export.SimpleSpanProcessor(export.ConsoleSpanExporter())
        )
        with trace.get_tracer("late").start_as_current_span("late span") as span:
            span.set_attribute("http.request.header.authorization",
                               "Bearer " + os.environ["FAKE_TOKEN"])
    """

    result = run_instrumented(app, FAKE_TOKEN=token, OTEL_LOGS_EXPORTER="none")

    assert result.returncode == 0, result.stderr
    assert '"name": "late span"' in result.stdout
    assert token not in result.stdout
    assert "[REDACTED:" in result.stdout


@pytest.fixture
def span_output() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def log_output() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def foreign_tracer_provider(span_output: io.StringIO) -> Iterator[TracerProvider]:
    """A provider set up by someone else: an exporting processor, no redaction."""
    provider = TracerProvider()
    provider.add_span_processor(
        SimpleSpanProcessor(FileSpanExporter(stream=span_output))
    )
    yield provider
    provider.shutdown()


@pytest.fixture
def foreign_logger_provider(log_output: io.StringIO) -> Iterator[LoggerProvider]:
    provider = LoggerProvider()
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(FileLogExporter(stream=log_output))
    )
    yield provider
    provider.shutdown()


def test_protect_providers_foreign_pipeline_exports_redacted(
    foreign_tracer_provider: TracerProvider,
    foreign_logger_provider: LoggerProvider,
    span_output: io.StringIO,
    log_output: io.StringIO,
    token: str,
) -> None:
    assert protect_providers(foreign_tracer_provider, foreign_logger_provider)
    assert protect_providers(foreign_tracer_provider, foreign_logger_provider)

    with foreign_tracer_provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("azure_ad_token", token)
    foreign_logger_provider.get_logger("l").emit(body=f"token={token}")

    processors = foreign_tracer_provider._active_span_processor._span_processors
    assert [type(p) for p in processors] == [RedactingSpanProcessor]
    log_processors = foreign_logger_provider._multi_log_record_processor
    assert [type(p) for p in log_processors._log_record_processors] == [
        RedactingLogRecordProcessor
    ]
    for output in (span_output.getvalue(), log_output.getvalue()):
        assert output and token not in output
        assert "[REDACTED:" in output


def test_protect_providers_processor_added_afterwards_is_wrapped(
    foreign_tracer_provider: TracerProvider, token: str
) -> None:
    late_output = io.StringIO()
    protect_providers(foreign_tracer_provider, LoggerProvider())

    foreign_tracer_provider.add_span_processor(
        SimpleSpanProcessor(FileSpanExporter(stream=late_output))
    )
    with foreign_tracer_provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("api_key", token)

    assert late_output.getvalue() and token not in late_output.getvalue()


def test_instrumented_app_output_dir_unusable_warns_once_and_runs(
    run_instrumented: Callable[..., Any], tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("a file where a directory should be")
    app = """
        import logging
        logging.getLogger("harbor").warning("application warning")
        print("application ran")
    """

    result = run_instrumented(app, OTEL_AGENT_OUTPUT_DIR="blocker/telemetry")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["application ran"]
    assert result.stderr.splitlines() == [
        "Cannot write to the telemetry output directory; export off",
        "application warning",
    ]
