"""A log-record processor that hands its delegate a redacted copy of each record."""

from __future__ import annotations

import copy
import logging
from typing import cast

from opentelemetry._logs import SeverityNumber
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.context import Context
from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from otel_agent.redaction._failures import DropCounter
from otel_agent.redaction._item import ItemRedaction, ResourceRedaction
from otel_agent.redaction._redactor import Redactor

_logger = logging.getLogger(__name__)


class RedactingLogRecordProcessor(LogRecordProcessor):
    """Forwards a redacted copy of every emitted log record to *delegate*.

    The copy has its body (string, mapping or sequence), attributes (including
    ``exception.message`` and ``exception.stacktrace``, which the SDK rebuilds
    from the exception object before any processor runs), event name,
    resource and instrumentation-scope attributes redacted, and the exception
    object removed so nothing downstream can render it again. Timestamps,
    severity, trace context and the scope's name and version are kept. When
    anything was replaced, the copy carries ``otel_agent.redaction.count`` and
    ``otel_agent.redaction.rules``.

    Runs on the emitting thread; never blocks beyond the delegate's own
    ``on_emit`` (wrap a ``BatchLogRecordProcessor``). Never raises: if
    redaction fails the record is dropped and counted
    (:attr:`dropped_records`). ``enabled``, ``shutdown`` and ``force_flush``
    go to the delegate.

    Args:
        delegate: The processor that exports, usually a
            ``BatchLogRecordProcessor``.
        redactor: The rules to apply; default the catalogue plus
            ``OTEL_AGENT_REDACT_*`` from the environment.
    """

    def __init__(
        self, delegate: LogRecordProcessor, redactor: Redactor | None = None
    ) -> None:
        self._delegate = delegate
        self._redactor = redactor or Redactor.from_env()
        self._drops = DropCounter("Redacting log record processor")
        self._resources = ResourceRedaction(self._redactor)

    @property
    def dropped_records(self) -> int:
        """Log records dropped because they could not be redacted."""
        return self._drops.count

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        """Forward a redacted copy of *log_record*; drop and count it on failure."""
        try:
            redacted = self.redact_log_record(log_record)
        except Exception:
            self._drops.record()
            return
        try:
            self._delegate.on_emit(redacted)
        except Exception:
            _logger.debug("Log record processor delegate failed on emit", exc_info=True)

    def enabled(
        self,
        *,
        context: Context | None = None,
        instrumentation_scope: InstrumentationScope | None = None,
        severity_number: SeverityNumber | None = None,
        event_name: str | None = None,
    ) -> bool:
        try:
            return self._delegate.enabled(
                context=context,
                instrumentation_scope=instrumentation_scope,
                severity_number=severity_number,
                event_name=event_name,
            )
        except Exception:
            return True

    def shutdown(self) -> None:
        """Shut the delegate down; blocks as long as the delegate does."""
        try:
            self._delegate.shutdown()
        except Exception:
            _logger.debug(
                "Log record processor delegate failed on shutdown", exc_info=True
            )

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the delegate, blocking up to *timeout_millis*; False on failure."""
        try:
            return self._delegate.force_flush(timeout_millis)
        except Exception:
            _logger.debug(
                "Log record processor delegate failed to flush", exc_info=True
            )
            return False

    def redact_log_record(self, log_record: ReadWriteLogRecord) -> ReadWriteLogRecord:
        """Return a redacted copy of *log_record*; raises if it cannot be redacted."""
        redaction = ItemRedaction(self._redactor)
        resource = log_record.resource
        if resource is not None:
            resource = self._resources.redact(resource, redaction)
        source = log_record.log_record
        record = copy.copy(source)
        record.exception = None
        scope = log_record.instrumentation_scope

        # Most records hold nothing to redact: one joined search shows it.
        if redaction.counts or not self._redactor.leaves_unchanged(
            [source.body, source.event_name],
            [source.attributes, scope.attributes if scope is not None else None],
        ):
            record.body = redaction.value(source.body)
            if source.event_name:
                record.event_name = redaction.value(source.event_name)
            attributes = redaction.attributes(source.attributes)
            record.attributes = dict(redaction.with_summary(attributes) or {})
            scope = redaction.scope(scope)
        else:
            record.attributes = dict(source.attributes or {})

        result = ReadWriteLogRecord(
            log_record=record,
            resource=resource,
            instrumentation_scope=scope,
            limits=log_record.limits,
        )
        # ReadWriteLogRecord keeps its attributes as BoundedAttributes.
        bounded = cast(BoundedAttributes, result.log_record.attributes)
        bounded.dropped = log_record.dropped_attributes
        return result


__all__ = ["RedactingLogRecordProcessor"]
