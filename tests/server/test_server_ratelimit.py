"""Rate limiting as Azure does it: budgets, 429s with their headers, recovery."""

from __future__ import annotations

import time

import pytest
from _local_azure import CHAT_DEPLOYMENT
from _server_http import RATE_LIMIT_HEADERS, post_chat

from otel_agent.server import (
    POLICY_REQUESTS,
    POLICY_TOKENS,
    DeploymentConfig,
    ServerConfig,
)
from otel_agent.server._ratelimit import SlidingWindowBudget, format_duration

WINDOW = 1.0


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _server(make_azure_server, **deployment):
    config = ServerConfig(
        deployments={CHAT_DEPLOYMENT: DeploymentConfig(**deployment)},
        window_seconds=WINDOW,
    )
    return make_azure_server(config)


def test_success_headers_count_down_by_charge(make_azure_server) -> None:
    server = _server(make_azure_server, tokens_per_minute=1000, requests_per_minute=5)

    first = post_chat(server, max_tokens=100)
    second = post_chat(server, max_tokens=50)

    charges = [call.charged_tokens for call in server.calls]
    prompt = server.calls[0].usage["prompt_tokens"]
    assert charges == [prompt + 100, prompt + 50]
    assert first.headers["x-ratelimit-limit-tokens"] == "1000"
    assert first.headers["x-ratelimit-remaining-tokens"] == str(1000 - charges[0])
    assert second.headers["x-ratelimit-remaining-tokens"] == str(1000 - sum(charges))
    assert first.headers["x-ratelimit-limit-requests"] == "5"
    assert [
        first.headers["x-ratelimit-remaining-requests"],
        second.headers["x-ratelimit-remaining-requests"],
    ] == ["4", "3"]
    assert first.headers["x-request-id"] == first.headers["apim-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_request_without_max_tokens_is_charged_default(make_azure_server) -> None:
    server = _server(make_azure_server, default_max_tokens=123)

    post_chat(server)

    call = server.calls[0]
    assert call.charged_tokens == call.usage["prompt_tokens"] + 123


def test_token_budget_spent_gets_429_with_all_headers_then_recovers(
    make_azure_server,
) -> None:
    server = _server(make_azure_server, tokens_per_minute=300)

    admitted = post_chat(server, max_tokens=200)
    refused = post_chat(server, max_tokens=200)

    assert admitted.status_code == 200
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"]["code"] == "429"
    assert "exceeded token rate limit" in body["error"]["message"]
    assert "Please retry after 1 second" in body["error"]["message"]
    headers = refused.headers
    assert all(name in headers for name in RATE_LIMIT_HEADERS)
    assert headers["policy-id"] == POLICY_TOKENS
    assert headers["retry-after"] == "1"
    assert 0 < int(headers["retry-after-ms"]) <= 1000
    assert headers["x-ratelimit-reset-tokens"].endswith(("ms", "s"))
    assert (
        headers["x-ratelimit-remaining-tokens"]
        == admitted.headers["x-ratelimit-remaining-tokens"]
    )
    assert server.calls[1].charged_tokens == 0

    time.sleep(int(headers["retry-after-ms"]) / 1000 + 0.05)
    recovered = post_chat(server, max_tokens=200)
    assert recovered.status_code == 200
    assert [call.status for call in server.calls] == [200, 429, 200]


def test_request_budget_spent_gets_429_request_policy(make_azure_server) -> None:
    server = _server(make_azure_server, requests_per_minute=2)

    statuses = [post_chat(server, max_tokens=10).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    refused = server.calls[-1].headers
    assert refused["policy-id"] == POLICY_REQUESTS
    assert refused["x-ratelimit-remaining-requests"] == "0"
    assert "call rate limit" in post_chat(server).json()["error"]["message"]


def test_budgets_are_per_deployment(make_azure_server) -> None:
    server = make_azure_server(
        ServerConfig(
            deployments={
                "small": DeploymentConfig(tokens_per_minute=100),
                "large": DeploymentConfig(tokens_per_minute=100_000),
            }
        )
    )

    assert post_chat(server, deployment="small", max_tokens=500).status_code == 429
    assert post_chat(server, deployment="large", max_tokens=500).status_code == 200


def test_extra_headers_are_sent_and_override_computed_ones(make_azure_server) -> None:
    extra = {
        "anthropic-ratelimit-tokens-remaining": "42",
        "x-ratelimit-reset-tokens": "6ms",
        "retry-after": "0",
    }
    server = _server(make_azure_server, tokens_per_minute=100, extra_headers=extra)

    ok = post_chat(server, max_tokens=1)
    refused = post_chat(server, max_tokens=100)

    assert ok.headers["anthropic-ratelimit-tokens-remaining"] == "42"
    assert refused.status_code == 429
    assert {name: refused.headers[name] for name in extra} == extra
    assert server.calls[1].headers["retry-after"] == "0"


def test_reset_refills_budgets_and_clears_calls(make_azure_server) -> None:
    server = _server(make_azure_server, requests_per_minute=1)
    post_chat(server)
    assert post_chat(server).status_code == 429

    server.reset()

    assert server.calls == []
    assert post_chat(server).status_code == 200


def test_budget_sliding_window_frees_oldest_charge_first() -> None:
    clock = _Clock()
    budget = SlidingWindowBudget(
        tokens=100, requests=10, window_seconds=60, clock=clock
    )
    budget.admit(60)
    clock.now += 20
    budget.admit(30)

    refused = budget.admit(50)
    clock.now += 40  # the first charge leaves the window
    admitted = budget.admit(50)

    assert (refused.admitted, refused.policy_id) == (False, POLICY_TOKENS)
    assert refused.retry_after_seconds == pytest.approx(40)
    assert refused.remaining_tokens == 10
    assert admitted.admitted
    assert admitted.remaining_tokens == 100 - 30 - 50


def test_budget_request_larger_than_limit_waits_a_window() -> None:
    budget = SlidingWindowBudget(
        tokens=100, requests=10, window_seconds=60, clock=_Clock()
    )

    refused = budget.admit(101)

    assert not refused.admitted
    assert refused.retry_after_seconds == 60


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (0.0004, "1ms"),
        (0.25, "250ms"),
        (6, "6s"),
        (1.5, "1.5s"),
        (90, "1m30s"),
    ],
)
def test_format_duration_matches_openai_style(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
