"""Redaction of one telemetry item's parts, with a running tally."""

from __future__ import annotations

from collections import Counter
from typing import Any, overload

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.util.types import Attributes

from otel_agent import attributes as otel_agent_attributes
from otel_agent.redaction._redactor import JOINED_TEXT_LIMIT, Redactor


class ItemRedaction:
    """Redacts the parts of one span or log record and adds up what it replaced.

    Not thread-safe: one instance per item.
    """

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.counts: Counter[str] = Counter()

    def value(self, value: Any, key: str | None = None) -> Any:
        result = self.redactor.redact(value, key)
        if result.counts:
            self.counts.update(result.counts)
        return result.value

    def attributes(self, attributes: Attributes) -> Attributes:
        """Return *attributes* redacted; the same object when nothing changed."""
        if not attributes:
            return attributes
        # Long texts are left out of the joined search (their keys stay in):
        # each gets one pass of its own below instead of two.
        long_texts = {
            key: value for key, value in attributes.items() if _is_long_text(value)
        }
        shorter = {**attributes, **dict.fromkeys(long_texts, "")}
        if not self.redactor.leaves_unchanged(attributes=[shorter]):
            redacted = {
                self.value(key): self.value(value, key)
                for key, value in attributes.items()
            }
            return _bounded(redacted, attributes)

        changed = {
            key: redacted
            for key, value in long_texts.items()
            if (redacted := self.value(value, key)) is not value
        }
        if not changed:
            return attributes
        return _bounded({**attributes, **changed}, attributes)

    @overload
    def scope(self, scope: InstrumentationScope) -> InstrumentationScope: ...

    @overload
    def scope(self, scope: None) -> None: ...

    def scope(self, scope: InstrumentationScope | None) -> InstrumentationScope | None:
        """Return *scope* with its attributes redacted (most scopes have none)."""
        if scope is None or not scope.attributes:
            return scope
        return InstrumentationScope(
            scope.name,
            scope.version,
            scope.schema_url,
            self.attributes(scope.attributes),
        )

    def with_summary(self, attributes: Attributes) -> Attributes:
        """Add ``otel_agent.redaction.*`` to *attributes* if anything changed."""
        if not self.counts:
            return attributes
        summary = dict(attributes or {})
        summary[otel_agent_attributes.REDACTION_COUNT] = sum(self.counts.values())
        summary[otel_agent_attributes.REDACTION_RULES] = tuple(sorted(self.counts))
        return _bounded(summary, attributes)


class ResourceRedaction:
    """Redacts a Resource once and reuses the copy while the Resource is the same.

    Every span or record of a provider shares one Resource. A race between
    threads at worst redacts the same Resource twice.
    """

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._cache: tuple[Resource, Resource, Counter[str]] | None = None

    def redact(self, resource: Resource, item: ItemRedaction) -> Resource:
        """Return the redacted copy of *resource*, adding its tally to *item*."""
        cached = self._cache
        if cached is None or cached[0] is not resource:
            own = ItemRedaction(self._redactor)
            attributes = own.attributes(resource.attributes) or {}
            cached = (resource, Resource(attributes, resource.schema_url), own.counts)
            self._cache = cached
        item.counts.update(cached[2])
        return cached[1]


def _is_long_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) > JOINED_TEXT_LIMIT


def _bounded(redacted: dict[str, Any], original: Attributes) -> BoundedAttributes:
    bounded = BoundedAttributes(attributes=redacted, immutable=True)
    if isinstance(original, BoundedAttributes):
        bounded.dropped = original.dropped
    return bounded


__all__ = ["ItemRedaction", "ResourceRedaction"]
