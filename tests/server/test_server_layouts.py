"""Both URL layouts, every operation, and the answers to bad requests."""

from __future__ import annotations

import httpx
import pytest
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT, EMBEDDINGS_DEPLOYMENT
from _server_http import AUTH, RATE_LIMIT_HEADERS, USER_MESSAGES, azure_url

from otel_agent.server import DeploymentConfig, LocalAzureServer, ServerConfig

CHAT_BODY = {"messages": USER_MESSAGES}
COMPLETION_BODY = {"prompt": "Once upon a time"}
EMBEDDING_BODY = {"input": ["alpha beta", "gamma"]}

# (operation path, deployment, body, expected response "object")
OPERATIONS = [
    ("chat/completions", CHAT_DEPLOYMENT, CHAT_BODY, "chat.completion"),
    ("completions", CHAT_DEPLOYMENT, COMPLETION_BODY, "text_completion"),
    ("embeddings", EMBEDDINGS_DEPLOYMENT, EMBEDDING_BODY, "list"),
]


@pytest.mark.parametrize(("operation", "deployment", "body", "kind"), OPERATIONS)
def test_azure_layout_operation_answers_with_usage_and_headers(
    azure_server: LocalAzureServer, operation, deployment, body, kind
) -> None:
    response = httpx.post(
        azure_url(azure_server, operation, deployment), json=body, headers=AUTH
    )

    (record,) = azure_server.calls
    assert response.status_code == 200
    assert response.json()["object"] == kind
    assert response.json()["usage"] == record.usage
    assert record.layout == "azure"
    assert record.deployment == deployment
    assert all(name in response.headers for name in RATE_LIMIT_HEADERS)
    assert response.headers["x-request-id"] == record.request_id


@pytest.mark.parametrize(("operation", "deployment", "body", "kind"), OPERATIONS)
def test_openai_layout_takes_deployment_from_model(
    azure_server: LocalAzureServer, operation, deployment, body, kind
) -> None:
    response = httpx.post(
        f"{azure_server.openai_base_url}/{operation}",
        json={**body, "model": deployment},
        headers={"authorization": "Bearer sk-test-openai"},
    )

    (record,) = azure_server.calls
    assert response.status_code == 200
    assert response.json()["object"] == kind
    assert (record.layout, record.deployment, record.path) == (
        "openai",
        deployment,
        f"/v1/{operation}",
    )
    assert "prompt_filter_results" not in response.json()


def test_azure_v1_layout_takes_deployment_from_model(
    azure_server: LocalAzureServer,
) -> None:
    response = httpx.post(
        f"{azure_server.base_url}/openai/v1/chat/completions",
        json={**CHAT_BODY, "model": CHAT_DEPLOYMENT},
        headers=AUTH,
    )

    assert response.status_code == 200
    assert azure_server.calls[0].layout == "azure"
    assert "prompt_filter_results" in response.json()


def test_azure_chat_body_has_azure_extras_and_dated_model(
    azure_server: LocalAzureServer,
) -> None:
    body = httpx.post(azure_url(azure_server), json=CHAT_BODY, headers=AUTH).json()

    choice = body["choices"][0]
    assert body["model"] == "gpt-4o-2024-08-06"
    assert body["system_fingerprint"].startswith("fp_")
    assert body["prompt_filter_results"][0]["prompt_index"] == 0
    assert choice["content_filter_results"]["hate"] == {
        "filtered": False,
        "severity": "safe",
    }
    assert choice["message"]["role"] == "assistant"
    assert choice["finish_reason"] == "stop"
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_unknown_deployment_is_created_with_default_budgets(
    make_azure_server,
) -> None:
    server = make_azure_server(ServerConfig())

    response = httpx.post(
        azure_url(server, deployment="my-deployment"), json=CHAT_BODY, headers=AUTH
    )

    assert response.status_code == 200
    assert response.json()["model"] == "my-deployment"
    assert response.headers["x-ratelimit-limit-tokens"] == "10000"
    assert response.headers["x-ratelimit-limit-requests"] == "60"


def test_unknown_deployment_without_auto_create_is_404_deployment_not_found(
    make_azure_server,
) -> None:
    server = make_azure_server(
        ServerConfig(
            deployments={CHAT_DEPLOYMENT: DeploymentConfig()},
            auto_create_deployments=False,
        )
    )

    response = httpx.post(
        azure_url(server, deployment="missing"), json=CHAT_BODY, headers=AUTH
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "DeploymentNotFound"
    assert server.calls[0].status == 404


# (description, path and query, body, status, error code)
BAD_REQUESTS = [
    (
        "no api-version",
        "/openai/deployments/gpt-4o/chat/completions",
        CHAT_BODY,
        404,
        "404",
    ),
    ("unknown path", "/openai/deployments/gpt-4o/images", CHAT_BODY, 404, "404"),
    (
        "no messages",
        f"/openai/deployments/gpt-4o/chat/completions?api-version={AZURE_API_VERSION}",
        {"messages": []},
        400,
        "BadRequest",
    ),
    (
        "bad max_tokens",
        f"/openai/deployments/gpt-4o/chat/completions?api-version={AZURE_API_VERSION}",
        {**CHAT_BODY, "max_tokens": "many"},
        400,
        "BadRequest",
    ),
    ("no model", "/v1/chat/completions", CHAT_BODY, 400, "BadRequest"),
    (
        "bad input",
        f"/openai/deployments/{EMBEDDINGS_DEPLOYMENT}/embeddings"
        f"?api-version={AZURE_API_VERSION}",
        {"input": 7},
        400,
        "BadRequest",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [case[1:] for case in BAD_REQUESTS],
    ids=[case[0] for case in BAD_REQUESTS],
)
def test_bad_request_gets_azure_error_json(
    azure_server: LocalAzureServer, path, body, status, code
) -> None:
    response = httpx.post(azure_server.base_url + path, json=body, headers=AUTH)

    (record,) = azure_server.calls
    assert response.status_code == status == record.status
    assert response.json()["error"]["code"] == code
    assert isinstance(response.json()["error"]["message"], str)
    assert response.headers["x-request-id"] == record.request_id
    assert response.headers["apim-request-id"] == record.request_id


def test_request_body_not_json_is_400(azure_server: LocalAzureServer) -> None:
    response = httpx.post(azure_url(azure_server), content=b"{not json", headers=AUTH)

    assert response.status_code == 400
    assert "x-ratelimit-remaining-tokens" in response.headers
    assert azure_server.calls[0].usage is None


def test_embeddings_vectors_are_deterministic_unit_vectors(
    azure_server: LocalAzureServer,
) -> None:
    url = azure_url(azure_server, "embeddings", EMBEDDINGS_DEPLOYMENT)
    first = httpx.post(url, json={"input": "same text"}, headers=AUTH).json()
    second = httpx.post(url, json={"input": "same text"}, headers=AUTH).json()
    other = httpx.post(url, json={"input": "other text"}, headers=AUTH).json()

    vector = first["data"][0]["embedding"]
    assert len(vector) == 1536
    assert abs(sum(value * value for value in vector) - 1) < 1e-9
    assert vector == second["data"][0]["embedding"]
    assert vector != other["data"][0]["embedding"]
    assert first["model"] == EMBEDDINGS_DEPLOYMENT
