"""A span processor that hands its delegate a redacted copy of each ended span."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, Status
from opentelemetry.util.types import Attributes

from otel_agent.redaction._failures import DropCounter
from otel_agent.redaction._item import ItemRedaction, ResourceRedaction
from otel_agent.redaction._redactor import Redactor

_logger = logging.getLogger(__name__)


def _with_dropped(items: list[Any], original: Sequence[Any]) -> Sequence[Any]:
    if not isinstance(original, BoundedList):
        return tuple(items)
    bounded = BoundedList.from_seq(None, items)
    bounded.dropped = original.dropped
    return bounded


class RedactingSpanProcessor(SpanProcessor):
    """Forwards a redacted copy of every ended span to *delegate*.

    A ``ReadableSpan`` is frozen by ``on_end``, so the span is rebuilt: name,
    attributes (strings inside sequences too), status description, event names
    and attributes, link attributes, resource and instrumentation-scope
    attributes are redacted; ids, times, kind and the scope's name and version
    are kept. When anything was replaced, the copy carries
    ``otel_agent.redaction.count`` and ``otel_agent.redaction.rules``. A span
    with nothing to redact (one joined RE2 search decides) is forwarded as it
    is: it cannot change any more.

    Runs on the thread that ends the span and never blocks beyond the
    delegate's own ``on_end`` (wrap a ``BatchSpanProcessor``). Never raises: if
    redaction fails the span is dropped and counted (:attr:`dropped_spans`),
    never exported as it was. ``on_start``, ``shutdown`` and ``force_flush``
    go to the delegate.

    Args:
        delegate: The processor that exports, usually a ``BatchSpanProcessor``.
        redactor: The rules to apply; default the catalogue plus
            ``OTEL_AGENT_REDACT_*`` from the environment.
    """

    def __init__(
        self, delegate: SpanProcessor, redactor: Redactor | None = None
    ) -> None:
        self._delegate = delegate
        self._redactor = redactor or Redactor.from_env()
        self._drops = DropCounter("Redacting span processor")
        self._resources = ResourceRedaction(self._redactor)

    @property
    def dropped_spans(self) -> int:
        """Spans dropped because they could not be redacted."""
        return self._drops.count

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            self._delegate.on_start(span, parent_context=parent_context)
        except Exception:
            _logger.debug("Span processor delegate failed on start", exc_info=True)

    def _on_ending(self, span: Span) -> None:
        try:
            self._delegate._on_ending(span)
        except Exception:
            _logger.debug("Span processor delegate failed on ending", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        """Forward a redacted copy of *span*; drop and count it if that fails."""
        try:
            redacted = self.redact_span(span)
        except Exception:
            self._drops.record()
            return
        try:
            self._delegate.on_end(redacted)
        except Exception:
            _logger.debug("Span processor delegate failed on end", exc_info=True)

    def shutdown(self) -> None:
        """Shut the delegate down; blocks as long as the delegate does."""
        try:
            self._delegate.shutdown()
        except Exception:
            _logger.debug("Span processor delegate failed on shutdown", exc_info=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the delegate, blocking up to *timeout_millis*; False on failure."""
        try:
            return self._delegate.force_flush(timeout_millis)
        except Exception:
            _logger.debug("Span processor delegate failed to flush", exc_info=True)
            return False

    def redact_span(self, span: ReadableSpan) -> ReadableSpan:
        """Return a redacted copy of *span*; raises if it cannot be redacted."""
        redaction = ItemRedaction(self._redactor)
        resource = self._resources.redact(span.resource, redaction)
        # Most spans hold nothing to redact: one joined search shows it, and
        # a finished span is immutable, so it can be forwarded as it is.
        if not redaction.counts and self._redactor.leaves_unchanged(
            [span.name, span.status.description, *(e.name for e in span.events)],
            _attribute_mappings(span),
        ):
            return span

        name = redaction.value(span.name)
        attributes = redaction.attributes(span.attributes)
        events = [
            Event(
                redaction.value(event.name),
                redaction.attributes(event.attributes),
                event.timestamp,
            )
            for event in span.events
        ]
        links = [
            Link(link.context, redaction.attributes(link.attributes))
            for link in span.links
        ]
        status = span.status
        if status.description:
            status = Status(status.status_code, redaction.value(status.description))

        return ReadableSpan(
            name=name,
            context=span.context,
            parent=span.parent,
            resource=resource,
            attributes=redaction.with_summary(attributes),
            events=_with_dropped(events, span.events),
            links=_with_dropped(links, span.links),
            kind=span.kind,
            status=status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=redaction.scope(span.instrumentation_scope),
        )


def _attribute_mappings(span: ReadableSpan) -> list[Attributes]:
    scope = span.instrumentation_scope
    return [
        span.attributes,
        *(event.attributes for event in span.events),
        *(link.attributes for link in span.links),
        scope.attributes if scope is not None else None,
    ]


__all__ = ["RedactingSpanProcessor"]
