"""Loopback OTLP endpoints for the export benchmarks: a live sink and a dead port."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["closed_port", "live_receiver"]


class _Receiver(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and answers 200 with an empty response."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        del format, args


@contextmanager
def live_receiver() -> Iterator[str]:
    """Serve an OTLP/HTTP sink on loopback; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port that is bound (so nobody takes it) but never listens."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    try:
        yield holder.getsockname()[1]
    finally:
        holder.close()
