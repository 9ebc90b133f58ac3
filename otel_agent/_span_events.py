"""Copy WARNING+ log lines written during an LLM call onto the call's span.

Jaeger and other trace viewers store spans, not logs, so the warning LiteLLM or
the application wrote while a call was failing would otherwise be invisible
next to the call. A line becomes an ``otel_agent.log`` event on the current
span when that span is an LLM span (it carries ``gen_ai.operation.name``),
unless the span already says the same thing:

- otel-agent's own lines (the rate-limit warning repeats the span's
  ``otel_agent.rate_limit.*`` attributes) and OpenTelemetry's are skipped;
- a message equal to the span's status description is skipped;
- the same message is added once per span, however often it is logged;
- an exception contributes its type and message, never its traceback (an
  instrumentation that records the exception already put that on the span).

Events go through the same redacting span processor as everything else.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes.gen_ai_attributes import (
    GEN_AI_OPERATION_NAME,
)
from opentelemetry.semconv.attributes.exception_attributes import (
    EXCEPTION_MESSAGE,
    EXCEPTION_TYPE,
)

from otel_agent.attributes import (
    LOG_EVENT,
    LOG_EVENT_LOGGER,
    LOG_EVENT_MESSAGE,
    LOG_EVENT_SEVERITY,
)

__all__ = ["MAX_MESSAGE_CHARS", "add_log_event"]

MAX_MESSAGE_CHARS: Final = 1000
"""Longer messages are cut: a span event is a pointer, the log keeps the rest."""

_SKIPPED_PREFIXES: Final = ("otel_agent", "opentelemetry")


def add_log_event(record: logging.LogRecord) -> bool:
    """Add *record* to the current LLM span as an event, when it belongs there.

    Runs on the logging thread; never raises.

    Returns:
        True if an event was added.
    """
    try:
        if record.levelno < logging.WARNING or _is_skipped_logger(record.name):
            return False
        span = trace.get_current_span()
        if not span.is_recording() or not _is_llm_span(span):
            return False
        message = _message(record)
        if _span_already_says(span, message):
            return False
        span.add_event(
            LOG_EVENT,
            _event_attributes(record, message),
            timestamp=int(record.created * 1e9),
        )
        return True
    except Exception:  # noqa: BLE001 - logging must never break the caller
        return False


def _is_skipped_logger(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in _SKIPPED_PREFIXES)


def _is_llm_span(span: Any) -> bool:
    attributes = getattr(span, "attributes", None)
    if not attributes:
        return False
    return GEN_AI_OPERATION_NAME in attributes


def _message(record: logging.LogRecord) -> str:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - arguments that do not fit the format
        message = str(record.msg)
    return message[:MAX_MESSAGE_CHARS]


def _span_already_says(span: Any, message: str) -> bool:
    status = getattr(span, "status", None)
    if status is not None and status.description == message:
        return True
    return any(
        event.name == LOG_EVENT
        and (event.attributes or {}).get(LOG_EVENT_MESSAGE) == message
        for event in getattr(span, "events", ())
    )


def _event_attributes(record: logging.LogRecord, message: str) -> dict[str, str]:
    attributes = {
        LOG_EVENT_SEVERITY: record.levelname,
        LOG_EVENT_LOGGER: record.name,
        LOG_EVENT_MESSAGE: message,
    }
    exception = record.exc_info[1] if record.exc_info else None
    if exception is not None:
        attributes[EXCEPTION_TYPE] = type(exception).__name__
        attributes[EXCEPTION_MESSAGE] = str(exception)[:MAX_MESSAGE_CHARS]
    return attributes
