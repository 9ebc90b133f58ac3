"""Helpers for the leak tests."""

from __future__ import annotations

import threading


class RawCapture:
    """Thread-safe store of request bodies, in arrival order."""

    def __init__(self) -> None:
        self._bodies: list[bytes] = []
        self._lock = threading.Lock()
        self.endpoint = ""

    def add(self, body: bytes) -> None:
        with self._lock:
            self._bodies.append(bytes(body))

    def data(self) -> bytes:
        with self._lock:
            return b"".join(self._bodies)


def leaked(data: bytes, planted: dict[str, str]) -> list[str]:
    """Names of the planted secrets found in *data* (raw exported bytes)."""
    return [name for name, value in planted.items() if value.encode() in data]
