"""A minimal OTLP/HTTP receiver on loopback for tests.

:class:`OtlpHttpReceiver` binds ``127.0.0.1`` on a free port, answers every
``POST`` with ``200`` and an empty protobuf body (an empty
``Export*ServiceResponse``), and records each request body by path, thread-safe.
Bodies sent with ``content-encoding: gzip`` are gunzipped unless
``decompress=False`` (the leak tests keep the bytes exactly as they arrived).

Use it as a context manager, or call :meth:`start` and :meth:`stop`::

    with OtlpHttpReceiver() as receiver:
        ...  # export to receiver.endpoint
        receiver.bodies["/v1/traces"]
"""

from __future__ import annotations

import gzip
import http.server
import threading
from types import TracebackType


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.server.receiver._record(
            self.path, body, self.headers.get("content-encoding")
        )
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(http.server.ThreadingHTTPServer):
    def __init__(self, receiver: OtlpHttpReceiver) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.receiver = receiver


class OtlpHttpReceiver:
    """Collects the bodies of OTLP/HTTP export requests, by path."""

    def __init__(self, *, decompress: bool = True) -> None:
        self._decompress = decompress
        self._received: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread: threading.Thread | None = None

    @property
    def server_port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def bodies(self) -> dict[str, list[bytes]]:
        """A snapshot: request path -> bodies, each path's in arrival order."""
        bodies: dict[str, list[bytes]] = {}
        with self._lock:
            for path, body in self._received:
                bodies.setdefault(path, []).append(body)
        return bodies

    def data(self) -> bytes:
        """Every body received, whatever its path, joined in arrival order."""
        with self._lock:
            return b"".join(body for _, body in self._received)

    def _record(self, path: str, body: bytes, encoding: str | None) -> None:
        if self._decompress and encoding == "gzip":
            body = gzip.decompress(body)
        with self._lock:
            self._received.append((path, bytes(body)))

    def start(self) -> OtlpHttpReceiver:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> OtlpHttpReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
