"""The one warning line for a call that ended in HTTP 429.

Replaces the traceback-per-429 the incident's logs were full of with one line on
the ``otel_agent.rate_limit`` logger: which deployment, how much budget was
left, how long to wait, which policy answered. Numbers only; no headers, no URL,
no exception text.
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

__all__ = ["RATE_LIMIT_LOGGER_NAME", "log_rate_limited"]

RATE_LIMIT_LOGGER_NAME = "otel_agent.rate_limit"

_logger = logging.getLogger(RATE_LIMIT_LOGGER_NAME)


def _budget(remaining: object, limit: object) -> str:
    left = remaining if isinstance(remaining, int) else "?"
    total = limit if isinstance(limit, int) else "?"
    return f"{left}/{total}"


def log_rate_limited(deployment: str, rate_limit: Mapping[str, Any]) -> None:
    """Log one WARNING, without traceback, describing a rate-limited call.

    Example: ``Rate limited: azure/gpt-4o, tokens 2675/10000 remaining,
    requests 58/60 remaining, retry after 7.0s (policy DeploymentRatelimit-Token)``.
    Unknown numbers show as ``?``.
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
        "retry after %s%s",
        deployment,
        tokens,
        requests,
        delay,
        suffix,
    )
