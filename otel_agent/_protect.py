"""Put every processor of an SDK provider behind redaction, now and later.

The configurator builds its processors redacted from the start. This module is
for everything else: a different configurator that won under
``opentelemetry-instrument`` (``opentelemetry-distro`` installed alongside, or
``OTEL_CONFIG_FILE``), an application that built its own providers, or a
processor added after start-up with ``add_span_processor``. It wraps each
processor already registered on a provider in the matching ``Redacting…``
processor and makes the provider wrap every processor added afterwards. Metrics
have no processors: each reader of a ``MeterProvider`` (fixed at construction)
is made to receive redacted collections only.

The SDK has no public way to list or replace a provider's processors, so the
wrapping reads the SDK's multi-processor tuple; the layout is checked first and,
if it is not the one expected, nothing is changed and one warning says that
redaction could not be verified.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

from opentelemetry import metrics, trace
from opentelemetry._logs import get_logger_provider
from opentelemetry.sdk._logs import LoggerProvider, LogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from otel_agent.redaction import RedactingLogRecordProcessor, RedactingSpanProcessor
from otel_agent.redaction._metrics import protect_meter_provider

__all__ = ["protect_providers"]

_logger = logging.getLogger(__name__)

_PROTECTED_MARK: Final = "_otel_agent_redaction_installed"


def protect_providers(
    tracer_provider: Any = None,
    logger_provider: Any = None,
    meter_provider: Any = None,
) -> bool:
    """Redact everything the given (default: global) SDK providers export.

    Idempotent and thread-safe with respect to the SDK's own locking. Providers
    that are not the SDK's (no-op or proxy providers) are skipped: they export
    nothing. Never raises.

    Args:
        tracer_provider: An SDK ``TracerProvider``; the global one when None.
        logger_provider: An SDK ``LoggerProvider``; the global one when None.
        meter_provider: An SDK ``MeterProvider``; the global one when None.
            Its readers are fixed at construction, so all of them are covered.

    Returns:
        False if a provider's processors could not be inspected, so redaction
        of what it exports is not guaranteed; True otherwise.
    """
    tracer_provider = tracer_provider or trace.get_tracer_provider()
    logger_provider = logger_provider or get_logger_provider()
    meter_provider = meter_provider or metrics.get_meter_provider()
    ok = True
    if isinstance(tracer_provider, TracerProvider):
        ok &= _protect(
            tracer_provider,
            "_active_span_processor",
            "_span_processors",
            "add_span_processor",
            _wrap_span_processor,
        )
    if isinstance(logger_provider, LoggerProvider):
        ok &= _protect(
            logger_provider,
            "_multi_log_record_processor",
            "_log_record_processors",
            "add_log_record_processor",
            _wrap_log_record_processor,
        )
    if isinstance(meter_provider, MeterProvider):
        ok &= _protect_meters(meter_provider)
    return ok


def _protect_meters(provider: MeterProvider) -> bool:
    try:
        protect_meter_provider(provider)
    except Exception:  # noqa: BLE001 - unknown SDK layout: report
        _logger.warning(
            "Cannot verify redaction of MeterProvider readers; "
            "exported data may be unredacted"
        )
        _logger.debug("Metric reader inspection failed", exc_info=True)
        return False
    return True


def _wrap_span_processor(processor: SpanProcessor) -> SpanProcessor:
    if isinstance(processor, RedactingSpanProcessor):
        return processor
    return RedactingSpanProcessor(processor)


def _wrap_log_record_processor(processor: LogRecordProcessor) -> LogRecordProcessor:
    if isinstance(processor, RedactingLogRecordProcessor):
        return processor
    return RedactingLogRecordProcessor(processor)


def _protect(
    provider: Any,
    multi_attribute: str,
    tuple_attribute: str,
    add_method: str,
    wrap: Callable[[Any], Any],
) -> bool:
    if getattr(provider, _PROTECTED_MARK, False):
        return True
    try:
        multi = getattr(provider, multi_attribute)
        lock = multi._lock
        with lock:
            registered = getattr(multi, tuple_attribute)
            if not isinstance(registered, tuple):
                raise TypeError(tuple_attribute)
            setattr(multi, tuple_attribute, tuple(wrap(p) for p in registered))
        _wrap_future_additions(provider, add_method, wrap)
        setattr(provider, _PROTECTED_MARK, True)
    except Exception:  # noqa: BLE001 - unknown SDK layout: report, change nothing
        _logger.warning(
            "Cannot verify redaction of %s processors; exported data may be unredacted",
            type(provider).__name__,
        )
        _logger.debug("Processor inspection failed", exc_info=True)
        return False
    return True


def _wrap_future_additions(
    provider: Any, add_method: str, wrap: Callable[[Any], Any]
) -> None:
    original = getattr(provider, add_method)

    def add_redacted(processor: Any) -> None:
        original(wrap(processor))

    add_redacted.__doc__ = original.__doc__
    setattr(provider, add_method, add_redacted)
