"""Per-deployment token and request budgets over a sliding window.

Azure OpenAI admits a request when the tokens it may use (prompt plus
``max_tokens``) and one more request both fit into what the last minute has
left; otherwise it answers 429 and says how long to wait. This module does the
same arithmetic for one deployment. Thread-safe: every method takes a lock.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

POLICY_TOKENS = "DeploymentRatelimit-Token"
POLICY_REQUESTS = "DeploymentRatelimit-Request"


@dataclass(frozen=True)
class Admission:
    """The outcome of asking a budget to admit one request.

    ``remaining_*`` are what is left after this request was charged (or, when
    refused, what is left now). When refused, ``policy_id`` names the exceeded
    budget and ``retry_after_seconds`` is when enough of it will be free again.
    """

    admitted: bool
    limit_tokens: int
    remaining_tokens: int
    limit_requests: int
    remaining_requests: int
    policy_id: str | None = None
    retry_after_seconds: float = 0.0
    reset_tokens_seconds: float = 0.0
    reset_requests_seconds: float = 0.0


class SlidingWindowBudget:
    """Token and request budget of one deployment over a sliding window."""

    def __init__(
        self,
        tokens: int,
        requests: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tokens
        self._requests = requests
        self._window = window_seconds
        self._clock = clock
        self._charges: deque[tuple[float, int]] = deque()
        self._lock = threading.Lock()

    def admit(self, tokens: int) -> Admission:
        """Charge *tokens* and one request if both fit, else refuse."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            used_tokens = sum(charge for _, charge in self._charges)
            used_requests = len(self._charges)

            if used_tokens + tokens > self._tokens:
                wait = self._wait_for_tokens(now, self._tokens - tokens)
                return self._refusal(POLICY_TOKENS, wait, used_tokens, used_requests)
            if used_requests + 1 > self._requests:
                wait = self._charges[0][0] + self._window - now
                return self._refusal(POLICY_REQUESTS, wait, used_tokens, used_requests)

            self._charges.append((now, tokens))
            return Admission(
                admitted=True,
                limit_tokens=self._tokens,
                remaining_tokens=self._tokens - used_tokens - tokens,
                limit_requests=self._requests,
                remaining_requests=self._requests - used_requests - 1,
                reset_tokens_seconds=self._oldest_expiry(now),
                reset_requests_seconds=self._oldest_expiry(now),
            )

    def peek(self) -> Admission:
        """Report the current headroom without charging anything."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            used_tokens = sum(charge for _, charge in self._charges)
            return Admission(
                admitted=True,
                limit_tokens=self._tokens,
                remaining_tokens=max(0, self._tokens - used_tokens),
                limit_requests=self._requests,
                remaining_requests=max(0, self._requests - len(self._charges)),
                reset_tokens_seconds=self._oldest_expiry(now),
                reset_requests_seconds=self._oldest_expiry(now),
            )

    def _expire(self, now: float) -> None:
        while self._charges and self._charges[0][0] + self._window <= now:
            self._charges.popleft()

    def _oldest_expiry(self, now: float) -> float:
        if not self._charges:
            return 0.0
        return max(0.0, self._charges[0][0] + self._window - now)

    def _wait_for_tokens(self, now: float, allowed_in_use: int) -> float:
        # Walk the charges oldest first until what stays in the window leaves
        # room for the request. A request larger than the whole budget can
        # never fit; it is told to wait a full window, as the budget resets.
        if allowed_in_use < 0:
            return self._window
        in_use = sum(charge for _, charge in self._charges)
        for stamp, charge in self._charges:
            in_use -= charge
            if in_use <= allowed_in_use:
                return max(0.0, stamp + self._window - now)
        return self._window

    def _refusal(
        self, policy: str, wait: float, used_tokens: int, used_requests: int
    ) -> Admission:
        wait = max(wait, 0.001)
        now = self._clock()
        return Admission(
            admitted=False,
            limit_tokens=self._tokens,
            remaining_tokens=max(0, self._tokens - used_tokens),
            limit_requests=self._requests,
            remaining_requests=max(0, self._requests - used_requests),
            policy_id=policy,
            retry_after_seconds=wait,
            reset_tokens_seconds=wait
            if policy == POLICY_TOKENS
            else self._oldest_expiry(now),
            reset_requests_seconds=wait
            if policy == POLICY_REQUESTS
            else self._oldest_expiry(now),
        )


def retry_after_header(seconds: float) -> str:
    """Whole seconds for ``retry-after``, rounded up so a client never retries
    early (a real wait is never below 1; an injected 0 stays 0)."""
    return str(max(0, math.ceil(seconds)))


def format_duration(seconds: float) -> str:
    """Format a wait the way OpenAI's ``x-ratelimit-reset-*`` headers do.

    Examples: ``"0s"``, ``"850ms"``, ``"6s"``, ``"1.5s"``, ``"1m30s"``.
    """
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text
