"""Run otel-agent's local Azure-compatible server in a process of its own.

Prints ``base_url`` on the first line of stdout once the server accepts
connections, then serves until stdin is closed. Keeping the server out of the
measured processes keeps its CPU time out of theirs. The server is used as
shipped: it sets ``TCP_NODELAY`` on its connections itself.
"""

from __future__ import annotations

import sys

from otel_agent.server import DeploymentConfig, LocalAzureServer, ServerConfig

_UNLIMITED = 10**9


def main() -> None:
    """Serve with budgets high enough never to rate limit a benchmark."""
    unlimited = DeploymentConfig(
        tokens_per_minute=_UNLIMITED, requests_per_minute=_UNLIMITED
    )
    server = LocalAzureServer(ServerConfig(default_deployment=unlimited))
    server.start()
    try:
        print(server.base_url, flush=True)
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
