"""Fixtures shared by every test area: the local Azure OpenAI-compatible server
and fake credentials.

``azure_server`` is a fresh server per test with two deployments and budgets
large enough never to rate-limit; ``make_azure_server`` builds servers from a
given :class:`ServerConfig` (e.g. a small budget and a 1-second window to
provoke 429s). Both stop their servers at teardown. Deployment names, the API
version and ``generous_config`` live in ``tests/_local_azure.py``; fake
credentials in ``tests/_fakes.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from _fakes import fake_api_key, fake_jwt
from _local_azure import generous_config
from hypothesis import settings

from otel_agent.server import LocalAzureServer, ServerConfig

# LiteLLM fetches its model price map from the internet at import unless told
# to use the copy it ships; there is no internet here.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

# Under CI the property-based tests run a fixed sequence of examples, so a
# submission's result does not depend on the draw; locally they explore anew
# each run (a failure found there becomes an @example).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def make_azure_server() -> Iterator[Callable[..., LocalAzureServer]]:
    """Factory: ``make_azure_server(config=None, port=0)`` returns a started
    server; every server it made is stopped at teardown (without waiting for
    uvicorn's graceful shutdown, which would add 0.2 s to every test)."""
    servers: list[LocalAzureServer] = []

    def make(config: ServerConfig | None = None, port: int = 0) -> LocalAzureServer:
        server = LocalAzureServer(config, port=port).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop(wait=False)


@pytest.fixture
def azure_server(
    make_azure_server: Callable[..., LocalAzureServer],
) -> LocalAzureServer:
    """A fresh local Azure server with deployments ``gpt-4o`` and
    ``text-embedding-3-small`` and budgets no test reaches."""
    return make_azure_server(generous_config())


@pytest.fixture
def fake_azure_ad_token() -> str:
    """A fresh JWT-shaped fake Azure AD token (about 2,000 characters)."""
    return fake_jwt()


@pytest.fixture
def fake_key() -> str:
    """A fresh ``sk-test-…`` API key."""
    return fake_api_key()
