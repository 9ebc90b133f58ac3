"""Concurrent clients: every request answered once, budgets stay consistent."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from _local_azure import CHAT_DEPLOYMENT
from _server_http import AUTH, USER_MESSAGES, azure_url

from otel_agent.server import DeploymentConfig, Fault, ServerConfig

THREADS = 8
REQUESTS_PER_THREAD = 10
MAX_TOKENS = 20


def _run_clients(url: str) -> list[httpx.Response]:
    def client(_: int) -> list[httpx.Response]:
        with httpx.Client(headers=AUTH, timeout=10) as session:
            return [
                session.post(
                    url, json={"messages": USER_MESSAGES, "max_tokens": MAX_TOKENS}
                )
                for _ in range(REQUESTS_PER_THREAD)
            ]

    with ThreadPoolExecutor(THREADS) as pool:
        return [r for batch in pool.map(client, range(THREADS)) for r in batch]


def test_concurrent_clients_each_charged_exactly_once(make_azure_server) -> None:
    server = make_azure_server(
        ServerConfig(
            deployments={
                CHAT_DEPLOYMENT: DeploymentConfig(
                    tokens_per_minute=1_000_000, requests_per_minute=1000
                )
            }
        )
    )

    responses = _run_clients(azure_url(server))

    total = THREADS * REQUESTS_PER_THREAD
    calls = server.calls
    assert [r.status_code for r in responses] == [200] * total
    assert len(calls) == total
    assert len({call.request_id for call in calls}) == total
    remaining = sorted(
        int(r.headers["x-ratelimit-remaining-requests"]) for r in responses
    )
    assert remaining == list(range(1000 - total, 1000))
    charged = sum(call.charged_tokens for call in calls)
    lowest = min(int(r.headers["x-ratelimit-remaining-tokens"]) for r in responses)
    assert lowest == 1_000_000 - charged


def test_concurrent_clients_over_budget_admit_exactly_the_budget(
    make_azure_server,
) -> None:
    budget = 25
    server = make_azure_server(
        ServerConfig(
            deployments={CHAT_DEPLOYMENT: DeploymentConfig(requests_per_minute=budget)}
        )
    )
    server.inject(Fault.latency(0.01))

    responses = _run_clients(azure_url(server))

    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == budget
    assert statuses.count(429) == THREADS * REQUESTS_PER_THREAD - budget
