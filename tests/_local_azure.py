"""Constants and config builders for tests that use the local Azure server."""

from __future__ import annotations

from otel_agent.server import DeploymentConfig, ServerConfig

CHAT_DEPLOYMENT = "gpt-4o"
EMBEDDINGS_DEPLOYMENT = "text-embedding-3-small"
AZURE_API_VERSION = "2024-10-21"
GENEROUS_TOKENS = 10_000_000
GENEROUS_REQUESTS = 100_000


def generous_config(**deployment_options: object) -> ServerConfig:
    """A config with the two standard deployments and budgets no test reaches.

    *deployment_options* (e.g. ``script=[...]``, ``extra_headers={...}``) go
    to both deployments.
    """
    options: dict[str, object] = {
        "tokens_per_minute": GENEROUS_TOKENS,
        "requests_per_minute": GENEROUS_REQUESTS,
        **deployment_options,
    }
    return ServerConfig(
        deployments={
            CHAT_DEPLOYMENT: DeploymentConfig(**options),  # type: ignore[arg-type]
            EMBEDDINGS_DEPLOYMENT: DeploymentConfig(**options),  # type: ignore[arg-type]
        },
        default_deployment=DeploymentConfig(
            tokens_per_minute=GENEROUS_TOKENS, requests_per_minute=GENEROUS_REQUESTS
        ),
    )
