"""The one warning line for a call that saw HTTP 429 on any attempt.

Instead of a long traceback per 429 (what LiteLLM and the openai SDK log on
their own), one line on the ``otel_agent.rate_limit`` logger per logical call:
which deployment, how much budget was left, how long to wait, which policy
answered, and how the call ended (retried and succeeded, or not). Numbers
only; no headers, no URL, no exception text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from otel_agent.attributes import (
    RATE_LIMIT_LIMIT_REQUESTS,
    RATE_LIMIT_LIMIT_TOKENS,
    RATE_LIMIT_POLICY_ID,
    RATE_LIMIT_REMAINING_REQUESTS,
    RATE_LIMIT_REMAINING_TOKENS,
    RATE_LIMIT_RETRY_AFTER,
)

__all__ = ["RATE_LIMIT_LOGGER_NAME", "describe_outcome", "log_rate_limited"]

RATE_LIMIT_LOGGER_NAME = "otel_agent.rate_limit"

_logger = logging.getLogger(RATE_LIMIT_LOGGER_NAME)


def _budget(remaining: object, limit: object) -> str:
    left = remaining if isinstance(remaining, int) else "?"
    total = limit if isinstance(limit, int) else "?"
    return f"{left}/{total}"


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def describe_outcome(attempts: int, succeeded: bool, rate_limited: bool) -> str:
    """How a call that saw a 429 ended, for the end of the warning line.

    Args:
        attempts: HTTP attempts made, at least 1.
        succeeded: the call returned a response.
        rate_limited: the call's final answer was a 429.
    """
    attempts = max(1, attempts)
    if succeeded:
        return f"succeeded after {_attempts(attempts)}"
    if rate_limited:
        if attempts == 1:
            return "not retried"
        return f"still rate limited after {_attempts(attempts)}"
    return f"failed after {_attempts(attempts)}"


def log_rate_limited(
    deployment: str, rate_limit: Mapping[str, Any], outcome: str
) -> None:
    """Log one WARNING, without traceback, describing a rate-limited call.

    Example: ``Rate limited: azure/gpt-4o, tokens 2675/10000 remaining,
    requests 58/60 remaining, retry after 7.0s (policy DeploymentRatelimit-Token);
    succeeded after 2 attempts``. Unknown numbers show as ``?``. ``rate_limit``
    holds the ``otel_agent.rate_limit.*`` attributes of the (last) 429;
    ``outcome`` comes from :func:`describe_outcome`.
    """
    tokens = _budget(
        rate_limit.get(RATE_LIMIT_REMAINING_TOKENS),
        rate_limit.get(RATE_LIMIT_LIMIT_TOKENS),
    )
    requests = _budget(
        rate_limit.get(RATE_LIMIT_REMAINING_REQUESTS),
        rate_limit.get(RATE_LIMIT_LIMIT_REQUESTS),
    )
    retry_after = rate_limit.get(RATE_LIMIT_RETRY_AFTER)
    delay = f"{float(retry_after):.1f}s" if retry_after is not None else "unknown"
    policy = rate_limit.get(RATE_LIMIT_POLICY_ID)
    suffix = f" (policy {policy})" if policy else ""
    _logger.warning(
        "Rate limited: %s, tokens %s remaining, requests %s remaining, "
        "retry after %s%s; %s",
        deployment,
        tokens,
        requests,
        delay,
        suffix,
        outcome,
    )
