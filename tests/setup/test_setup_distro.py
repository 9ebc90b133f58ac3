"""The distro's defaults, the embedded default's files and their size bound."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

from otel_agent._distro import OtelAgentDistro, choose_default_exporters
from otel_agent._embedded import (
    DEFAULT_LOG_FILE_MAX_BYTES,
    RotatingLineStream,
    read_log_file_max_bytes,
)

EMBEDDED = "otlp_json_file"
ALL_EMBEDDED = {
    "OTEL_TRACES_EXPORTER": EMBEDDED,
    "OTEL_METRICS_EXPORTER": EMBEDDED,
    "OTEL_LOGS_EXPORTER": EMBEDDED,
}
ALL_OTLP = {
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "otlp",
    "OTEL_LOGS_EXPORTER": "otlp",
}
ENDPOINT = "http://127.0.0.1:4317"


@pytest.mark.parametrize(
    ("given", "expected", "embedded"),
    [
        ({}, ALL_EMBEDDED, True),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT},
            {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, **ALL_OTLP},
            False,
        ),
        (
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ENDPOINT},
            {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ENDPOINT, **ALL_OTLP},
            False,
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_LOGS_EXPORTER": "none"},
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT,
                **ALL_OTLP,
                "OTEL_LOGS_EXPORTER": "none",
            },
            False,
        ),
        (
            {"OTEL_TRACES_EXPORTER": "console"},
            {"OTEL_TRACES_EXPORTER": "console"},
            False,
        ),
    ],
    ids=["nothing-set", "endpoint", "traces-endpoint", "user-value-kept", "explicit"],
)
def test_choose_default_exporters_given_env_fills_only_unset(
    given: dict[str, str], expected: dict[str, str], embedded: bool
) -> None:
    environ = dict(given)

    chose_embedded = choose_default_exporters(environ)

    assert environ == expected
    assert chose_embedded is embedded


class _BrokenEntryPoint:
    name = "broken"

    def load(self) -> type:
        raise RuntimeError("instrumentor exploded")


def test_distro_load_instrumentor_failure_warns_and_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="otel_agent._distro"):
        OtelAgentDistro().load_instrumentor(_BrokenEntryPoint())  # type: ignore[arg-type]

    assert [r.getMessage() for r in caplog.records] == [
        "Instrumentation broken failed to load; it is skipped"
    ]


def test_rotating_line_stream_many_exports_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "logs.jsonl"
    max_bytes = 4096
    stream = RotatingLineStream(path, max_bytes)
    provider = LoggerProvider()
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(FileLogExporter(stream=stream))
    )
    logger = provider.get_logger("rotation-test")

    for index in range(200):
        logger.emit(body=f"record {index} " + "x" * 100)
    provider.shutdown()
    stream.close()

    rotated = path.with_name("logs.jsonl.1")
    assert path.stat().st_size <= max_bytes
    assert rotated.stat().st_size <= max_bytes
    last = [json.loads(line) for line in path.read_text().splitlines()]
    bodies = [
        record["body"]["stringValue"]
        for request in last
        for resource in request["resourceLogs"]
        for scope in resource["scopeLogs"]
        for record in scope["logRecords"]
    ]
    assert bodies[-1].startswith("record 199 ")


def test_rotating_line_stream_non_positive_bound_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        RotatingLineStream(tmp_path / "logs.jsonl", 0)


@pytest.mark.parametrize(
    ("raw", "expected", "warned"),
    [
        (None, DEFAULT_LOG_FILE_MAX_BYTES, False),
        ("2048", 2048, False),
        ("ten", DEFAULT_LOG_FILE_MAX_BYTES, True),
        ("-5", DEFAULT_LOG_FILE_MAX_BYTES, True),
    ],
)
def test_read_log_file_max_bytes_given_value_parses_or_warns(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    raw: str | None,
    expected: int,
    warned: bool,
) -> None:
    if raw is None:
        monkeypatch.delenv("OTEL_AGENT_LOG_FILE_MAX_BYTES", raising=False)
    else:
        monkeypatch.setenv("OTEL_AGENT_LOG_FILE_MAX_BYTES", raw)

    with caplog.at_level(logging.WARNING, logger="otel_agent._embedded"):
        assert read_log_file_max_bytes() == expected

    assert bool(caplog.records) is warned
