"""Credentials: which are accepted, the 401 answer, and that none is logged."""

from __future__ import annotations

import logging

import pytest
from _fakes import fake_api_key, fake_jwt
from _local_azure import generous_config
from _server_http import RATE_LIMIT_HEADERS, post_chat

from otel_agent.server import LocalAzureServer, ServerConfig


@pytest.mark.parametrize(
    "headers",
    [
        {"api-key": "sk-test-header"},
        {"authorization": "Bearer sk-test-bearer"},
        {"Authorization": "bearer sk-test-lowercase-scheme"},
    ],
    ids=["api-key", "bearer", "lowercase-scheme"],
)
def test_credential_accepted(azure_server: LocalAzureServer, headers) -> None:
    assert post_chat(azure_server, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"api-key": ""},
        {"authorization": "Bearer"},
        {"authorization": "Basic c2stdGVzdA=="},
    ],
    ids=["none", "empty-key", "empty-bearer", "basic-scheme"],
)
def test_missing_credential_gets_401_azure_error_shape(
    azure_server: LocalAzureServer, headers
) -> None:
    response = post_chat(azure_server, headers=headers)

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == "401"
    assert all(name in response.headers for name in RATE_LIMIT_HEADERS)
    (record,) = azure_server.calls
    assert (record.status, record.usage, record.charged_tokens) == (401, None, 0)


def test_unauthorized_request_is_not_charged(azure_server: LocalAzureServer) -> None:
    post_chat(azure_server, headers={})
    response = post_chat(azure_server)

    assert response.headers["x-ratelimit-remaining-requests"] == str(
        int(response.headers["x-ratelimit-limit-requests"]) - 1
    )


def test_configured_api_keys_reject_other_keys(make_azure_server) -> None:
    key = fake_api_key()
    server = make_azure_server(ServerConfig(api_keys=frozenset({key})))

    assert post_chat(server, headers={"api-key": key}).status_code == 200
    assert post_chat(server, headers={"api-key": fake_api_key()}).status_code == 401


def test_server_logs_no_credential_or_query(make_azure_server, caplog, capfd) -> None:
    key, token = fake_api_key(), fake_jwt()
    caplog.set_level(logging.DEBUG)
    server = make_azure_server(generous_config())

    post_chat(server, headers={"api-key": key})
    post_chat(server, headers={"authorization": f"Bearer {token}"})
    post_chat(server, headers={})
    server.stop()

    # The client (httpx) logs its own URLs; only the server side is checked.
    server_lines = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith(("uvicorn", "starlette", "otel_agent"))
    ]
    assert server_lines  # uvicorn's start and stop lines were captured
    output = "\n".join(server_lines) + capfd.readouterr().err
    assert key not in output
    assert token not in output
    assert "api-version" not in output
