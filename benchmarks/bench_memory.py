"""Memory: peak resident set of a 10,000-call run, with and without instrumentation.

One worker process per variant, run one after another (peak memory does not
depend on what else the machine runs at the time): 50 warm-up calls, then
10,000 sync LiteLLM calls against the local server in batches of 1,000, with
the resident set read from ``/proc/self/status`` after each batch and the peak
from ``getrusage`` (``ru_maxrss``) at the end. The collector-down variant
exports over OTLP/HTTP to a closed loopback port, so its span queue fills and
stays full.
"""

from __future__ import annotations

from dataclasses import dataclass

from _endpoints import closed_port
from _report import Section, TargetCheck, markdown_table
from _workers import WorkerSpec, local_server, started_workers

__all__ = ["run"]

_BATCH = 1_000
# Growth over the second half of the run that still counts as bounded: the
# span queue and caches have filled by then.
_BOUNDED_MIB_PER_1000 = 0.5


@dataclass(frozen=True)
class _Run:
    label: str
    after_warmup_kib: int
    samples_kib: list[int]
    peak_kib: int
    calls: int

    @property
    def growth_second_half_mib_per_1000(self) -> float:
        half = len(self.samples_kib) // 2
        first, last = (
            self.samples_kib[half - 1] if half else self.samples_kib[0],
            self.samples_kib[-1],
        )
        batches = max(len(self.samples_kib) - half, 1)
        return (last - first) / 1024 / batches * (1000 / _BATCH)


def _measure(spec: WorkerSpec, base_url: str, calls: int) -> _Run:
    batch = min(_BATCH, calls)
    with started_workers([spec], base_url) as workers:
        worker = workers[spec.label]
        worker.batch("sync", 50)
        after_warmup = worker.ask(op="rss")["rss_kib"]
        samples = [worker.batch("sync", batch).rss_kib for _ in range(calls // batch)]
        peak = worker.ask(op="rss")["peak_rss_kib"]
        worker.ask(op="finish")
    return _Run(spec.label, after_warmup, samples, peak, calls)


def _mib(kib: float) -> str:
    return f"{kib / 1024:.1f} MiB"


def run(quick: bool = False) -> Section:
    """Measure and return the memory section of the report."""
    calls = 1_000 if quick else 10_000
    with closed_port() as port, local_server() as base_url:
        specs = [
            WorkerSpec("uninstrumented", "uninstrumented"),
            WorkerSpec("otel-agent", "otel-agent"),
            WorkerSpec(
                "otel-agent, collector down (OTLP/HTTP)",
                "otel-agent",
                "otlp-http-down",
                f"http://127.0.0.1:{port}",
            ),
        ]
        runs = [_measure(spec, base_url, calls) for spec in specs]
    baseline = runs[0]
    rows = [
        [
            run.label,
            _mib(run.after_warmup_kib),
            _mib(run.samples_kib[-1]),
            _mib(run.peak_kib),
            f"{(run.peak_kib - baseline.peak_kib) / 1024:+.1f} MiB",
            f"{run.growth_second_half_mib_per_1000:+.2f} MiB",
        ]
        for run in runs
    ]
    header = [
        "Variant",
        "RSS after warm-up",
        f"RSS after {calls:,} calls",
        "Peak RSS (ru_maxrss)",
        "Peak vs uninstrumented",
        "Growth per 1,000 calls, 2nd half",
    ]
    section = Section(
        title="Memory", method=" ".join(__doc__.split("\n\n", 1)[1].split())
    )
    section.tables.append(markdown_table(header, rows))
    down = runs[2]
    section.checks.append(
        TargetCheck(
            "Collector down: memory bounded (RSS growth over the 2nd half "
            f"≤ {_BOUNDED_MIB_PER_1000} MiB per 1,000 calls)",
            f"{down.growth_second_half_mib_per_1000:+.2f} MiB per 1,000 calls; "
            f"peak {_mib(down.peak_kib)} vs {_mib(runs[1].peak_kib)} with a "
            "working exporter",
            down.growth_second_half_mib_per_1000 <= _BOUNDED_MIB_PER_1000,
        )
    )
    return section


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv).to_markdown())
