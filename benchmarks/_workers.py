"""Processes for the call benchmarks: the local server and one worker per variant.

The orchestrator starts the server once, then a ``_call_worker.py`` process per
variant, and asks the workers for batches in rounds: in each round every
worker runs one batch of each kind of call, in a fresh random order. Only one
worker runs at a time; the others wait on their stdin.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _stats import Summary, summarise

__all__ = [
    "Batch",
    "RoundsResult",
    "WorkerSpec",
    "local_server",
    "run_rounds",
    "started_workers",
]

_HERE = Path(__file__).resolve().parent
_WORKER = _HERE / "_call_worker.py"
_SERVER = _HERE / "_server_process.py"


@dataclass(frozen=True)
class WorkerSpec:
    """A worker to start: its label in tables and its command-line arguments."""

    label: str
    variant: str
    exporter: str = "counting"
    endpoint: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    """Extra environment variables of the worker process."""


@dataclass(frozen=True)
class Batch:
    """One batch's answer from a worker."""

    wall_ns: list[int]
    cpu_ns: int
    rss_kib: int

    @property
    def median_wall(self) -> float:
        """Median seconds per call in this batch."""
        return statistics.median(self.wall_ns) / 1e9

    @property
    def cpu_per_call(self) -> float:
        """Process CPU seconds per call, background threads included."""
        return self.cpu_ns / len(self.wall_ns) / 1e9


@dataclass
class RoundsResult:
    """Batches per (kind, label), one per round, in round order."""

    batches: dict[tuple[str, str], list[Batch]] = field(default_factory=dict)
    exported_spans: dict[str, int | None] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)

    def wall(self, kind: str, label: str) -> Summary:
        """Batch-median seconds per call, summarised over rounds."""
        return summarise([batch.median_wall for batch in self.batches[kind, label]])

    def added_wall(self, kind: str, label: str, baseline: str) -> Summary:
        """Per-round difference of batch medians against ``baseline``."""
        return summarise(
            [
                ours.median_wall - base.median_wall
                for ours, base in self._pairs(kind, label, baseline)
            ]
        )

    def wall_ratio(self, kind: str, label: str, baseline: str) -> Summary:
        """Per-round ratio of batch medians to ``baseline``'s."""
        return summarise(
            [
                ours.median_wall / base.median_wall
                for ours, base in self._pairs(kind, label, baseline)
            ]
        )

    def added_cpu(self, kind: str, label: str, baseline: str) -> Summary:
        """Per-round difference of CPU per call against ``baseline``."""
        return summarise(
            [
                ours.cpu_per_call - base.cpu_per_call
                for ours, base in self._pairs(kind, label, baseline)
            ]
        )

    def _pairs(
        self, kind: str, label: str, baseline: str
    ) -> Iterator[tuple[Batch, Batch]]:
        return zip(self.batches[kind, label], self.batches[kind, baseline], strict=True)


class _Worker:
    def __init__(self, spec: WorkerSpec, base_url: str) -> None:
        arguments = [spec.variant, base_url, spec.exporter]
        if spec.endpoint:
            arguments.append(spec.endpoint)
        self.spec = spec
        # LiteLLM prints warnings on stderr; kept aside, shown if the worker dies.
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [sys.executable, str(_WORKER), *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0", **dict(spec.environment)},
        )
        ready = self._read()
        if ready.get("ready") != spec.variant:
            raise RuntimeError(f"worker {spec.label} did not start: {ready}")

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            tail = self.stderr_text()[-3000:]
            raise RuntimeError(f"worker {self.spec.label} exited ({code}):\n{tail}")
        return json.loads(line)

    def ask(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def stderr_text(self) -> str:
        """What the worker has written to stderr so far."""
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()

    def batch(self, kind: str, calls: int) -> Batch:
        answer = self.ask(op="batch", kind=kind, calls=calls)
        return Batch(answer["wall_ns"], answer["cpu_ns"], answer["rss_kib"])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stderr.close()


@contextmanager
def local_server() -> Iterator[str]:
    """Run ``_server_process.py``; yield its base URL; stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, str(_SERVER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url.startswith("http://127.0.0.1:"):
            raise RuntimeError("the local server did not start")
        yield base_url
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def started_workers(
    specs: Sequence[WorkerSpec], base_url: str
) -> Iterator[dict[str, _Worker]]:
    """Start one worker per spec (one at a time); kill them all on exit."""
    workers: dict[str, _Worker] = {}
    try:
        for spec in specs:
            workers[spec.label] = _Worker(spec, base_url)
        yield workers
    finally:
        for worker in workers.values():
            worker.close()


def run_rounds(
    workers: dict[str, _Worker],
    kinds: Sequence[str],
    calls: dict[str, int],
    rounds: int,
    *,
    warmup_calls: int = 10,
    seed: int = 1,
) -> RoundsResult:
    """Warm every worker up, then run ``rounds`` interleaved rounds of batches.

    Args:
        workers: Label to running worker.
        kinds: Kinds of call to run in every round.
        calls: Calls per batch, per kind.
        rounds: Rounds; each gives one batch per (kind, worker).
        warmup_calls: Unrecorded calls per (kind, worker) before the first round.
        seed: Seed of the per-round shuffle.
    """
    for worker in workers.values():
        for kind in kinds:
            worker.batch(kind, warmup_calls)
    shuffle = random.Random(seed).shuffle
    result = RoundsResult()
    labels = list(workers)
    for _ in range(rounds):
        for kind in kinds:
            shuffle(labels)
            for label in labels:
                batch = workers[label].batch(kind, calls[kind])
                result.batches.setdefault((kind, label), []).append(batch)
                result.calls[label] = result.calls.get(label, 0) + calls[kind]
    for label, worker in workers.items():
        result.calls[label] += warmup_calls * len(kinds)
        result.exported_spans[label] = worker.ask(op="finish").get("exported_spans")
    return result
