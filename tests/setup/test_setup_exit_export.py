"""Exit-time export: a dead collector costs one line, a live one gets everything.

Each case runs a small program under ``opentelemetry-instrument`` that logs one
warning, ends one span and adds to one counter, then exits, so the last batch of
every signal is exported by the SDK's shutdown at exit.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from _otlp_receiver import OtlpHttpReceiver
from _script_runner import ScriptRunner
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.sdk.trace.export import SpanExporter

from otel_agent import _exit

_PROGRAM = """
    import logging
    from opentelemetry import metrics, trace

    logging.getLogger("app").warning("final record")
    with trace.get_tracer("app").start_as_current_span("final span"):
        pass
    metrics.get_meter("app").create_counter("final.counter").add(1)
    print("done")
"""

# Waits until the first export has failed, so the exit finds a retrying
# exporter and a failure already reported (the gate's one line).
_PROGRAM_AFTER_FAILURE = """
    import logging, threading
    from opentelemetry import trace

    failed = threading.Event()

    class FirstFailure(logging.StreamHandler):
        def emit(self, record):
            super().emit(record)
            failed.set()

    logging.getLogger().addHandler(FirstFailure())
    with trace.get_tracer("app").start_as_current_span("early span"):
        pass
    print("failure seen" if failed.wait(30) else "no failure")
    with trace.get_tracer("app").start_as_current_span("final span"):
        pass
"""

_DROP_NOTICE = "otel-agent: collector unreachable at exit; dropped "
_GATE_NOTE = "(otel-agent: further telemetry export errors are not logged)"


@pytest.fixture
def receiver() -> Iterator[OtlpHttpReceiver]:
    with OtlpHttpReceiver() as server:
        yield server


@pytest.fixture
def dead_endpoint() -> str:
    """A loopback URL whose port was just free: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_exit_dead_collector_drops_final_batches_with_one_notice(
    run_instrumented: ScriptRunner, dead_endpoint: str, protocol: str
) -> None:
    result = run_instrumented(
        _PROGRAM,
        timeout=120,
        OTEL_EXPORTER_OTLP_ENDPOINT=dead_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert result.stderr.splitlines() == [
        "final record",
        _DROP_NOTICE + "1 spans, 1 log records, 1 metric points",
    ]


def test_exit_after_failed_export_keeps_the_single_failure_line(
    run_instrumented: ScriptRunner, dead_endpoint: str
) -> None:
    result = run_instrumented(
        _PROGRAM_AFTER_FAILURE,
        timeout=120,
        OTEL_EXPORTER_OTLP_ENDPOINT=dead_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_BSP_SCHEDULE_DELAY="10",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "failure seen\n"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(_GATE_NOTE)


def test_exit_explicit_timeout_keeps_sdk_retries(
    run_instrumented: ScriptRunner, dead_endpoint: str
) -> None:
    result = run_instrumented(
        _PROGRAM,
        timeout=120,
        OTEL_EXPORTER_OTLP_ENDPOINT=dead_endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_TIMEOUT="0.2",
    )

    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "final record"
    assert len(lines) == 2, result.stderr
    assert lines[1].endswith(_GATE_NOTE)


def test_exit_live_collector_receives_final_batches(
    run_instrumented: ScriptRunner, receiver: OtlpHttpReceiver
) -> None:
    result = run_instrumented(
        _PROGRAM,
        timeout=120,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.server_port}",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["final record"]
    assert _span_names(receiver.bodies["/v1/traces"]) == ["final span"]
    assert _log_bodies(receiver.bodies["/v1/logs"]) == ["final record"]
    assert "final.counter" in _metric_names(receiver.bodies["/v1/metrics"])


@pytest.mark.parametrize(
    ("make_exporter", "guarded"),
    [
        (lambda tmp: FileSpanExporter(path=tmp / "traces.jsonl"), False),
        (lambda tmp: OTLPSpanExporter(endpoint="http://127.0.0.1:9/v1/traces"), True),
    ],
)
def test_guard_span_exporter_wraps_only_otlp(
    tmp_path: Path, make_exporter: object, guarded: bool
) -> None:
    exporter: SpanExporter = make_exporter(tmp_path)  # type: ignore[operator]
    result = _exit.guard_span_exporter(exporter)
    result.shutdown()

    assert (result is not exporter) is guarded


@pytest.mark.parametrize(
    ("environment", "proxied"),
    [
        ({}, False),
        ({"https_proxy": "http://proxy.invalid:3128"}, True),
        ({"grpc_proxy": "http://proxy.invalid:3128"}, True),
        (
            {"https_proxy": "http://proxy.invalid:3128", "no_proxy": "collector.test"},
            False,
        ),
    ],
)
def test_exit_probe_behind_proxy_is_skipped(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], proxied: bool
) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "grpc_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert _exit._proxied("collector.test") is proxied


def _span_names(bodies: list[bytes]) -> list[str]:
    return [
        span.name
        for body in bodies
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]


def _log_bodies(bodies: list[bytes]) -> list[str]:
    return [
        record.body.string_value
        for body in bodies
        for resource in ExportLogsServiceRequest.FromString(body).resource_logs
        for scope in resource.scope_logs
        for record in scope.log_records
    ]


def _metric_names(bodies: list[bytes]) -> set[str]:
    return {
        metric.name
        for body in bodies
        for resource in ExportMetricsServiceRequest.FromString(body).resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
