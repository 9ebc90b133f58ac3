"""Faults the local server can inject into its answers, for tests.

A :class:`Fault` names what goes wrong, for which deployment (or all) and for
how many requests (or until cleared). The board that holds them is shared by
the request handlers and the test thread, so every method takes a lock.
"""

from __future__ import annotations

import enum
import math
import threading
from dataclasses import dataclass, replace


class FaultKind(str, enum.Enum):
    """What an injected fault does to a request."""

    LATENCY = "latency"
    """Delay the answer by ``Fault.seconds``; combines with the other kinds."""
    SERVER_ERROR = "server_error"
    """Answer ``Fault.status`` (a 5xx) with Azure's error JSON."""
    MALFORMED_JSON = "malformed_json"
    """Answer 200 with a body that is not valid JSON (a broken chunk when
    streaming)."""
    STREAM_CUT = "stream_cut"
    """Drop the connection after ``Fault.after_chunks`` SSE events of a stream
    (before ``[DONE]`` if the stream is shorter); non-streaming requests are
    not affected."""
    UNAUTHORIZED = "unauthorized"
    """Answer 401 as if the credential were wrong."""
    RATE_LIMITED = "rate_limited"
    """Answer 429 with a retry-after of ``Fault.seconds``, as if the token
    budget were spent."""


_REPLACING = (
    FaultKind.UNAUTHORIZED,
    FaultKind.RATE_LIMITED,
    FaultKind.SERVER_ERROR,
)


@dataclass(frozen=True)
class Fault:
    """One injected fault; build it with the class methods.

    Args:
        kind: What goes wrong.
        deployment: Only requests for this deployment; ``None`` means all.
        count: How many requests it affects before it expires; ``None``
            means until :meth:`LocalAzureServer.clear_faults` or ``reset``.
        seconds: Latency to add, or the retry-after of a ``RATE_LIMITED``.
        status: HTTP status of a ``SERVER_ERROR``.
        after_chunks: SSE events sent before a ``STREAM_CUT`` drops the
            connection.
    """

    kind: FaultKind
    deployment: str | None = None
    count: int | None = None
    seconds: float = 0.0
    status: int = 500
    after_chunks: int = 2

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FaultKind(self.kind))
        if self.count is not None and (
            not isinstance(self.count, int) or self.count < 1
        ):
            raise ValueError("Fault count must be a positive integer or None")
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ValueError("Fault seconds must be a non-negative number")
        if self.kind is FaultKind.SERVER_ERROR and not 500 <= self.status <= 599:
            raise ValueError("a server_error fault needs a 5xx status")
        if self.after_chunks < 0:
            raise ValueError("Fault after_chunks must not be negative")

    @classmethod
    def latency(
        cls, seconds: float, *, deployment: str | None = None, count: int | None = None
    ) -> Fault:
        """Delay answers by *seconds*."""
        return cls(FaultKind.LATENCY, deployment, count, seconds=seconds)

    @classmethod
    def server_error(
        cls,
        status: int = 500,
        *,
        deployment: str | None = None,
        count: int | None = None,
    ) -> Fault:
        """Answer with a 5xx *status* (500, 503, ...)."""
        return cls(FaultKind.SERVER_ERROR, deployment, count, status=status)

    @classmethod
    def malformed_json(
        cls, *, deployment: str | None = None, count: int | None = None
    ) -> Fault:
        """Answer 200 with a body that does not parse."""
        return cls(FaultKind.MALFORMED_JSON, deployment, count)

    @classmethod
    def stream_cut(
        cls,
        after_chunks: int = 2,
        *,
        deployment: str | None = None,
        count: int | None = None,
    ) -> Fault:
        """Drop streaming connections after *after_chunks* events."""
        return cls(FaultKind.STREAM_CUT, deployment, count, after_chunks=after_chunks)

    @classmethod
    def unauthorized(
        cls, *, deployment: str | None = None, count: int | None = None
    ) -> Fault:
        """Answer 401 whatever the credential."""
        return cls(FaultKind.UNAUTHORIZED, deployment, count)

    @classmethod
    def rate_limited(
        cls,
        count: int | None = 1,
        *,
        retry_after: float = 1.0,
        deployment: str | None = None,
    ) -> Fault:
        """Answer 429 to the next *count* requests, asking to retry after
        *retry_after* seconds."""
        return cls(FaultKind.RATE_LIMITED, deployment, count, seconds=retry_after)


@dataclass(frozen=True)
class FaultPlan:
    """The faults one request will suffer: added latency and at most one of
    each other effect."""

    latency_seconds: float = 0.0
    replacing: Fault | None = None
    malformed_json: bool = False
    stream_cut_after: int | None = None

    @property
    def has_effect(self) -> bool:
        """Whether a fault other than latency was chosen."""
        return (
            self.replacing is not None
            or self.malformed_json
            or self.stream_cut_after is not None
        )


class FaultBoard:
    """The faults in force; consulted once per request. Thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Put *fault* in force (after those already injected)."""
        if not isinstance(fault, Fault):
            raise ValueError("inject() takes a Fault")
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def take(self, deployment: str, stream: bool) -> FaultPlan:
        """Return the plan for one request and use up one count of each
        fault that applies to it.

        Latency always applies; of the other faults, the first injected that
        fits the request wins (a stream cut fits only streams).
        """
        with self._lock:
            plan = FaultPlan()
            kept: list[Fault] = []
            for fault in self._faults:
                if not _fits(fault, deployment, stream, plan):
                    kept.append(fault)
                    continue
                plan = _apply(plan, fault)
                if fault.count is None:
                    kept.append(fault)
                elif fault.count > 1:
                    kept.append(replace(fault, count=fault.count - 1))
            self._faults = kept
            return plan


def _fits(fault: Fault, deployment: str, stream: bool, plan: FaultPlan) -> bool:
    if fault.deployment not in (None, deployment):
        return False
    if fault.kind is FaultKind.LATENCY:
        return True
    if plan.has_effect:
        return False
    return fault.kind is not FaultKind.STREAM_CUT or stream


def _apply(plan: FaultPlan, fault: Fault) -> FaultPlan:
    if fault.kind is FaultKind.LATENCY:
        return replace(plan, latency_seconds=plan.latency_seconds + fault.seconds)
    if fault.kind in _REPLACING:
        return replace(plan, replacing=fault)
    if fault.kind is FaultKind.MALFORMED_JSON:
        return replace(plan, malformed_json=True)
    return replace(plan, stream_cut_after=fault.after_chunks)
