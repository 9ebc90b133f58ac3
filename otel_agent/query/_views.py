"""The query views: per call, per model, per trace, per minute.

Each view turns a list of calls into rows: ordered mappings of column name to a
plain value (int, float, str or None), ready for a table, JSON or CSV. The
column names are the JSON keys and CSV headers, so they stay stable.

``rate_limited`` counts HTTP 429 answers, retried attempts included; ``status``
is the outcome of the call as a whole (``ok``, ``error`` or ``429``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from otel_agent.query._model import LlmCall

__all__ = ["VIEWS", "Row", "build_rows"]

Row = dict[str, Any]

_NS_PER_MINUTE = 60 * 10**9


def _calls_rows(calls: Sequence[LlmCall]) -> list[Row]:
    return [
        {
            "time": _format_time(call.start),
            "operation": call.operation,
            "model": call.model,
            "input_tokens": call.input_tokens,
            "output_tokens": call.output_tokens,
            "remaining_tokens": call.remaining_tokens,
            "limit_tokens": call.limit_tokens,
            "status": call.outcome,
            "rate_limited": call.responses_429,
            "retry_after_s": call.retry_after_s,
            "duration_s": round(call.duration_s, 3),
            "trace_id": call.trace_id,
        }
        for call in calls
    ]


@dataclass
class _Totals:
    """Running sums for one group of calls."""

    first_ns: int = 0
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    rate_limited: int = 0
    errors: int = 0
    models: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    limit_tokens: int | None = None
    min_remaining_tokens: int | None = None

    def add(self, call: LlmCall) -> None:
        if self.calls == 0:
            self.first_ns = call.start_ns
        self.calls += 1
        self.input_tokens += call.input_tokens or 0
        self.output_tokens += call.output_tokens or 0
        self.rate_limited += call.responses_429
        self.errors += call.outcome == "error"
        self.models.add(call.model)
        self.services.add(call.service)
        if call.limit_tokens is not None:
            self.limit_tokens = max(self.limit_tokens or 0, call.limit_tokens)
        if call.remaining_tokens is not None:
            self.min_remaining_tokens = min(
                call.remaining_tokens,
                self.min_remaining_tokens
                if self.min_remaining_tokens is not None
                else call.remaining_tokens,
            )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def summary(self) -> Row:
        """The columns every grouped view ends with, in display order."""
        return {
            "calls": self.calls,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "rate_limited": self.rate_limited,
            "errors": self.errors,
        }


def _group(
    calls: Sequence[LlmCall], key: Callable[[LlmCall], Any]
) -> dict[Any, _Totals]:
    groups: dict[Any, _Totals] = {}
    for call in calls:
        groups.setdefault(key(call), _Totals()).add(call)
    return groups


def _models_rows(calls: Sequence[LlmCall]) -> list[Row]:
    groups = _group(calls, lambda call: call.model)
    ordered = sorted(groups.items(), key=lambda item: -item[1].total_tokens)
    return [
        {
            "model": model,
            **totals.summary(),
        }
        for model, totals in ordered
    ]


def _traces_rows(calls: Sequence[LlmCall]) -> list[Row]:
    groups = _group(calls, lambda call: call.trace_id)
    ordered = sorted(groups.items(), key=lambda item: item[1].first_ns)
    return [
        {
            "trace_id": trace_id,
            "start": _format_time(_from_ns(totals.first_ns)),
            "service": ",".join(sorted(totals.services)),
            "models": ",".join(sorted(totals.models)),
            **totals.summary(),
        }
        for trace_id, totals in ordered
    ]


def _minutes_rows(calls: Sequence[LlmCall]) -> list[Row]:
    # Per model as well as per minute: the provider's limit is per deployment,
    # so tokens of different models never count against one limit.
    groups = _group(calls, lambda call: (call.start_ns // _NS_PER_MINUTE, call.model))
    rows = []
    for (minute, model), totals in sorted(groups.items()):
        limit = totals.limit_tokens
        rows.append(
            {
                "minute": _from_ns(minute * _NS_PER_MINUTE).strftime("%Y-%m-%dT%H:%MZ"),
                "model": model,
                "calls": totals.calls,
                "input_tokens": totals.input_tokens,
                "output_tokens": totals.output_tokens,
                "total_tokens": totals.total_tokens,
                "limit_tokens": limit,
                "used_pct": round(100 * totals.total_tokens / limit, 1)
                if limit
                else None,
                "min_remaining_tokens": totals.min_remaining_tokens,
                "rate_limited": totals.rate_limited,
            }
        )
    return rows


VIEWS: dict[str, Callable[[Sequence[LlmCall]], list[Row]]] = {
    "calls": _calls_rows,
    "models": _models_rows,
    "traces": _traces_rows,
    "minutes": _minutes_rows,
}
"""View name to row builder; the names are the ``view`` values of the API/CLI."""


def build_rows(calls: Sequence[LlmCall], view: str) -> list[Row]:
    """Rows of *view* for *calls*.

    Raises:
        ValueError: unknown view name.
    """
    try:
        builder = VIEWS[view]
    except KeyError:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}") from None
    return builder(calls)


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc)


def _format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
