"""Credential redaction before export.

One catalogue of rules (:mod:`otel_agent.redaction._rules`), one
:class:`Redactor` that applies it in linear time, and the places it is applied:
a span processor and a log-record processor that forward redacted copies, a
``logging.Filter`` for the application's own handlers, and ``otel-agent scan``
for log files already written.
"""

from __future__ import annotations

from otel_agent.redaction._config import RedactionConfig
from otel_agent.redaction._log_processor import RedactingLogRecordProcessor
from otel_agent.redaction._logging_filter import (
    RedactingLoggingFilter,
    install_logging_filter,
)
from otel_agent.redaction._redactor import RedactionResult, Redactor, redact
from otel_agent.redaction._rules import (
    PATTERN_RULES,
    REDACTED_MARKER,
    SAFE_KEYS,
    SENSITIVE_KEY_RULE,
    SENSITIVE_KEYS,
    PatternRule,
)
from otel_agent.redaction._span_processor import RedactingSpanProcessor

__all__ = [
    "PATTERN_RULES",
    "REDACTED_MARKER",
    "SAFE_KEYS",
    "SENSITIVE_KEYS",
    "SENSITIVE_KEY_RULE",
    "PatternRule",
    "RedactingLogRecordProcessor",
    "RedactingLoggingFilter",
    "RedactingSpanProcessor",
    "RedactionConfig",
    "RedactionResult",
    "Redactor",
    "install_logging_filter",
    "redact",
]
