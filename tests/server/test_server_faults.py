"""Injected faults: each kind, count limits, deployment scoping."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from _local_azure import CHAT_DEPLOYMENT, EMBEDDINGS_DEPLOYMENT
from _server_http import AUTH, RATE_LIMIT_HEADERS, azure_url, post_chat, read_sse

from otel_agent.server import POLICY_TOKENS, Fault, FaultKind, LocalAzureServer


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_fault_answers_5xx_once(
    azure_server: LocalAzureServer, status: int
) -> None:
    azure_server.inject(Fault.server_error(status, count=1))

    failed, ok = post_chat(azure_server), post_chat(azure_server)

    assert failed.status_code == status
    assert failed.json()["error"]["code"] == str(status)
    assert all(name in failed.headers for name in RATE_LIMIT_HEADERS)
    assert ok.status_code == 200
    assert [(c.status, c.fault) for c in azure_server.calls] == [
        (status, "server_error"),
        (200, None),
    ]


def test_rate_limited_fault_answers_429_for_next_n_then_succeeds(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.rate_limited(count=2, retry_after=3))

    statuses = [post_chat(azure_server).status_code for _ in range(3)]

    assert statuses == [429, 429, 200]
    refused = azure_server.calls[0].headers
    assert refused["retry-after"] == "3"
    assert refused["retry-after-ms"] == "3000"
    assert refused["policy-id"] == POLICY_TOKENS
    assert refused["x-ratelimit-reset-tokens"] == "3s"


def test_unauthorized_fault_answers_401_despite_valid_key(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.unauthorized(count=1))

    response = post_chat(azure_server)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "401"
    assert post_chat(azure_server).status_code == 200


def test_malformed_json_fault_sends_unparseable_200(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.malformed_json(count=1))

    response = post_chat(azure_server)

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert azure_server.calls[0].fault == "malformed_json"


def test_malformed_json_fault_breaks_one_stream_event(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.malformed_json(count=1))

    response = post_chat(azure_server, stream=True)

    with pytest.raises(json.JSONDecodeError):
        read_sse(response)


def test_stream_cut_fault_drops_connection_midway(
    azure_server: LocalAzureServer, caplog
) -> None:
    azure_server.inject(Fault.stream_cut(after_chunks=3, count=1))
    received: list[bytes] = []

    request = {"messages": [{"role": "user", "content": "hi"}], "stream": True}
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("POST", azure_url(azure_server), headers=AUTH, json=request) as r,
    ):
        received.extend(r.iter_lines())

    events = [line for line in received if line.startswith("data: ")]
    assert len(events) == 3
    (record,) = azure_server.calls
    assert (record.fault, record.completed, record.usage) == ("stream_cut", False, None)
    assert "Exception in ASGI application" not in caplog.text
    assert post_chat(azure_server, stream=True).status_code == 200


def test_stream_cut_fault_leaves_non_streaming_requests_alone(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.stream_cut(count=1))

    assert post_chat(azure_server).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        post_chat(azure_server, stream=True)
    assert [call.completed for call in azure_server.calls] == [True, False]


def test_latency_fault_delays_answer(azure_server: LocalAzureServer) -> None:
    azure_server.inject(Fault.latency(0.3, count=1))

    started = time.monotonic()
    post_chat(azure_server)
    delayed = time.monotonic() - started
    started = time.monotonic()
    post_chat(azure_server)
    undelayed = time.monotonic() - started

    assert delayed >= 0.3
    assert undelayed < delayed


def test_fault_for_one_deployment_spares_others(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.server_error(503, deployment=EMBEDDINGS_DEPLOYMENT))
    url = azure_url(azure_server, "embeddings", EMBEDDINGS_DEPLOYMENT)

    chat = post_chat(azure_server, deployment=CHAT_DEPLOYMENT)
    embeddings = [httpx.post(url, json={"input": "x"}, headers=AUTH) for _ in "ab"]

    assert chat.status_code == 200
    assert [r.status_code for r in embeddings] == [503, 503]


def test_unlimited_fault_lasts_until_cleared(azure_server: LocalAzureServer) -> None:
    azure_server.inject(Fault.server_error(500))

    before = [post_chat(azure_server).status_code for _ in range(3)]
    azure_server.clear_faults()

    assert before == [500, 500, 500]
    assert post_chat(azure_server).status_code == 200


def test_first_injected_fault_wins_and_others_wait(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.inject(Fault.rate_limited(count=1))
    azure_server.inject(Fault.server_error(500, count=1))

    statuses = [post_chat(azure_server).status_code for _ in range(3)]

    assert statuses == [429, 500, 200]


@pytest.mark.parametrize(
    "build",
    [
        lambda: Fault(FaultKind.LATENCY, count=0),
        lambda: Fault.latency(-1),
        lambda: Fault.server_error(404),
        lambda: Fault.stream_cut(after_chunks=-1),
    ],
    ids=["zero-count", "negative-latency", "non-5xx", "negative-chunks"],
)
def test_invalid_fault_raises_value_error(build) -> None:
    with pytest.raises(ValueError):
        build()


def test_latency_combines_with_another_fault(azure_server: LocalAzureServer) -> None:
    azure_server.inject(Fault.latency(0.2, count=1))
    azure_server.inject(Fault.server_error(503, count=1))

    started = time.monotonic()
    response = post_chat(azure_server)

    assert time.monotonic() - started >= 0.2
    assert response.status_code == 503
    assert post_chat(azure_server).status_code == 200
