"""Raw HTTP helpers for the server's own tests (httpx on loopback)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT

from otel_agent.server import LocalAzureServer

AUTH = {"api-key": "sk-test-server-tests"}
USER_MESSAGES = [{"role": "user", "content": "Say something short."}]
RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-request-id",
    "apim-request-id",
)


def azure_url(
    server: LocalAzureServer,
    operation: str = "chat/completions",
    deployment: str = CHAT_DEPLOYMENT,
) -> str:
    return (
        f"{server.base_url}/openai/deployments/{deployment}/{operation}"
        f"?api-version={AZURE_API_VERSION}"
    )


def post_chat(
    server: LocalAzureServer,
    headers: dict[str, str] | None = None,
    deployment: str = CHAT_DEPLOYMENT,
    **body: Any,
) -> httpx.Response:
    """POST a chat completion on the Azure layout (default messages)."""
    payload = {"messages": USER_MESSAGES, **body}
    return httpx.post(
        azure_url(server, deployment=deployment),
        json=payload,
        headers=AUTH if headers is None else headers,
        timeout=10,
    )


def read_sse(response: httpx.Response) -> tuple[list[dict[str, Any]], bool]:
    """Parse an SSE body into its JSON events; also say whether it ended
    with ``[DONE]``."""
    events: list[dict[str, Any]] = []
    done = False
    for line in response.text.splitlines():
        if not line.startswith("data: "):
            continue
        data = line[len("data: ") :]
        if data == "[DONE]":
            done = True
        else:
            events.append(json.loads(data))
    return events, done
