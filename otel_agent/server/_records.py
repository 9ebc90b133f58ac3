"""What the local server answered: one record per HTTP request.

Tests compare telemetry with these records, so a record holds exactly what
went over the wire: the status, the response headers and the ``usage`` object
as sent (``None`` when the answer carried none).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallRecord:
    """One answered HTTP request.

    Attributes:
        request_id: The ``x-request-id`` (and ``apim-request-id``) sent.
        deployment: Deployment the request addressed (the ``model`` on the
            OpenAI layout); empty when the path named none.
        path: The URL path, without the query string.
        layout: ``"azure"`` or ``"openai"``.
        operation: ``"chat"``, ``"embeddings"`` or ``"completions"``; empty
            for a path the server does not serve (answered 404).
        status: HTTP status sent.
        stream: Whether the answer was an SSE stream.
        usage: ``prompt_tokens``/``completion_tokens``/``total_tokens`` as sent
            (embeddings: ``prompt_tokens`` and ``total_tokens``), else None.
        headers: Response headers sent, names in lower case (besides
            ``content-type``, ``content-length`` and ``date``). The
            ``x-ratelimit-*`` ones are present whenever the deployment is
            known, i.e. on every answer except 404s and a missing ``model``.
        charged_tokens: Tokens charged against the budget (0 if refused).
        fault: The injected fault kind that shaped the answer, if any.
        completed: False when a stream was cut off before its end (an
            injected cut, or the client hung up).
        started_at: Wall-clock time (``time.time()``) the request arrived.
        finished_at: Wall-clock time the answer (or stream) was complete.
    """

    request_id: str
    deployment: str
    path: str
    layout: str
    operation: str
    status: int
    stream: bool
    usage: Mapping[str, Any] | None
    headers: Mapping[str, str]
    charged_tokens: int = 0
    fault: str | None = None
    completed: bool = True
    started_at: float = 0.0
    finished_at: float = 0.0


@dataclass
class CallLog:
    """Thread-safe, append-only list of :class:`CallRecord`."""

    _records: list[CallRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def append(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
