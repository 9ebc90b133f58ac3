"""The distro and configurator that ``opentelemetry-instrument`` loads.

Installing otel-agent is enough: ``opentelemetry-instrument`` finds these two
classes through the ``opentelemetry_distro`` and ``opentelemetry_configurator``
entry points. The distro picks defaults (without overriding anything the user
set) and quiets library logging; the configurator builds the SDK with every
exporter behind a redacting processor, and turns Python ``logging`` into OTLP
log records. :func:`protect_configured_pipeline` (the
``opentelemetry_post_instrument`` entry point) covers the case where another
package's configurator won: it wraps whatever exporting processors that one
registered.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry import metrics
from opentelemetry.environment_variables import (
    OTEL_LOGS_EXPORTER,
    OTEL_METRICS_EXPORTER,
    OTEL_TRACES_EXPORTER,
)
from opentelemetry.instrumentation.distro import (  # type: ignore[attr-defined]
    BaseDistro,
)
from opentelemetry.sdk._configuration import _OTelSDKConfigurator
from opentelemetry.sdk._logs import LogRecordProcessor
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
)
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.util._importlib_metadata import EntryPoint

from otel_agent import _embedded, _exit, _library_noise, _logging, _protect
from otel_agent.environment_variables import OTEL_AGENT_OUTPUT_DIR
from otel_agent.redaction import RedactingLogRecordProcessor, RedactingSpanProcessor

__all__ = [
    "OtelAgentConfigurator",
    "OtelAgentDistro",
    "protect_configured_pipeline",
    "redacting_batch_log_record_processor",
    "redacting_batch_span_processor",
]

_logger = logging.getLogger(__name__)

_SIGNAL_EXPORTER_VARIABLES = (
    OTEL_TRACES_EXPORTER,
    OTEL_METRICS_EXPORTER,
    OTEL_LOGS_EXPORTER,
)
_OTLP = "otlp"


def redacting_batch_span_processor(exporter: SpanExporter) -> SpanProcessor:
    """Put *exporter* behind a batch processor behind redaction.

    An OTLP exporter is also put behind an exit guard (:mod:`otel_agent._exit`):
    at exit, batches for a dead collector are dropped instead of retried.
    """
    return RedactingSpanProcessor(
        BatchSpanProcessor(_exit.guard_span_exporter(exporter))
    )


def redacting_batch_log_record_processor(
    exporter: LogRecordExporter,
) -> LogRecordProcessor:
    """Put *exporter* behind a batch processor behind redaction.

    An OTLP exporter is also put behind an exit guard, as for spans.
    """
    guarded = _exit.guard_log_record_exporter(exporter)
    return RedactingLogRecordProcessor(BatchLogRecordProcessor(guarded))


def choose_default_exporters(environ: dict[str, str] | os._Environ[str]) -> bool:
    """Fill in unset ``OTEL_*_EXPORTER`` variables; never overrides a set one.

    With no exporter and no OTLP endpoint configured, every signal goes to the
    embedded OTLP JSON files. With an endpoint, every unset signal goes to
    OTLP. With only ``OTEL_TRACES_EXPORTER`` set, nothing is added: the user
    chose explicitly.

    Returns:
        True when the embedded default was chosen.
    """
    endpoint_set = bool(
        environ.get(OTEL_EXPORTER_OTLP_ENDPOINT)
        or environ.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    )
    if not endpoint_set and not environ.get(OTEL_TRACES_EXPORTER):
        for variable in _SIGNAL_EXPORTER_VARIABLES:
            environ.setdefault(variable, _embedded.EMBEDDED_EXPORTER_NAME)
        return True
    if endpoint_set:
        for variable in _SIGNAL_EXPORTER_VARIABLES:
            environ.setdefault(variable, _OTLP)
    return False


class OtelAgentDistro(BaseDistro):
    """Defaults for ``opentelemetry-instrument`` when otel-agent is installed.

    Runs once, before the configurator and before the application imports
    anything. Never raises: a failure is logged and the application runs as it
    would without otel-agent's defaults.
    """

    embedded_default_chosen: bool = False

    def _configure(self, **kwargs: Any) -> None:
        try:
            OtelAgentDistro.embedded_default_chosen = choose_default_exporters(
                os.environ
            )
            _library_noise.quiet_library_logging()
            _logging.limit_export_failure_warnings()
            _logging.install_log_redaction()
        except Exception:  # noqa: BLE001 - never break the host application
            _logger.debug("otel-agent distro setup failed", exc_info=True)

    def load_instrumentor(self, entry_point: EntryPoint, **kwargs: Any) -> None:
        """Instrument one library; a failing instrumentor is skipped, not fatal.

        ``opentelemetry-instrument`` stops loading every other instrumentor
        (and skips the post-instrument hooks) when one raises; here the failure
        costs one warning and the rest of the set-up goes on.
        """
        try:
            super().load_instrumentor(entry_point, **kwargs)
        except Exception:  # noqa: BLE001 - never break the host application
            _logger.warning(
                "Instrumentation %s failed to load; it is skipped", entry_point.name
            )
            _logger.debug("Instrumentor failure", exc_info=True)


class OtelAgentConfigurator(_OTelSDKConfigurator):
    """Builds the SDK with redaction in front of every exporter.

    Calls the SDK's own auto-configuration with two changes: each exporter is
    wrapped as ``Redacting…Processor(Batch…Processor(exporter))``, so nothing
    reaches an exporter unredacted, and the embedded default's file exporters
    get their paths. Then installs the logging bridge (Python ``logging`` to
    OTLP log records) and makes processors added later redacted too.
    Keyword arguments given by a caller win over these defaults.
    """

    def _configure(self, **kwargs: Any) -> None:
        kwargs.setdefault("export_span_processor", redacting_batch_span_processor)
        kwargs.setdefault(
            "export_log_record_processor", redacting_batch_log_record_processor
        )
        # otel-agent installs its own bridge below; the SDK's would duplicate it.
        kwargs["setup_logging_handler"] = False
        if "exporter_args_map" not in kwargs and _embedded_files_wanted():
            kwargs["exporter_args_map"] = _embedded_exporter_args_or_none()

        super()._configure(**kwargs)

        try:
            _exit.guard_metric_readers(metrics.get_meter_provider())
            _protect.protect_providers()
            _logging.install_logging_bridge(export=_log_export_configured())
        except Exception:  # noqa: BLE001 - never break the host application
            _logger.debug("otel-agent logging bridge setup failed", exc_info=True)


def protect_configured_pipeline() -> None:
    """Make the pipeline safe whichever configurator built it; idempotent.

    The ``opentelemetry_post_instrument`` entry point: runs after every
    configurator and instrumentor. Wraps exporting processors that are not
    behind redaction yet, applies the logging defaults if the distro did not
    run, and keeps otel-agent's own diagnostics out of any OTel logging
    handler that another configurator installed. Never raises.
    """
    try:
        _library_noise.quiet_library_logging()
        _logging.limit_export_failure_warnings()
        _logging.install_log_redaction()
        _protect.protect_providers()
        _logging.guard_foreign_logging_handlers()
    except Exception:  # noqa: BLE001 - never break the host application
        _logger.debug("otel-agent post-instrument setup failed", exc_info=True)


def _embedded_files_wanted() -> bool:
    uses_files = any(
        _embedded.EMBEDDED_EXPORTER_NAME in os.environ.get(variable, "")
        for variable in _SIGNAL_EXPORTER_VARIABLES
    )
    chosen = OtelAgentDistro.embedded_default_chosen
    return uses_files and (chosen or bool(os.environ.get(OTEL_AGENT_OUTPUT_DIR)))


def _embedded_exporter_args_or_none() -> dict[type, dict[str, Any]] | None:
    output_dir = _embedded.read_output_dir()
    try:
        return _embedded.embedded_exporter_args(
            output_dir, _embedded.read_log_file_max_bytes()
        )
    except OSError:
        _logger.warning("Cannot write to the telemetry output directory; export off")
        for variable in _SIGNAL_EXPORTER_VARIABLES:
            if os.environ.get(variable) == _embedded.EMBEDDED_EXPORTER_NAME:
                os.environ[variable] = "none"
        return None


def _log_export_configured() -> bool:
    value = os.environ.get(OTEL_LOGS_EXPORTER, "").strip().lower()
    return bool(value) and value != "none"
