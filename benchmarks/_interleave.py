"""Interleaved timing of in-process variants.

Each round runs every variant once, in a fresh random order, so slow periods
of a shared machine fall on all variants alike; figures are then the median
over rounds and the per-round ratio between variants.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from _stats import Summary, summarise

__all__ = ["Interleaved", "calibrate_repeats", "run_interleaved"]


@dataclass(frozen=True)
class Interleaved:
    """Seconds per operation of each variant, one sample per round."""

    samples: Mapping[str, list[float]]

    def summary(self, variant: str) -> Summary:
        """Median and quartiles of ``variant``'s seconds per operation."""
        return summarise(self.samples[variant])

    def ratio(self, numerator: str, denominator: str) -> Summary:
        """Per-round ratio ``numerator / denominator``, summarised."""
        pairs = zip(self.samples[numerator], self.samples[denominator], strict=True)
        return summarise([top / bottom for top, bottom in pairs])


Clock = Callable[[], float]


def _time_batch(operation: Callable[[], object], repeats: int, clock: Clock) -> float:
    start = clock()
    for _ in range(repeats):
        operation()
    return (clock() - start) / repeats


def calibrate_repeats(operation: Callable[[], object], batch_seconds: float) -> int:
    """How many calls of ``operation`` fill about ``batch_seconds`` (at least 1)."""
    operation()
    once = _time_batch(operation, 3, time.perf_counter)
    return max(1, int(batch_seconds / max(once, 1e-9)))


def run_interleaved(
    variants: Mapping[str, Callable[[], object]],
    *,
    rounds: int,
    batch_seconds: float = 0.02,
    seed: int = 0,
    clock: Clock = time.perf_counter,
) -> Interleaved:
    """Time each variant in ``rounds`` interleaved batches.

    Args:
        variants: Name to a zero-argument operation; each is warmed up first.
        rounds: Samples per variant.
        batch_seconds: Target duration of one batch; an operation slower than
            this runs once per batch.
        seed: Seed of the per-round shuffle, for a reproducible order.
        clock: ``time.perf_counter`` (wall) or ``time.thread_time`` (CPU of
            this thread, for throughput per core on a busy machine).

    Returns:
        Seconds per operation of each variant, one value per round.
    """
    repeats = {
        name: calibrate_repeats(operation, batch_seconds)
        for name, operation in variants.items()
    }
    shuffle = random.Random(seed).shuffle
    samples: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    for _ in range(rounds):
        shuffle(order)
        for name in order:
            samples[name].append(_time_batch(variants[name], repeats[name], clock))
    return Interleaved(samples)
