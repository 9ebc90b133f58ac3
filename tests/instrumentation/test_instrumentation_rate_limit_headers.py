"""Header normalisation: provider header families in, typed scalars out."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from email.utils import formatdate
from typing import Any

import pytest

from otel_agent.instrumentation._rate_limit_headers import (
    collect_headers,
    normalise_headers,
    parse_duration,
)

RL = "otel_agent.rate_limit."


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6ms", 0.006),
        ("1s", 1.0),
        ("1.5s", 1.5),
        ("6m0s", 360.0),
        ("1m30s", 90.0),
        ("1h2m3s", 3723.0),
        ("20", 20.0),
        ("0.25", 0.25),
        ("", None),
        ("soon", None),
        ("6 ms", None),
        ("-1", None),
        ("1s6", None),
    ],
)
def test_parse_duration_openai_reset_format_seconds(
    text: str, seconds: float | None
) -> None:
    result = parse_duration(text)
    assert result == pytest.approx(seconds) if seconds is not None else result is None


@pytest.mark.parametrize(
    ("headers", "rate_limited", "expected"),
    [
        (
            {
                "x-ratelimit-limit-tokens": "10000",
                "x-ratelimit-remaining-tokens": "2675",
                "x-ratelimit-limit-requests": "60",
                "x-ratelimit-remaining-requests": "58",
                "x-ratelimit-reset-tokens": "6m0s",
                "x-ratelimit-reset-requests": "1s",
                "policy-id": "DeploymentRatelimit-Token",
            },
            False,
            {
                RL + "limit_tokens": 10000,
                RL + "remaining_tokens": 2675,
                RL + "limit_requests": 60,
                RL + "remaining_requests": 58,
                RL + "reset_tokens_s": 360.0,
                RL + "reset_requests_s": 1.0,
                RL + "policy_id": "DeploymentRatelimit-Token",
            },
        ),
        # retry-after-ms is finer than retry-after and wins.
        (
            {"retry-after": "1", "retry-after-ms": "250"},
            True,
            {RL + "retry_after_s": 0.25},
        ),
        ({"retry-after": "7"}, True, {RL + "retry_after_s": 7.0}),
        # Azure sends only reset headers on some 429s: the exhausted budget's reset.
        (
            {
                "x-ratelimit-remaining-tokens": "0",
                "x-ratelimit-reset-tokens": "7s",
                "x-ratelimit-remaining-requests": "12",
                "x-ratelimit-reset-requests": "30s",
            },
            True,
            {
                RL + "remaining_tokens": 0,
                RL + "reset_tokens_s": 7.0,
                RL + "remaining_requests": 12,
                RL + "reset_requests_s": 30.0,
                RL + "retry_after_s": 7.0,
            },
        ),
        # ... but a success's reset is not a retry delay.
        ({"x-ratelimit-reset-tokens": "7s"}, False, {RL + "reset_tokens_s": 7.0}),
        # OpenAI/Azure values win over Anthropic's when both are present.
        (
            {
                "x-ratelimit-remaining-tokens": "4242",
                "anthropic-ratelimit-tokens-remaining": "17",
            },
            False,
            {RL + "remaining_tokens": 4242},
        ),
        (
            {
                "anthropic-ratelimit-tokens-limit": "80000",
                "anthropic-ratelimit-tokens-remaining": "79000",
                "anthropic-ratelimit-requests-limit": "50",
                "anthropic-ratelimit-requests-remaining": "49",
            },
            False,
            {
                RL + "limit_tokens": 80000,
                RL + "remaining_tokens": 79000,
                RL + "limit_requests": 50,
                RL + "remaining_requests": 49,
            },
        ),
        # Malformed values are dropped, never passed on as strings.
        (
            {
                "x-ratelimit-remaining-tokens": "many",
                "x-ratelimit-limit-tokens": "-5",
                "retry-after": "later",
                "x-ratelimit-reset-tokens": "tomorrow",
            },
            True,
            {},
        ),
    ],
    ids=[
        "azure-success",
        "retry-after-ms-wins",
        "retry-after",
        "azure-429-resets-only",
        "success-reset-not-delay",
        "openai-beats-anthropic",
        "anthropic",
        "malformed",
    ],
)
def test_normalise_headers_typed_scalars(
    headers: dict[str, str], rate_limited: bool, expected: dict[str, Any]
) -> None:
    assert normalise_headers(headers, rate_limited=rate_limited) == expected


def test_normalise_headers_dates_become_seconds_from_now() -> None:
    soon = time.time() + 30
    reset = datetime.fromtimestamp(soon, tz=timezone.utc).isoformat()
    headers = {
        "retry-after": formatdate(soon, usegmt=True),
        "anthropic-ratelimit-tokens-reset": reset.replace("+00:00", "Z"),
    }

    result = normalise_headers(headers)

    assert 25 < result[RL + "retry_after_s"] <= 30
    assert 25 < result[RL + "reset_tokens_s"] <= 30


def test_collect_headers_first_source_wins_prefix_and_case_ignored() -> None:
    merged = collect_headers(
        [
            None,
            {"X-RateLimit-Remaining-Tokens": "1"},
            {
                "llm_provider-x-ratelimit-remaining-tokens": "2",
                "llm_provider-retry-after": "3",
                "authorization": "Bearer not-kept",
                "x-request-id": "not-kept",
            },
        ]
    )

    assert merged == {"x-ratelimit-remaining-tokens": "1", "retry-after": "3"}
