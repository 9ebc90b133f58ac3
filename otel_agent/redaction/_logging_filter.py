"""A ``logging.Filter`` that redacts records before plain handlers write them."""

from __future__ import annotations

import copy
import logging
import sys
import traceback
from collections.abc import Iterable

from otel_agent.redaction import _failures
from otel_agent.redaction._failures import DropCounter
from otel_agent.redaction._redactor import Redactor

# Attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
}
# Since Python 3.12 a filter may return a replacement record, seen only by the
# handler it is attached to; earlier versions need the record changed in place.
_CAN_REPLACE_RECORD = sys.version_info >= (3, 12)


class RedactingLoggingFilter(logging.Filter):
    """Redacts a log record's message, traceback, stack and ``extra`` fields.

    The message is %-formatted first and then redacted (``msg`` becomes the
    result, ``args`` empty), so a secret passed as an argument is caught. An
    exception is rendered into ``exc_text``, redacted, and ``exc_info`` is
    cleared so that no handler renders the raw traceback again.

    Attach it to handlers, not loggers: a filter on a logger only sees records
    logged through that very logger, never those of child loggers such as
    ``LiteLLM`` that propagate to the root handlers
    (:func:`install_logging_filter` does this). On Python 3.12+ the filter
    returns a redacted copy, so other handlers still get the original record;
    on 3.10 and 3.11 it changes the record in place.

    Never raises: a record that cannot be redacted is dropped (the filter
    returns ``False``) and counted in :attr:`dropped_records`.

    Args:
        redactor: The rules to apply; default the catalogue plus
            ``OTEL_AGENT_REDACT_*`` from the environment.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = redactor or Redactor.from_env()
        self._drops = DropCounter("Redacting logging filter")

    @property
    def dropped_records(self) -> int:
        """Records dropped because they could not be redacted."""
        return self._drops.count

    # Returning a record (a redacted copy) is allowed from Python 3.12 on.
    def filter(  # type: ignore[override]
        self, record: logging.LogRecord
    ) -> bool | logging.LogRecord:
        """Let a redacted copy through (3.12+) or redact *record* in place.

        Runs on the logging thread; never raises: a record that cannot be
        redacted is dropped (False) and counted.
        """
        try:
            redacted = self._redact_record(record)
        except Exception:
            # The drop report itself comes through here; dropping it quietly
            # keeps one failure from being counted (or logged) twice.
            if record.name != _failures.LOGGER_NAME:
                self._drops.record()
            return False
        if _CAN_REPLACE_RECORD:
            return redacted
        record.__dict__.update(redacted.__dict__)
        return True

    def _redact_record(self, record: logging.LogRecord) -> logging.LogRecord:
        redacted = copy.copy(record)
        redact_text = self._redactor.redact_text
        redacted.msg = redact_text(_message(record)).value
        redacted.args = ()
        if hasattr(record, "message"):
            redacted.message = redacted.msg

        exc_text = record.exc_text
        if record.exc_info and record.exc_info[0] is not None and not exc_text:
            exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        redacted.exc_text = redact_text(exc_text).value if exc_text else exc_text
        redacted.exc_info = None
        if record.stack_info:
            redacted.stack_info = redact_text(record.stack_info).value

        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRIBUTES:
                setattr(redacted, name, self._redactor.redact(value, name).value)
        return redacted


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:
        # Arguments that do not fit the format: keep the template; logging
        # would otherwise print the arguments in its own error report.
        return str(record.msg)


def install_logging_filter(
    handlers: Iterable[logging.Handler] | None = None,
    redactor: Redactor | None = None,
) -> RedactingLoggingFilter:
    """Attach one :class:`RedactingLoggingFilter` to *handlers*; idempotent.

    Args:
        handlers: Default: the root logger's handlers, except OpenTelemetry's
            own logging handlers, whose records the log-record processor
            redacts with their exception attributes intact. Handlers added
            later are not covered; call again after adding them.
        redactor: Passed to a new filter.

    Returns:
        The filter now attached (an existing one is reused).
    """
    if handlers is None:
        handlers = [
            handler
            for handler in logging.getLogger().handlers
            if not type(handler).__module__.startswith("opentelemetry.")
        ]
    handlers = list(handlers)
    existing = [
        existing_filter
        for handler in handlers
        for existing_filter in handler.filters
        if isinstance(existing_filter, RedactingLoggingFilter)
    ]
    redacting_filter = existing[0] if existing else RedactingLoggingFilter(redactor)
    for handler in handlers:
        if not any(isinstance(f, RedactingLoggingFilter) for f in handler.filters):
            handler.addFilter(redacting_filter)
    return redacting_filter


__all__ = ["RedactingLoggingFilter", "install_logging_filter"]
