"""Client-side filters over LLM calls.

Jaeger matches tags as exact strings and the files have no index, so every
filter runs here, after loading: service, model, time window, status, and
numeric conditions on any attribute such as ``gen_ai.usage.input_tokens>1000``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from otel_agent.query._model import LlmCall

__all__ = [
    "STATUSES",
    "CallFilter",
    "Condition",
    "parse_condition",
    "parse_time",
]

RATE_LIMITED_STATUS = "429"
STATUSES = ("ok", "error", RATE_LIMITED_STATUS)
"""Values of ``--status``. ``ok`` and ``error`` match the final ``outcome`` of a
call; ``429`` matches every call that got at least one 429 answer, retried or
final (``responses_429 > 0``), so a call retried to success matches both ``ok``
and ``429``."""

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "!=": operator.ne,
    "==": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}
# Key, then the first operator (two-character ones tried first), then a value.
_CONDITION = re.compile(r"^\s*([^<>=!\s]+)\s*(>=|<=|!=|==|>|<|=)\s*(.+?)\s*$")
_RELATIVE = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Condition:
    """``key <op> value`` on one span attribute.

    A number on the right compares numerically (attribute values that are
    numeric strings, as Jaeger may return, are converted); anything else
    compares as strings with ``=``/``!=`` only. A call without the attribute
    never matches.
    """

    key: str
    op: str
    value: float | str

    def matches(self, call: LlmCall) -> bool:
        """Whether *call* satisfies this condition."""
        actual = call.attributes.get(self.key)
        if actual is None:
            return False
        if isinstance(self.value, float):
            number = _to_number(actual)
            return number is not None and _OPERATORS[self.op](number, self.value)
        return _OPERATORS[self.op](str(actual), self.value)


def parse_condition(text: str) -> Condition:
    """Parse ``key>1000``, ``key<=2.5``, ``key=value``, ``key!=value``.

    Raises:
        ValueError: the text is not a condition, or orders a non-number.
    """
    match = _CONDITION.match(text)
    if match is None:
        raise ValueError(f"not a condition: {text!r} (expected e.g. 'key>1000')")
    key, op, raw = match.groups()
    number = _to_number(raw)
    if number is None and op in (">", "<", ">=", "<="):
        raise ValueError(f"{text!r}: {op} needs a number on the right")
    return Condition(key=key, op=op, value=raw if number is None else number)


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """Parse an ISO 8601 time, or a duration before *now* such as ``15m``.

    Naive times are taken as UTC. Units: s, m, h, d.

    Raises:
        ValueError: neither form.
    """
    relative = _RELATIVE.match(text.strip())
    if relative:
        amount, unit = relative.groups()
        seconds = float(amount) * _UNIT_SECONDS[unit]
        return (now or datetime.now(timezone.utc)) - timedelta(seconds=seconds)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"not a time: {text!r} (expected ISO 8601 or e.g. 30m, 2h, 1d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class CallFilter:
    """All filters of one query; unset fields let everything through."""

    service: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None
    conditions: tuple[Condition, ...] = ()

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")

    def apply(self, calls: Iterable[LlmCall]) -> list[LlmCall]:
        """Return the calls that pass every filter, in their original order."""
        return [call for call in calls if self._keeps(call)]

    def _keeps(self, call: LlmCall) -> bool:
        if self.service is not None and call.service != self.service:
            return False
        if self.model is not None and call.model != self.model:
            return False
        if self.since is not None and call.start < self.since:
            return False
        if self.until is not None and call.start > self.until:
            return False
        if self.status is not None and not _has_status(call, self.status):
            return False
        return all(condition.matches(call) for condition in self.conditions)


def _has_status(call: LlmCall, status: str) -> bool:
    # "429" asks where the 429s were: retried ones count, whatever the outcome.
    if status == RATE_LIMITED_STATUS:
        return call.responses_429 > 0
    return call.outcome == status


def _to_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None
