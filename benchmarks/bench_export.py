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
from _stats import format_ratio, format_seconds
from _workers import WorkerSpec, local_server, run_rounds, started_workers
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from otel_agent.redaction import Redactor
from otel_agent.redaction._span_processor import RedactingSpanProcessor

__all__ = ["run"]

_BATCH_SIZE = 512
_DOWN_TARGET = 1.05
_KINDS = ("sync", "async")


class _Discard(SpanProcessor):
    def on_end(self, span: ReadableSpan) -> None:
        del span


def _throughput(quick: bool) -> tuple[str, list[TargetCheck]]:
    spans = [readable_span() for _ in range(_BATCH_SIZE)]
    processor = RedactingSpanProcessor(_Discard(), Redactor())

    def serialise_only() -> bytes:
        return encode_spans(spans).SerializeToString()

    def redact_and_serialise() -> bytes:
        return encode_spans([processor.redact_span(span) for span in spans]).SerializeToString()

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
                f"{format_seconds(summary.median / _BATCH_SIZE)} "
                f"[{format_seconds(summary.q1 / _BATCH_SIZE)}–{format_seconds(summary.q3 / _BATCH_SIZE)}]",
            ]
        )
    ratio = result.ratio("redact+serialise", "serialise")
    rows.append(["cost ratio, with / without redaction", format_ratio(ratio), ""])
    table = markdown_table(["Path", "Spans per second per core", "CPU per span [IQR]"], rows)
    return "**Export path throughput** (typical span, batches of 512)\n\n" + table, []


def _collector_down(quick: bool) -> tuple[str, list[TargetCheck]]:
    rounds = 3 if quick else 20
    calls = {kind: (5 if quick else 20) for kind in _KINDS}
    with live_receiver() as receiver, closed_port() as port, local_server() as base_url:
        specs = (
            WorkerSpec("normal (OTLP/HTTP, live receiver)", "otel-agent", "otlp-http-live", receiver),
            WorkerSpec("down (OTLP/HTTP, closed port)", "otel-agent", "otlp-http-down", f"http://127.0.0.1:{port}"),
            WorkerSpec("down (OTLP/gRPC, closed port)", "otel-agent", "otlp-grpc-down", f"127.0.0.1:{port}"),
        )
        with started_workers(specs, base_url) as workers:
            result = run_rounds(workers, _KINDS, calls, rounds)
    normal = specs[0].label
    rows = []
    checks = []
    for kind in _KINDS:
        for spec in specs:
            wall = result.wall(kind, spec.label)
            batches = result.batches[kind, spec.label]
            rss_growth = batches[-1].rss_kib - batches[0].rss_kib
            ratio_cell = "1 (reference)"
            if spec.label != normal:
                ratio = result.wall_ratio(kind, spec.label, normal)
                ratio_cell = format_ratio(ratio)
                checks.append(
                    TargetCheck(
                        f"Collector down, {kind} call latency within 5% of normal ({spec.label})",
                        format_ratio(ratio),
                        ratio.median <= _DOWN_TARGET,
                    )
                )
            rows.append(
                [
                    kind,
                    spec.label,
                    f"{format_seconds(wall.median)} [{format_seconds(wall.q1)}–{format_seconds(wall.q3)}]",
                    ratio_cell,
                    f"{rss_growth / 1024:+.1f} MiB",
                ]
            )
    header = ["Call", "Exporter", "Latency per call [IQR]", "Ratio to normal", "RSS change, first to last round"]
    table = markdown_table(header, rows)
    return f"**Call latency with the collector down** ({rounds} rounds)\n\n" + table, checks


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
