"""Fail-closed bookkeeping shared by the redacting processors."""

from __future__ import annotations

import logging
import threading

_logger = logging.getLogger(__name__)
LOGGER_NAME = _logger.name


class DropCounter:
    """Counts items dropped because redaction failed; logs the first one.

    Thread-safe. Only the first failure is logged (at debug, with traceback):
    the log line itself may travel through the OpenTelemetry log pipeline, and
    one line per dropped item could feed back into it.
    """

    def __init__(self, component: str) -> None:
        self._component = component
        self._lock = threading.Lock()
        self._count = 0

    @property
    def count(self) -> int:
        """Items dropped so far."""
        return self._count

    def record(self) -> None:
        """Count one dropped item; call from an ``except`` block."""
        with self._lock:
            self._count += 1
            first = self._count == 1
        if first:
            _logger.debug(
                "%s could not redact an item and dropped it; later drops are "
                "counted, not logged",
                self._component,
                exc_info=True,
            )


__all__ = ["DropCounter"]
