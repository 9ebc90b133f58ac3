"""Redaction of metrics: every reader of a MeterProvider receives a redacted copy.

Metrics have no processor stage: a ``MeterProvider`` hands each collection
straight to its readers, which export it (``PeriodicExportingMetricReader``) or
serve it (pull readers). A provider's readers are fixed at construction, so
wrapping each reader's ``_receive_metrics`` covers everything that provider
will ever export.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, Final

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, MetricsData

from otel_agent.redaction._failures import DropCounter
from otel_agent.redaction._item import ItemRedaction, ResourceRedaction
from otel_agent.redaction._redactor import Redactor

_logger = logging.getLogger(__name__)

_PROTECTED_MARK: Final = "_otel_agent_redaction_installed"


class MetricsRedaction:
    """Returns redacted copies of ``MetricsData``.

    Redacts resource and scope attributes, metric names and descriptions,
    data-point attributes and exemplar attributes; values, times and units are kept. No
    summary attribute is added: it would split the time series. Two series
    that differ only in a redacted value end up with equal attributes.
    Thread-safe.

    Args:
        redactor: The rules to apply; default the catalogue plus
            ``OTEL_AGENT_REDACT_*`` from the environment.
    """

    def __init__(self, redactor: Redactor | None = None) -> None:
        self._redactor = redactor or Redactor.from_env()
        self._resources = ResourceRedaction(self._redactor)
        self._drops = DropCounter("Metrics redaction")

    @property
    def dropped_batches(self) -> int:
        """Collections dropped because they could not be redacted."""
        return self._drops.count

    def redact(self, data: MetricsData) -> MetricsData:
        """Return a redacted copy of *data*; raises if it cannot be redacted."""
        redaction = ItemRedaction(self._redactor)
        return MetricsData(
            resource_metrics=[
                dataclasses.replace(
                    resource_metrics,
                    resource=self._resources.redact(
                        resource_metrics.resource, redaction
                    ),
                    scope_metrics=[
                        dataclasses.replace(
                            scope_metrics,
                            scope=redaction.scope(scope_metrics.scope),
                            metrics=[
                                _redact_metric(metric, redaction)
                                for metric in scope_metrics.metrics
                            ],
                        )
                        for scope_metrics in resource_metrics.scope_metrics
                    ],
                )
                for resource_metrics in data.resource_metrics
            ]
        )

    def protect_reader(self, reader: MetricReader) -> None:
        """Make *reader* receive redacted collections only; idempotent.

        A collection that cannot be redacted is dropped and counted, never
        passed on as it was.
        """
        if getattr(reader, _PROTECTED_MARK, False):
            return
        receive = reader._receive_metrics

        def receive_redacted(
            metrics_data: MetricsData, *args: Any, **kwargs: Any
        ) -> Any:
            try:
                redacted = self.redact(metrics_data)
            except Exception:
                self._drops.record()
                return None
            return receive(redacted, *args, **kwargs)

        reader._receive_metrics = receive_redacted  # type: ignore[method-assign]
        setattr(reader, _PROTECTED_MARK, True)


def protect_meter_provider(
    provider: MeterProvider, redaction: MetricsRedaction | None = None
) -> None:
    """Put every reader of *provider* behind metrics redaction; idempotent.

    Raises if the SDK's layout is not the expected one (the caller reports it).
    """
    redaction = redaction or MetricsRedaction()
    readers = provider._metric_readers
    for reader in readers:
        if not isinstance(reader, MetricReader):
            raise TypeError(type(reader).__name__)
        redaction.protect_reader(reader)


def _redact_metric(metric: Any, redaction: ItemRedaction) -> Any:
    data = metric.data
    points = [_redact_point(point, redaction) for point in data.data_points]
    return dataclasses.replace(
        metric,
        name=redaction.value(metric.name),
        description=redaction.value(metric.description),
        data=dataclasses.replace(data, data_points=points),
    )


def _redact_point(point: Any, redaction: ItemRedaction) -> Any:
    exemplars = [
        dataclasses.replace(
            exemplar,
            filtered_attributes=_plain(
                redaction.attributes(exemplar.filtered_attributes)
            ),
        )
        for exemplar in point.exemplars
    ]
    return dataclasses.replace(
        point,
        attributes=_plain(redaction.attributes(point.attributes)),
        exemplars=exemplars,
    )


def _plain(attributes: Any) -> Any:
    # Point attributes are plain dicts in the SDK (console ``to_json`` copies
    # them with ``dataclasses.asdict``, which cannot copy a locked mapping).
    return dict(attributes) if attributes is not None else None


__all__ = ["MetricsRedaction", "protect_meter_provider"]
