"""Added time per LiteLLM call: otel-agent and three other instrumentations.

LiteLLM calls against otel-agent's local Azure-compatible server (its own
process, loopback). Each variant runs in a worker process of its own, since
every instrumentor patches LiteLLM module-wide; all workers live for the whole
run. In each round every worker runs one batch of each kind of call, in a
fresh random order, one worker at a time, so load from other processes falls
on all variants alike. A batch's figure is its median call; a variant's
added time is, per round, its batch median minus the uninstrumented batch
median of the same round, then the median [interquartile range] over rounds.
CPU is the worker's whole process CPU time per call (LiteLLM's logging threads
and span export included, the batch ends with a flush). Every variant has the
same SDK setup: a ``BatchSpanProcessor`` into an exporter that counts spans
and drops them, and an SDK ``MeterProvider``; each instrumentation runs with its
default settings. ``otel-agent`` is the instrumentor plus the
``RedactingSpanProcessor`` in front of the batch processor, as the package
installs itself; ``otel-agent-no-redaction`` is the instrumentor alone.
"""

from __future__ import annotations

from _report import Section, TargetCheck, markdown_table
from _stats import Summary, format_seconds
from _workers import RoundsResult, WorkerSpec, local_server, run_rounds, started_workers

__all__ = ["run"]

BASELINE = "uninstrumented"
OURS = "otel-agent"
OTHERS = ("openinference", "openllmetry", "litellm-otel-callback")
CONTROL = "uninstrumented (2nd process)"
SPECS = (
    WorkerSpec(BASELINE, BASELINE),
    WorkerSpec(CONTROL, BASELINE),
    WorkerSpec(OURS, OURS),
    WorkerSpec("otel-agent-no-redaction", "otel-agent-no-redaction"),
    *(WorkerSpec(name, name) for name in OTHERS),
)
KINDS = ("sync", "async", "stream", "embedding")
_KIND_LABELS = {
    "sync": "sync `completion`",
    "async": "async `acompletion`",
    "stream": "sync `completion(stream=True)`, consumed",
    "embedding": "sync `embedding`",
}
_PACKAGE_LABELS = {
    "openinference": "openinference-instrumentation-litellm",
    "openllmetry": "opentelemetry-instrumentation-litellm (OpenLLMetry)",
    "litellm-otel-callback": 'LiteLLM `callbacks=["otel"]`',
}
SYNC_TARGET = 0.1e-3
STREAM_TARGET = 0.3e-3


def _signed(seconds: float) -> str:
    return ("+" if seconds >= 0 else "−") + format_seconds(abs(seconds))


def _added_cell(added: Summary, ratio: Summary) -> str:
    return (
        f"{_signed(added.median)} [{_signed(added.q1)}, {_signed(added.q3)}] "
        f"(×{ratio.median:.3f})"
    )


def _tables(result: RoundsResult, labels: list[str]) -> list[str]:
    others = [label for label in labels if label != BASELINE]
    wall_rows = []
    cpu_rows = []
    for kind in KINDS:
        base = result.wall(kind, BASELINE)
        wall_row = [_KIND_LABELS[kind], format_seconds(base.median)]
        cpu_base = result.batches[kind, BASELINE]
        cpu_row = [
            _KIND_LABELS[kind],
            format_seconds(
                sorted(b.cpu_per_call for b in cpu_base)[len(cpu_base) // 2]
            ),
        ]
        for label in others:
            wall_row.append(
                _added_cell(
                    result.added_wall(kind, label, BASELINE),
                    result.wall_ratio(kind, label, BASELINE),
                )
            )
            cpu = result.added_cpu(kind, label, BASELINE)
            cpu_row.append(
                f"{_signed(cpu.median)} [{_signed(cpu.q1)}, {_signed(cpu.q3)}]"
            )
        wall_rows.append(wall_row)
        cpu_rows.append(cpu_row)
    header = ["Call", "uninstrumented, per call", *others]
    spans_row = ["spans exported per call", "-"]
    for label in others:
        exported = result.exported_spans.get(label)
        spans_row.append(
            "-" if exported is None else f"{exported / result.calls[label]:.2f}"
        )
    return [
        "**Added wall time per call** (median [IQR] over rounds; "
        "ratio to uninstrumented)\n\n" + markdown_table(header, wall_rows),
        "**Added CPU time per call** (whole worker process, background threads "
        "included)\n\n" + markdown_table(header, [*cpu_rows, spans_row]),
    ]


def _checks(result: RoundsResult) -> list[TargetCheck]:
    sync_added = result.added_wall("sync", OURS, BASELINE)
    stream_added = result.added_wall("stream", OURS, BASELINE)
    best_other_label, best_other = min(
        (
            (label, result.added_wall("sync", label, BASELINE).median)
            for label in OTHERS
        ),
        key=lambda item: item[1],
    )
    fifth = best_other / 5
    return [
        TargetCheck(
            "Added time per sync call ≤ 0.1 ms",
            _signed(sync_added.median),
            sync_added.median <= SYNC_TARGET,
        ),
        TargetCheck(
            "Added time per sync call ≤ 1/5 of the best other instrumentation",
            f"{_signed(sync_added.median)} vs best other {best_other_label} "
            f"{_signed(best_other)} (1/5 = {_signed(fifth)})",
            sync_added.median <= fifth,
        ),
        TargetCheck(
            "Added time per stream ≤ 0.3 ms",
            _signed(stream_added.median),
            stream_added.median <= STREAM_TARGET,
        ),
    ]


def run(quick: bool = False) -> Section:
    """Measure and return the call-overhead section of the report."""
    rounds = 3 if quick else 30
    calls = {"sync": 30, "async": 30, "stream": 10, "embedding": 30}
    if quick:
        calls = {kind: 5 for kind in KINDS}
    with local_server() as base_url, started_workers(SPECS, base_url) as workers:
        result = run_rounds(workers, KINDS, calls, rounds)
    section = Section(
        title="Added time per call against the local server",
        method=" ".join(__doc__.split("\n\n", 1)[1].split())
        + f" {rounds} rounds; calls per batch: "
        + ", ".join(f"{kind} {count}" for kind, count in calls.items())
        + ".",
    )
    section.tables.extend(_tables(result, [spec.label for spec in SPECS]))
    section.notes.append(
        f"`{CONTROL}` is a second uninstrumented worker: its added time is the "
        "noise floor between two identical processes in this run."
    )
    section.notes.extend(
        f"`{label}` is {package}." for label, package in _PACKAGE_LABELS.items()
    )
    section.notes.append(
        "Defaults differ: openinference and OpenLLMetry record prompts and completions "
        "by default; otel-agent does not (content capture is opt-in)."
    )
    section.checks.extend(_checks(result))
    return section


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv).to_markdown())
