"""Where LLM calls are read from: OTLP JSON files and Jaeger's v3 HTTP API.

Files hold one OTLP JSON trace export per line (``ExportTraceServiceRequest``),
the format of the SDK's ``FileSpanExporter`` and of the Collector's ``file``
exporter. A line that is not valid JSON, or not shaped like a trace export, is
reported as one line naming ``file:line`` and skipped; the caller hears about
every skipped line.

Jaeger v2 answers ``GET /api/v3/traces`` with OTLP JSON wrapped in
``{"result": {...}}``. It requires ``query.start_time_min``/``max`` (RFC 3339)
and this module always sends ``query.service_name``; "no traces" comes back as
HTTP 404, which is an empty result here, not an error.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx

from otel_agent.query._model import NOT_TRACES_DATA, LlmCall, calls_from_traces_data

__all__ = [
    "DEFAULT_TRACES_FILE",
    "QuerySourceError",
    "load_calls_from_files",
    "load_calls_from_jaeger",
    "resolve_trace_files",
]

_logger = logging.getLogger(__name__)

DEFAULT_TRACES_FILE = "traces.jsonl"
"""File name the embedded default exporter writes spans to, inside its directory."""

_JAEGER_TRACES_PATH = "/api/v3/traces"
_JAEGER_NOT_FOUND = 404

ErrorCallback = Callable[[str], None]


class QuerySourceError(ValueError):
    """A source cannot be read at all (missing path, Jaeger unreachable...)."""


def resolve_trace_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to the trace files inside them.

    A directory yields its ``traces.jsonl`` and rotated siblings
    (``traces*.jsonl``); a file is taken as given.

    Raises:
        QuerySourceError: a path does not exist, or a directory holds no
            trace file.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("traces*.jsonl"))
            if not found:
                raise QuerySourceError(f"{path}: no traces*.jsonl in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise QuerySourceError(f"{path}: no such file or directory")
    return files


def load_calls_from_files(
    paths: Iterable[Path | str | os.PathLike[str]],
    *,
    on_error: ErrorCallback | None = None,
) -> list[LlmCall]:
    """Read every LLM call from OTLP JSON trace files, sorted by start time.

    Blocks on file I/O. Malformed lines are skipped; each produces one message
    ``"<file>:<line>: <reason>"`` passed to *on_error* (default: a warning on
    this module's logger), so nothing is dropped silently.

    Args:
        paths: Files, or directories holding ``traces.jsonl``.
        on_error: Receives one line per skipped input line.

    Returns:
        The calls, oldest first.

    Raises:
        QuerySourceError: a path does not exist or holds no trace file.
    """
    report = on_error or _warn
    calls: list[LlmCall] = []
    for file in resolve_trace_files(Path(p) for p in paths):
        calls.extend(_read_trace_file(file, report))
    return _sorted(calls)


def load_calls_from_jaeger(
    base_url: str,
    *,
    service: str,
    start: datetime,
    end: datetime,
    search_depth: int = 100,
    timeout_s: float = 10.0,
    client: httpx.Client | None = None,
) -> list[LlmCall]:
    """Fetch the LLM calls of *service* between *start* and *end* from Jaeger.

    Blocks for one HTTP request (at most *timeout_s*). Jaeger's own search is
    coarse (exact-string tag matches), so filtering happens afterwards,
    client-side.

    Args:
        base_url: Jaeger query address, e.g. ``http://127.0.0.1:16686``.
        service: ``service.name`` to search; Jaeger requires one.
        start: Earliest trace start (aware datetime; naive means UTC).
        end: Latest trace start.
        search_depth: Most traces Jaeger returns.
        timeout_s: HTTP timeout.
        client: An ``httpx.Client`` to reuse (tests, connection pooling).

    Returns:
        The calls, oldest first; empty when Jaeger has no matching trace.

    Raises:
        QuerySourceError: Jaeger is unreachable or answers with an error.
    """
    if not service:
        raise QuerySourceError("Jaeger needs a service name (--service)")
    params = {
        "query.service_name": service,
        "query.start_time_min": _rfc3339(start),
        "query.start_time_max": _rfc3339(end),
        "query.search_depth": str(search_depth),
        # The name Jaeger releases before search_depth understand; newer ones
        # read it only when search_depth is absent.
        "query.num_traces": str(search_depth),
    }
    url = base_url.rstrip("/") + _JAEGER_TRACES_PATH
    owned = client is None
    http = client or httpx.Client(timeout=timeout_s)
    try:
        response = http.get(url, params=params)
    except httpx.HTTPError as exc:
        raise QuerySourceError(
            f"Jaeger at {base_url} unreachable: {type(exc).__name__}"
        ) from exc
    finally:
        if owned:
            http.close()
    return _calls_from_jaeger_response(response, base_url)


def _calls_from_jaeger_response(
    response: httpx.Response, base_url: str
) -> list[LlmCall]:
    if response.status_code == _JAEGER_NOT_FOUND:
        return []
    if response.status_code != httpx.codes.OK:
        raise QuerySourceError(
            f"Jaeger at {base_url} answered HTTP {response.status_code}: "
            f"{_jaeger_error_message(response)}"
        )
    try:
        result = response.json()["result"]
        return _sorted(calls_from_traces_data(result))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise QuerySourceError(
            f"Jaeger at {base_url} answered something that is not OTLP JSON: {exc}"
        ) from exc


def _jaeger_error_message(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["message"])[:200]
    except (ValueError, KeyError, TypeError):
        return response.text.strip().splitlines()[0][:200] if response.text else ""


def _read_trace_file(file: Path, report: ErrorCallback) -> Iterator[LlmCall]:
    with file.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield from list(calls_from_traces_data(json.loads(line)))
            except json.JSONDecodeError as exc:
                report(f"{file}:{number}: not JSON ({exc.msg}); line skipped")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                report(
                    f"{file}:{number}: not an OTLP trace export "
                    f"({_describe(exc)}); line skipped"
                )


def _describe(exc: Exception) -> str:
    # Names the problem, never echoes the offending value.
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    if isinstance(exc, ValueError) and str(exc) == NOT_TRACES_DATA:
        return NOT_TRACES_DATA
    return f"a field has the wrong type ({type(exc).__name__})"


def _sorted(calls: Iterable[LlmCall]) -> list[LlmCall]:
    return sorted(calls, key=lambda call: (call.start_ns, call.span_id))


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _warn(message: str) -> None:
    _logger.warning("Query input skipped: %s", message)
