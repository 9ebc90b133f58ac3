"""Another configurator's OTel ``LoggingHandler`` on the root logger.

With ``opentelemetry-distro`` winning and
``OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED=true``, the SDK's own handler
sits on the root logger. Lines logged while telemetry is being exported
(urllib3's debug lines for the exporter's request) were queued for export
again, so a flush from the application thread never finished. The guard that
otel-agent adds to such handlers keeps them out.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

from otel_agent._logging import guard_foreign_logging_handlers


@pytest.fixture
def exported() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def foreign_handler(exported: io.StringIO) -> Iterator[LoggingHandler]:
    provider = LoggerProvider()
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(FileLogExporter(stream=exported))
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)
    provider.shutdown()


def test_guard_foreign_handler_lines_logged_during_export_not_exported(
    foreign_handler: LoggingHandler, exported: io.StringIO
) -> None:
    guard_foreign_logging_handlers()

    with suppress_instrumentation():
        logging.getLogger("urllib3.connectionpool").debug("POST /v1/logs 200")
    logging.getLogger("app").warning("application line")

    text = exported.getvalue()
    assert "application line" in text
    assert "POST /v1/logs" not in text
