"""Python ``logging`` under otel-agent: OTLP export, redaction, no feedback loops.

Four pieces, each installed once per process:

- :class:`OtelAgentLoggingHandler` on the root logger turns records into OTLP
  log records (with the current trace and span ids) and copies WARNING+ records
  logged during an LLM call onto that call's span as events. It never exports
  otel-agent's own diagnostics (except the one-line rate-limit warning of
  ``otel_agent.rate_limit``) or OpenTelemetry's, so nothing loops back into the
  pipeline that produced it. Because a handler on the root logger stops Python
  from using its "last resort" stderr handler, it prints WARNING+ records to
  stderr itself when no other handler would have seen them, as Python would.
- ``logging.basicConfig``, ``dictConfig`` and ``fileConfig`` are wrapped so that
  the application's own call still configures logging (``basicConfig`` does
  nothing while the root logger has a handler) and the bridge stays installed.
- :func:`install_log_redaction` puts one ``RedactingLoggingFilter`` on every
  plain handler: those that exist, ``logging.lastResort``, and every handler
  added later through ``Logger.addHandler`` (which ``basicConfig``,
  ``dictConfig``, ``fileConfig`` and libraries all use). A filter on the root
  logger would miss records of child loggers such as ``LiteLLM``, and a log
  record factory would strip the exception from the records the OTel handler
  exports; a filter per handler has neither problem.
- :func:`limit_export_failure_warnings` lets the first WARNING+ record of the
  OpenTelemetry exporters through and drops the rest, so a collector that is
  down costs one line, not one per batch.
"""

from __future__ import annotations

import logging
import logging.config
import threading
import warnings
from collections.abc import Callable
from typing import Any, Final

import wrapt
from opentelemetry._logs import get_logger_provider
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.sdk._logs import LoggingHandler

from otel_agent import _span_events
from otel_agent.instrumentation._rate_limit_log import RATE_LIMIT_LOGGER_NAME
from otel_agent.redaction import RedactingLoggingFilter, install_logging_filter

__all__ = [
    "RATE_LIMIT_LOGGER",
    "OtelAgentLoggingHandler",
    "guard_foreign_logging_handlers",
    "install_log_redaction",
    "install_logging_bridge",
    "is_exportable",
    "limit_export_failure_warnings",
]

_logger = logging.getLogger(__name__)

# The one otel-agent logger whose records are exported: user-facing 429 lines.
RATE_LIMIT_LOGGER: Final = RATE_LIMIT_LOGGER_NAME

_OWN_PREFIX: Final = "otel_agent"
_OTEL_PREFIX: Final = "opentelemetry"
_GATED_LOGGERS: Final = ("opentelemetry.exporter", "opentelemetry.sdk._shared_internal")
_GATE_NOTE: Final = " (otel-agent: further telemetry export errors are not logged)"
_INTERNAL_MARK: Final = "_otel_agent_internal"

_state_lock = threading.Lock()
_bridge: OtelAgentLoggingHandler | None = None
_config_functions_wrapped = False
_redaction_filter: RedactingLoggingFilter | None = None
_gate_installed = False


def is_exportable(record: logging.LogRecord) -> bool:
    """Whether *record* may enter the OTel log pipeline without looping."""
    name = record.name
    if name == RATE_LIMIT_LOGGER or name.startswith(RATE_LIMIT_LOGGER + "."):
        return True
    return not _in_namespace(name, _OWN_PREFIX) and not _in_namespace(
        name, _OTEL_PREFIX
    )


def _in_namespace(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


class _ExportableFilter(logging.Filter):
    # Records logged while telemetry is being exported (urllib3 debug lines
    # from the exporter's own request, say) would be queued for export again,
    # and a flush never catches up with them.
    def filter(self, record: logging.LogRecord) -> bool:
        return is_exportable(record) and is_instrumentation_enabled()


class OtelAgentLoggingHandler(LoggingHandler):
    """The root handler: OTLP export, span events, Python's last resort.

    Called on the logging thread; never raises and never blocks beyond the
    log-record processors' ``on_emit`` (which only queue). Re-entrant calls on
    the same thread (a log line written while exporting one) are dropped.

    Args:
        logger_provider: Where records are exported; None turns export off and
            keeps the span events and the last-resort behaviour.
    """

    def __init__(self, logger_provider: Any = None) -> None:
        # The SDK deprecated this class in favour of a separate package whose
        # handler otel-agent does not need; its translation is the same.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            super().__init__(logger_provider=logger_provider)
        self._export = logger_provider is not None
        self._local = threading.local()
        setattr(self, _INTERNAL_MARK, True)

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        if getattr(self._local, "busy", False):
            return False
        self._local.busy = True
        try:
            self._print_if_unhandled(record)
            _span_events.add_log_event(record)
            if self._export and is_exportable(record) and is_instrumentation_enabled():
                return bool(super().handle(record))
        except Exception:  # noqa: BLE001 - logging must never break the caller
            pass
        finally:
            self._local.busy = False
        return False

    def _print_if_unhandled(self, record: logging.LogRecord) -> None:
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        if not _has_other_handlers(record):
            last_resort.handle(record)


def _has_other_handlers(record: logging.LogRecord) -> bool:
    """Mirror ``Logger.callHandlers``: would any non-otel-agent handler run?"""
    current: logging.Logger | None = logging.getLogger(record.name)
    if record.name == "root":
        current = logging.getLogger()
    while current is not None:
        if any(not getattr(h, _INTERNAL_MARK, False) for h in current.handlers):
            return True
        if not current.propagate and not getattr(current, _INTERNAL_MARK, False):
            return False
        current = current.parent
    return False


def install_logging_bridge(logger_provider: Any = None, export: bool = True) -> None:
    """Put :class:`OtelAgentLoggingHandler` on the root logger; idempotent.

    Args:
        logger_provider: Default: the global one.
        export: False keeps span events and stderr behaviour, exports nothing.
    """
    global _bridge
    with _state_lock:
        if _bridge is None:
            provider = (logger_provider or get_logger_provider()) if export else None
            _bridge = OtelAgentLoggingHandler(provider)
            logging.getLogger().addHandler(_bridge)
        _wrap_config_functions()


def _wrap_config_functions() -> None:
    global _config_functions_wrapped
    if _config_functions_wrapped:
        return
    logging.basicConfig = _keeping_bridge(logging.basicConfig)
    logging.config.dictConfig = _keeping_bridge(logging.config.dictConfig)
    logging.config.fileConfig = _keeping_bridge(logging.config.fileConfig)
    _config_functions_wrapped = True


def _keeping_bridge(config_function: Callable[..., Any]) -> Callable[..., Any]:
    def configure_keeping_bridge(*args: Any, **kwargs: Any) -> Any:
        root = logging.getLogger()
        bridge = _bridge if _bridge in root.handlers else None
        if bridge is not None:
            root.removeHandler(bridge)
        try:
            return config_function(*args, **kwargs)
        finally:
            if bridge is not None:
                root.addHandler(bridge)
            # dictConfig and fileConfig disable loggers they do not name; the
            # rate-limit line is the user-facing one and stays on.
            logging.getLogger(RATE_LIMIT_LOGGER).disabled = False

    configure_keeping_bridge.__wrapped__ = config_function  # type: ignore[attr-defined]
    configure_keeping_bridge.__doc__ = config_function.__doc__
    return configure_keeping_bridge


def install_log_redaction() -> RedactingLoggingFilter:
    """Redact what plain handlers write, now and for handlers added later.

    Idempotent. OpenTelemetry's handlers (and otel-agent's) are left alone:
    their records are redacted by the log-record processor, with the
    exception attributes intact.

    Returns:
        The one filter shared by every plain handler.
    """
    global _redaction_filter
    with _state_lock:
        if _redaction_filter is None:
            handlers = [h for h in _all_attached_handlers() if _is_plain(h)]
            if logging.lastResort is not None:
                handlers.append(logging.lastResort)
            _redaction_filter = install_logging_filter(handlers)
            wrapt.wrap_function_wrapper(logging.Logger, "addHandler", _add_handler)
        return _redaction_filter


def _all_attached_handlers() -> list[logging.Handler]:
    loggers: list[Any] = [logging.getLogger()]
    loggers += list(logging.Logger.manager.loggerDict.values())
    return [h for lg in loggers for h in getattr(lg, "handlers", ())]


def _is_plain(handler: logging.Handler) -> bool:
    if getattr(handler, _INTERNAL_MARK, False):
        return False
    return not type(handler).__module__.startswith(_OTEL_PREFIX + ".")


def _add_handler(
    wrapped: Callable[..., Any], instance: Any, args: Any, kwargs: Any
) -> Any:
    result = wrapped(*args, **kwargs)
    try:
        handler = args[0] if args else kwargs.get("hdlr")
        redacting = _redaction_filter
        if (
            redacting is not None
            and isinstance(handler, logging.Handler)
            and _is_plain(handler)
            and redacting not in handler.filters
        ):
            handler.addFilter(redacting)
    except Exception:  # noqa: BLE001 - never break the caller's logging setup
        pass
    return result


def guard_foreign_logging_handlers() -> None:
    """Keep otel-agent's diagnostics out of OTel handlers another setup added."""
    for handler in logging.getLogger().handlers:
        foreign = isinstance(handler, LoggingHandler) and not getattr(
            handler, _INTERNAL_MARK, False
        )
        guarded = any(isinstance(f, _ExportableFilter) for f in handler.filters)
        if foreign and not guarded:
            handler.addFilter(_ExportableFilter())


class _FirstFailureGate(logging.Handler):
    """Passes the first WARNING+ record on, drops later ones, counts them."""

    def __init__(self, parent: logging.Logger) -> None:
        super().__init__()
        self._parent = parent
        self._passed = False
        self.dropped = 0
        setattr(self, _INTERNAL_MARK, True)

    def handle(self, record: logging.LogRecord) -> bool:  # type: ignore[override]
        if record.levelno >= logging.WARNING:
            with self.lock:  # type: ignore[union-attr]
                first = not self._passed
                self._passed = True
                if not first:
                    self.dropped += 1
                    return False
            record = _with_gate_note(record)
        if self._parent is not None:
            self._parent.handle(record)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)


def _with_gate_note(record: logging.LogRecord) -> logging.LogRecord:
    """A copy of *record* whose message says later failures are not logged.

    A record whose message cannot be formatted is passed on as it is: a
    gate must not raise into the exporter that logged it.
    """
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - the handler's own formatting reports it
        return record
    noted = logging.makeLogRecord(record.__dict__)
    noted.msg = f"{message}{_GATE_NOTE}"
    noted.args = None
    return noted


def limit_export_failure_warnings() -> None:
    """Let one export-failure warning per gated logger through; idempotent.

    The OpenTelemetry exporter and batch-processor loggers stop propagating;
    a gate handler on each forwards what it lets through to the parent logger,
    so the record still reaches the usual handlers (and stderr when none).
    """
    global _gate_installed
    with _state_lock:
        if _gate_installed:
            return
        for name in _GATED_LOGGERS:
            gated = logging.getLogger(name)
            gate = _FirstFailureGate(gated.parent)  # type: ignore[arg-type]
            gated.addHandler(gate)
            gated.propagate = False
            setattr(gated, _INTERNAL_MARK, True)
        _gate_installed = True
