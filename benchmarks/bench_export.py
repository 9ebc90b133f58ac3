"""Export path: throughput per core, and call latency while the collector is down.

Throughput: batches of 512 typical LLM spans (the attributes otel-agent's
instrumentor sets, no secrets) go through redaction (``RedactingSpanProcessor``
building each redacted copy) and OTLP protobuf serialisation
(``encode_spans(...).SerializeToString()``), timed on this thread's CPU clock,
so the figure is spans per second per core whatever else the machine runs. The
same batches are serialised without redaction, interleaved, for comparison.

Collector down: sync and async LiteLLM calls, instrumented by otel-agent
(instrumentor plus redacting processor plus ``BatchSpanProcessor``) exporting
over OTLP/HTTP to a live receiver on loopback (normal), or over OTLP/HTTP or
OTLP/gRPC to a closed loopback port (down). Worker processes interleaved in
rounds as in the call benchmark; each down variant is compared with the
normal one, per round.
"""

from __future__ import annotations

import time

from _endpoints import closed_port, live_receiver
from _inputs import readable_span
from _interleave import run_interleaved
from _report import Section, TargetCheck, markdown_table
from _stats import format_ratio, format_spread
from _workers import (
    RoundsResult,
    WorkerSpec,
    local_server,
    run_rounds,
    started_workers,
)
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from otel_agent.redaction import RedactingSpanProcessor, Redactor

__all__ = ["run"]

_BATCH_SIZE = 512
_DOWN_TARGET = 1.05
_KINDS = ("sync", "async")
# A smaller span queue (default 2,048) so that the collector-down workers reach
# their steady state, queue full and spans dropped, within the warm-up.
_QUEUE_SIZE = 256
_SMALL_QUEUE = (
    ("OTEL_BSP_MAX_QUEUE_SIZE", str(_QUEUE_SIZE)),
    ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", str(_QUEUE_SIZE)),
)


class _Discard(SpanProcessor):
    def on_end(self, span: ReadableSpan) -> None:
        del span


def _throughput(quick: bool) -> tuple[str, list[TargetCheck]]:
    spans = [readable_span() for _ in range(_BATCH_SIZE)]
    processor = RedactingSpanProcessor(_Discard(), Redactor())

    def serialise_only() -> bytes:
        return encode_spans(spans).SerializeToString()

    def redact_and_serialise() -> bytes:
        return encode_spans(
            [processor.redact_span(span) for span in spans]
        ).SerializeToString()

    result = run_interleaved(
        {"serialise": serialise_only, "redact+serialise": redact_and_serialise},
        rounds=3 if quick else 21,
        batch_seconds=0.05,
        clock=time.thread_time,
    )
    rows = []
    for name, label in (
        ("redact+serialise", "redaction + OTLP protobuf serialisation"),
        ("serialise", "OTLP protobuf serialisation only"),
    ):
        summary = result.summary(name)
        rate = _BATCH_SIZE / summary.median
        rows.append(
            [
                label,
                f"{rate:,.0f}",
                format_spread(summary, scale=1 / _BATCH_SIZE),
            ]
        )
    ratio = result.ratio("redact+serialise", "serialise")
    rows.append(["cost ratio, with / without redaction", format_ratio(ratio), ""])
    table = markdown_table(
        ["Path", "Spans per second per core", "CPU per span [IQR]"], rows
    )
    return "**Export path throughput** (typical span, batches of 512)\n\n" + table, []


def _collector_down(quick: bool) -> tuple[str, list[TargetCheck]]:
    rounds = 3 if quick else 20
    calls = {kind: (5 if quick else 20) for kind in _KINDS}
    with live_receiver() as receiver, closed_port() as port, local_server() as url:
        dead = f"127.0.0.1:{port}"
        specs = (
            _spec("normal (OTLP/HTTP, live receiver)", "otlp-http-live", receiver),
            _spec("down (OTLP/HTTP, closed port)", "otlp-http-down", f"http://{dead}"),
            _spec("down (OTLP/gRPC, closed port)", "otlp-grpc-down", dead),
        )
        with started_workers(specs, url) as workers:
            result = run_rounds(
                workers, _KINDS, calls, rounds, warmup_calls=5 if quick else 300
            )
    rows, checks = _down_rows(result, [spec.label for spec in specs])
    header = [
        "Call",
        "Exporter",
        "Latency per call [IQR]",
        "Ratio to normal",
        "RSS change, first to last round",
    ]
    made = result.calls[specs[1].label]
    held = 2 * _QUEUE_SIZE
    title = (
        f"**Call latency with the collector down** ({rounds} rounds; each worker "
        f"made {made:,} calls, one span each; with the collector down at most "
        f"{held} spans are held, the queue plus the batch being retried, so at "
        f"least {max(made - held, 0):,} were dropped)"
    )
    return title + "\n\n" + markdown_table(header, rows), checks


def _spec(label: str, exporter: str, endpoint: str) -> WorkerSpec:
    return WorkerSpec(label, "otel-agent", exporter, endpoint, _SMALL_QUEUE)


def _down_rows(
    result: RoundsResult, labels: list[str]
) -> tuple[list[list[str]], list[TargetCheck]]:
    normal = labels[0]
    rows: list[list[str]] = []
    checks: list[TargetCheck] = []
    for kind in _KINDS:
        for label in labels:
            batches = result.batches[kind, label]
            rss_growth = batches[-1].rss_kib - batches[0].rss_kib
            ratio_cell = "1 (reference)"
            if label != normal:
                ratio = result.wall_ratio(kind, label, normal)
                ratio_cell = format_ratio(ratio)
                checks.append(
                    TargetCheck(
                        f"Collector down, {kind} call latency within 5% of normal "
                        f"({label})",
                        format_ratio(ratio),
                        ratio.median <= _DOWN_TARGET,
                    )
                )
            rows.append(
                [
                    kind,
                    label,
                    format_spread(result.wall(kind, label)),
                    ratio_cell,
                    f"{rss_growth / 1024:+.1f} MiB",
                ]
            )
    return rows, checks


def run(quick: bool = False) -> Section:
    """Measure and return the export-path section of the report."""
    section = Section(
        title="Export path: throughput and a dead collector",
        method=" ".join(__doc__.split("\n\n", 1)[1].split()),
    )
    for part in (_throughput, _collector_down):
        table, checks = part(quick)
        section.tables.append(table)
        section.checks.extend(checks)
    section.notes.append(
        "With the collector down, the OTLP exporters retry with backoff on the "
        "`BatchSpanProcessor`'s worker thread; the application thread only queues "
        "spans, and the queue is bounded (2,048 spans by default; beyond that spans "
        "are dropped). See the memory section for a 10,000-call run with the "
        "collector down."
    )
    return section


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv).to_markdown())
