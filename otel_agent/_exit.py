"""Exit-time export that never waits on a dead collector.

At interpreter exit the SDK shuts every provider down, and each batch processor
and metric reader hands what it still holds to its exporter. An OTLP exporter
whose collector is down retries with backoff until its timeout (10 s by
default), signal after signal, so a program that has finished keeps running for
up to half a minute. Here each OTLP exporter that otel-agent's configurator builds is
wrapped in an exit guard with this contract:

- While the program runs, the guard only forwards and remembers whether the last
  export failed; data and timing are the SDK's.
- At exit (an ``atexit`` hook that runs before the SDK's shutdown hook of the
  same provider) the guard decides once whether the collector is dead: the last
  export failed, or a TCP connect to the endpoint's host and port does not
  succeed within 200 ms (one probe per endpoint, as the environment names it;
  none when a proxy is configured for it). A live collector gets the final
  batches exactly as before.
- When dead, the remaining batches are dropped without any network call, and
  counted; the wrapped exporter is shut down at once, which also cuts short an
  export that is still retrying. After every provider has shut down, one
  WARNING names the counts, unless an export had already failed during the run
  (the export-failure line said so; the counts then go to DEBUG).
- An explicit ``OTEL_EXPORTER_OTLP_TIMEOUT`` (or the signal's own
  ``…_TRACES_/_LOGS_/_METRICS_TIMEOUT``) is the user's choice of how long to
  wait: that signal keeps the SDK's behaviour.

Never raises; every decision that cannot be made falls back to the SDK's
behaviour. Exporters that are not OTLP (the embedded files, console) are never
wrapped.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
from collections.abc import Sequence
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT,
    OTEL_EXPORTER_OTLP_LOGS_TIMEOUT,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

__all__ = [
    "guard_log_record_exporter",
    "guard_metric_readers",
    "guard_span_exporter",
]

_logger = logging.getLogger(__name__)

_PROBE_TIMEOUT_SECONDS: Final = 0.2
_OTLP_MODULE_PREFIX: Final = "opentelemetry.exporter.otlp.proto."
_GRPC_MODULE_PREFIX: Final = _OTLP_MODULE_PREFIX + "grpc"
_DEFAULT_GRPC_ENDPOINT: Final = "http://localhost:4317"
_DEFAULT_HTTP_ENDPOINT: Final = "http://localhost:4318"
_SCHEME_PORTS: Final = {"http": 80, "https": 443}
_PROXY_KEYS: Final = ("http", "https", "all", "grpc")
_SIGNALS: Final = {
    "spans": (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT),
    "log records": (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, OTEL_EXPORTER_OTLP_LOGS_TIMEOUT),
    "metric points": (
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
        OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    ),
}

_lock = threading.Lock()
_dropped: dict[str, int] = dict.fromkeys(_SIGNALS, 0)
_probes: dict[tuple[str, int], bool] = {}
_failure_seen = False


class _ExitGuard:
    """Forwards to an OTLP exporter; drops at exit when its collector is dead."""

    def __init__(self, exporter: Any, signal: str) -> None:
        endpoint_variable, timeout_variable = _SIGNALS[signal]
        self._exporter = exporter
        self._signal = signal
        self._address = _endpoint_address(exporter, endpoint_variable)
        self._waits_by_choice = bool(
            os.environ.get(timeout_variable)
            or os.environ.get(OTEL_EXPORTER_OTLP_TIMEOUT)
        )
        self._last_failed = False
        self._dropping = False
        self._inner_shut_down = False
        # Registered after the provider's own shutdown hook, so it runs first.
        atexit.register(self._on_exit)

    def _forward(self, batch: Any, size: int, failure: Any, **kwargs: Any) -> Any:
        if self._dropping:
            _count_drop(self._signal, size)
            return failure
        result = self._exporter.export(batch, **kwargs)
        self._last_failed = result == failure
        if self._last_failed:
            _note_failure()
        return result

    def _on_exit(self) -> None:
        try:
            if self._inner_shut_down or self._waits_by_choice:
                return
            if not self._collector_dead():
                return
            self._dropping = True
            self._shut_down_inner()
        except Exception:  # noqa: BLE001 - at worst the SDK's behaviour
            _logger.debug("Exit guard failed", exc_info=True)

    def _collector_dead(self) -> bool:
        if self._last_failed:
            return True
        return self._address is not None and not _reachable(self._address)

    def _shut_down_inner(self, **kwargs: Any) -> None:
        if not self._inner_shut_down:
            self._inner_shut_down = True
            self._exporter.shutdown(**kwargs)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        if self._dropping:
            return True
        return bool(self._exporter.force_flush(timeout_millis))


class _ExitGuardedSpanExporter(_ExitGuard, SpanExporter):
    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return self._forward(spans, len(spans), SpanExportResult.FAILURE)

    def shutdown(self) -> None:
        self._shut_down_inner()


class _ExitGuardedLogRecordExporter(_ExitGuard, LogRecordExporter):
    def export(self, batch: Sequence[Any]) -> LogRecordExportResult:
        return self._forward(batch, len(batch), LogRecordExportResult.FAILURE)

    def shutdown(self) -> None:
        self._shut_down_inner()


class _ExitGuardedMetricExporter(_ExitGuard, MetricExporter):
    def __init__(self, exporter: MetricExporter) -> None:
        _ExitGuard.__init__(self, exporter, "metric points")
        MetricExporter.__init__(
            self,
            preferred_temporality=exporter._preferred_temporality,
            preferred_aggregation=exporter._preferred_aggregation,
        )

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        return self._forward(
            metrics_data,
            _count_points(metrics_data),
            MetricExportResult.FAILURE,
            timeout_millis=timeout_millis,
            **kwargs,
        )

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._shut_down_inner(timeout_millis=timeout_millis, **kwargs)


def guard_span_exporter(exporter: SpanExporter) -> SpanExporter:
    """Return *exporter* behind an exit guard if it is OTLP, else unchanged."""
    return _guarded(exporter, _ExitGuardedSpanExporter, "spans")


def guard_log_record_exporter(exporter: LogRecordExporter) -> LogRecordExporter:
    """Return *exporter* behind an exit guard if it is OTLP, else unchanged."""
    return _guarded(exporter, _ExitGuardedLogRecordExporter, "log records")


def guard_metric_readers(provider: Any) -> None:
    """Put the OTLP exporter of each periodic reader of *provider* behind a guard.

    The SDK builds metric readers itself, with no hook for the exporter, so this
    reads the provider's reader list and the reader's exporter (private SDK
    attributes, pinned SDK 1.45.1). A layout it does not know leaves the reader
    unchanged: metrics then keep the SDK's exit behaviour. Never raises.
    """
    try:
        if not isinstance(provider, MeterProvider):
            return
        for reader in provider._metric_readers:
            exporter = getattr(reader, "_exporter", None)
            if isinstance(reader, PeriodicExportingMetricReader) and _is_otlp(exporter):
                reader._exporter = _ExitGuardedMetricExporter(exporter)
    except Exception:  # noqa: BLE001 - unknown layout: the SDK's behaviour
        _logger.debug("Metric exporter exit guard not installed", exc_info=True)


def _guarded(exporter: Any, guard: type[_ExitGuard], signal: str) -> Any:
    if not _is_otlp(exporter):
        return exporter
    try:
        return guard(exporter, signal)
    except Exception:  # noqa: BLE001 - unguarded is the SDK's behaviour
        _logger.debug("Exit guard not installed", exc_info=True)
        return exporter


def _is_otlp(exporter: Any) -> bool:
    return type(exporter).__module__.startswith(_OTLP_MODULE_PREFIX)


def _endpoint_address(exporter: Any, signal_variable: str) -> tuple[str, int] | None:
    """Host and port the exporter sends to, as configured in the environment."""
    grpc = type(exporter).__module__.startswith(_GRPC_MODULE_PREFIX)
    default = _DEFAULT_GRPC_ENDPOINT if grpc else _DEFAULT_HTTP_ENDPOINT
    endpoint = (
        os.environ.get(signal_variable)
        or os.environ.get(OTEL_EXPORTER_OTLP_ENDPOINT)
        or default
    ).strip()
    if "://" not in endpoint:
        endpoint = "http://" + endpoint
    try:
        parts = urlsplit(endpoint)
        port = parts.port or _SCHEME_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None or _proxied(parts.hostname):
        return None
    return parts.hostname, port


def _proxied(host: str) -> bool:
    """Whether exports to *host* go through a proxy (a direct probe would lie)."""
    proxies = getproxies_environment()
    uses_proxy = any(proxies.get(key) for key in _PROXY_KEYS)
    return uses_proxy and not proxy_bypass_environment(host, proxies)


def _reachable(address: tuple[str, int]) -> bool:
    with _lock:
        known = _probes.get(address)
    if known is not None:
        return known
    try:
        with socket.create_connection(address, timeout=_PROBE_TIMEOUT_SECONDS):
            reachable = True
    except OSError:
        reachable = False
    with _lock:
        _probes[address] = reachable
    return reachable


def _count_points(metrics_data: Any) -> int:
    try:
        return sum(
            len(metric.data.data_points)
            for resource in metrics_data.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
        )
    except Exception:  # noqa: BLE001 - a count is not worth failing for
        return 0


def _count_drop(signal: str, size: int) -> None:
    with _lock:
        _dropped[signal] += size


def _note_failure() -> None:
    global _failure_seen
    _failure_seen = True


def _report_drops() -> None:
    with _lock:
        counts = [f"{n} {signal}" for signal, n in _dropped.items() if n]
    if not counts:
        return
    level = logging.DEBUG if _failure_seen else logging.WARNING
    _logger.log(
        level,
        "otel-agent: collector unreachable at exit; dropped %s",
        ", ".join(counts),
    )


# Registered when otel-agent's set-up imports this module, before any provider
# exists, so it runs after every provider has shut down (atexit is LIFO).
atexit.register(_report_drops)
