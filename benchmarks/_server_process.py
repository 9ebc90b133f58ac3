"""Run otel-agent's local Azure-compatible server in a process of its own.

Prints ``base_url`` on the first line of stdout once the server accepts
connections, then serves until stdin is closed. Keeping the server out of the
measured processes keeps its CPU time out of theirs.
"""

from __future__ import annotations

import socket
import sys
from unittest import mock

from otel_agent.server import DeploymentConfig, LocalAzureServer, ServerConfig

_UNLIMITED = 10**9


class _TcpSocket(socket.socket):
    """A socket that names its protocol, so asyncio sets ``TCP_NODELAY``.

    asyncio turns Nagle's algorithm off only on sockets whose ``proto`` is
    ``IPPROTO_TCP``; a listening socket made as ``socket(AF_INET,
    SOCK_STREAM)`` has proto 0, and so do the connections it accepts. The
    response then waits for the client's delayed ACK: about 40 ms per call
    instead of about 1 ms. Harmless once the server names the protocol itself.
    """

    def __init__(
        self,
        family: int = -1,
        type: int = -1,  # noqa: A002 - socket.socket's own parameter name
        proto: int = -1,
        fileno: int | None = None,
    ) -> None:
        if fileno is None and type == socket.SOCK_STREAM and proto in (-1, 0):
            proto = socket.IPPROTO_TCP
        super().__init__(family, type, proto, fileno)


def main() -> None:
    """Serve with budgets high enough never to rate limit a benchmark."""
    unlimited = DeploymentConfig(
        tokens_per_minute=_UNLIMITED, requests_per_minute=_UNLIMITED
    )
    server = LocalAzureServer(ServerConfig(default_deployment=unlimited))
    with mock.patch.object(socket, "socket", _TcpSocket):
        server.start()
    try:
        print(server.base_url, flush=True)
        sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
