"""Summary statistics and number formatting for the benchmark tables.

Every figure in ``results.md`` is a median with its interquartile range over
repeated, interleaved samples, so a burst of load from another process moves a
quartile, not the headline.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Summary",
    "format_bytes",
    "format_ratio",
    "format_seconds",
    "format_spread",
    "summarise",
]


@dataclass(frozen=True)
class Summary:
    """Median and quartiles of a sample.

    Attributes:
        median: The middle value.
        q1: First quartile (25th percentile).
        q3: Third quartile (75th percentile).
        count: Number of values summarised.
    """

    median: float
    q1: float
    q3: float
    count: int

    @property
    def iqr(self) -> float:
        """Interquartile range, ``q3 - q1``."""
        return self.q3 - self.q1


def summarise(values: Sequence[float]) -> Summary:
    """Summarise ``values`` (at least one) by median and quartiles."""
    if not values:
        raise ValueError("cannot summarise an empty sample")
    if len(values) == 1:
        only = float(values[0])
        return Summary(only, only, only, 1)
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Summary(median, q1, q3, len(values))


def format_seconds(seconds: float) -> str:
    """Format a duration with a unit that keeps three significant figures."""
    magnitude = abs(seconds)
    if magnitude >= 1:
        return f"{seconds:.3g} s"
    if magnitude >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def format_spread(summary: Summary, *, scale: float = 1.0) -> str:
    """``median [q1, q3]`` of a duration summary, each formatted as seconds."""
    return (
        f"{format_seconds(summary.median * scale)} "
        f"[{format_seconds(summary.q1 * scale)}–{format_seconds(summary.q3 * scale)}]"
    )


def format_ratio(summary: Summary) -> str:
    """``×median [q1–q3]`` of a ratio summary."""
    return f"×{summary.median:.3f} [{summary.q1:.3f}–{summary.q3:.3f}]"


def format_bytes(count: float) -> str:
    """Format a byte count in MiB (or KiB when small)."""
    if abs(count) >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{count / 1024:.0f} KiB"
