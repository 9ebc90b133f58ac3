"""Running the local Azure OpenAI-compatible server in a background thread.

Uvicorn serves the Starlette app on a socket bound here to 127.0.0.1, so the
real port is known before the first request even when port 0 was asked for.
Uvicorn is started without its logging configuration and without an access
log: the host application's logging stays untouched, and no URL (with its
query string) is ever logged.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn

from otel_agent.server._app import AzureOpenAIApp, StreamCut
from otel_agent.server._config import DeploymentConfig, ServerConfig
from otel_agent.server._deployments import DeploymentRegistry
from otel_agent.server._faults import Fault, FaultBoard
from otel_agent.server._records import CallLog, CallRecord

_logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
_STARTUP_TIMEOUT_SECONDS = 10.0
_STOP_TIMEOUT_SECONDS = 10.0


class _DropStreamCuts(logging.Filter):
    """Keeps uvicorn from logging a traceback for a deliberate stream cut."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not _is_stream_cut(error)


def _is_stream_cut(error: BaseException | None) -> bool:
    if isinstance(error, StreamCut):
        return True
    nested = getattr(error, "exceptions", None)
    if not nested:
        return False
    return all(_is_stream_cut(item) for item in nested)


_stream_cut_filter = _DropStreamCuts()


class LocalAzureServer:
    """A local server that answers like Azure OpenAI, for tests and the demo.

    Start it with :meth:`start` or as a context manager; it serves on
    ``127.0.0.1`` from a daemon thread until :meth:`stop`. All methods are
    thread-safe and may be called while requests are in flight.

    Args:
        config: Deployments, window and auth; default: auto-created
            deployments with the default budgets.
        port: TCP port; 0 picks a free one (read it back from :attr:`port`).
    """

    def __init__(self, config: ServerConfig | None = None, *, port: int = 0) -> None:
        if not isinstance(port, int) or not 0 <= port <= 65535:
            raise ValueError("port must be an integer from 0 to 65535")
        self._config = config if config is not None else ServerConfig()
        self._requested_port = port
        self._faults = FaultBoard()
        self._calls = CallLog()
        self._registry = DeploymentRegistry(self._config)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._lock = threading.Lock()

    @property
    def config(self) -> ServerConfig:
        return self._config

    @property
    def port(self) -> int:
        """The port the server listens on (only once started)."""
        if self._port is None:
            raise RuntimeError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the ``api_base`` / ``azure_endpoint``."""
        return f"http://{HOST}:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The OpenAI-layout base URL, ``base_url + "/v1"``."""
        return self.base_url + "/v1"

    @property
    def calls(self) -> list[CallRecord]:
        """A snapshot of the records of every request answered so far."""
        return self._calls.snapshot()

    def inject(self, fault: Fault) -> None:
        """Put *fault* in force for the requests that follow."""
        self._faults.add(fault)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    def set_deployment(self, name: str, config: DeploymentConfig) -> None:
        """Add or replace deployment *name* (with a fresh, full budget)."""
        if not isinstance(config, DeploymentConfig):
            raise ValueError("set_deployment() takes a DeploymentConfig")
        self._registry.update(name, config)

    def reset(self) -> None:
        """Clear the call records and faults and refill every budget."""
        self._calls.clear()
        self._faults.clear()
        self._registry.reset()

    def start(self) -> LocalAzureServer:
        """Start serving; returns once the server accepts connections.

        Raises:
            RuntimeError: Already started, or uvicorn failed to start.
            OSError: The port cannot be bound.
        """
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("the server is already running")
            # Naming IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted
            # connections only when the listening socket says it is TCP, and
            # without it Nagle's algorithm delays every response by ~40 ms.
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, self._requested_port))
            except OSError:
                sock.close()
                raise
            self._port = sock.getsockname()[1]
            self._server = uvicorn.Server(self._uvicorn_config())
            self._thread = threading.Thread(
                target=self._serve,
                args=(self._server, sock),
                name=f"otel-agent-server-{self._port}",
                daemon=True,
            )
            logging.getLogger("uvicorn.error").addFilter(_stream_cut_filter)
            self._thread.start()
            try:
                self._wait_until_started(self._server, self._thread)
            except RuntimeError:
                self._server = self._thread = self._port = None
                raise
        _logger.debug("Local Azure server started on port %s", self._port)
        return self

    def stop(self, *, wait: bool = True) -> None:
        """Stop serving; idempotent.

        Args:
            wait: Block until the server thread has ended (about 0.2 s, spent
                in uvicorn's graceful shutdown). With False, return at once
                and let the daemon thread finish on its own; the port is
                released a moment later.
        """
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._port = None
        if server is None or thread is None:
            return
        server.should_exit = True
        if not wait:
            return
        thread.join(_STOP_TIMEOUT_SECONDS)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_STOP_TIMEOUT_SECONDS)

    def __enter__(self) -> LocalAzureServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _uvicorn_config(self) -> uvicorn.Config:
        app = AzureOpenAIApp(self._config, self._registry, self._faults, self._calls)
        return uvicorn.Config(
            app.build(),
            log_config=None,
            access_log=False,
            lifespan="off",
            server_header=False,
            timeout_graceful_shutdown=2,
            loop="asyncio",
            http="h11",
        )

    @staticmethod
    def _serve(server: uvicorn.Server, sock: socket.socket) -> None:
        with contextlib.closing(sock):
            server.run(sockets=[sock])

    @staticmethod
    def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                raise RuntimeError("the local Azure server failed to start")
            time.sleep(0.002)
