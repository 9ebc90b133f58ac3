"""The embedded default: OTLP JSON files in a local directory, no collector needed.

When nothing says where telemetry should go, otel-agent writes it as OTLP JSON
Lines (one export request per line, the format a collector's ``file`` exporter
and ``otlpjsonfile`` receiver use) to ``traces.jsonl``, ``logs.jsonl`` and
``metrics.jsonl`` under ``OTEL_AGENT_OUTPUT_DIR`` (default ``./otel-output``).
The logs file is bounded: once it would grow past
``OTEL_AGENT_LOG_FILE_MAX_BYTES`` it is renamed to ``logs.jsonl.1`` (replacing
the previous one) and a new file is started, so logs take at most about twice
that size on disk.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path
from typing import Any, Final

from opentelemetry.exporter.otlp.json.file import FileMetricExporter, FileSpanExporter

# The logs exporter is public only through its entry point (logs are still
# experimental upstream), which names this module.
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter

from otel_agent.environment_variables import (
    OTEL_AGENT_LOG_FILE_MAX_BYTES,
    OTEL_AGENT_OUTPUT_DIR,
)

__all__ = [
    "DEFAULT_LOG_FILE_MAX_BYTES",
    "DEFAULT_OUTPUT_DIR",
    "EMBEDDED_EXPORTER_NAME",
    "LOGS_FILE",
    "METRICS_FILE",
    "TRACES_FILE",
    "RotatingLineStream",
    "embedded_exporter_args",
    "read_log_file_max_bytes",
    "read_output_dir",
]

_logger = logging.getLogger(__name__)

EMBEDDED_EXPORTER_NAME: Final = "otlp_json_file"
"""Entry-point name of the OTLP JSON file exporters, for every signal."""

DEFAULT_OUTPUT_DIR: Final = "otel-output"
DEFAULT_LOG_FILE_MAX_BYTES: Final = 10 * 1024 * 1024
TRACES_FILE: Final = "traces.jsonl"
LOGS_FILE: Final = "logs.jsonl"
METRICS_FILE: Final = "metrics.jsonl"


class RotatingLineStream(io.TextIOBase):
    """A text file that rotates to ``<path>.1`` before it would exceed a size.

    Meant as the ``stream`` of an OTLP JSON file exporter, which writes one
    whole line per export and flushes: rotation happens between writes, so no
    line is ever split across files. A single line larger than the bound is
    still written, alone, to a fresh file. Thread-safe; never raises from
    ``write`` because of rotation (if the rename fails, writing continues in the
    current file and one warning is logged).

    Args:
        path: The file to append to; its directory must exist.
        max_bytes: Size in bytes that a rotation keeps the file under; > 0.
    """

    def __init__(self, path: str | os.PathLike[str], max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self._path = Path(path)
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._file = open(self._path, "a", encoding="utf-8")  # noqa: SIM115
        self._size = self._file.tell()
        self._rotation_failed = False

    @property
    def closed(self) -> bool:  # type: ignore[override]
        return self._file.closed

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        data_size = len(text.encode("utf-8"))
        with self._lock:
            if self._size and self._size + data_size > self._max_bytes:
                self._rotate()
            written = self._file.write(text)
            self._size += data_size
        return written

    def flush(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def _rotate(self) -> None:
        self._file.close()
        try:
            os.replace(self._path, self._path.with_name(self._path.name + ".1"))
        except OSError:
            if not self._rotation_failed:
                _logger.warning("Log file rotation failed; the file keeps growing")
            self._rotation_failed = True
        self._file = open(self._path, "a", encoding="utf-8")  # noqa: SIM115
        self._size = self._file.tell()


def read_output_dir() -> Path:
    """Return the embedded default's directory from the environment."""
    return Path(os.environ.get(OTEL_AGENT_OUTPUT_DIR) or DEFAULT_OUTPUT_DIR)


def read_log_file_max_bytes() -> int:
    """Return the logs file bound; a malformed value warns and uses the default."""
    raw = os.environ.get(OTEL_AGENT_LOG_FILE_MAX_BYTES, "").strip()
    if not raw:
        return DEFAULT_LOG_FILE_MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value > 0:
        return value
    _logger.warning(
        "Invalid %s; using the default of %s bytes",
        OTEL_AGENT_LOG_FILE_MAX_BYTES,
        DEFAULT_LOG_FILE_MAX_BYTES,
    )
    return DEFAULT_LOG_FILE_MAX_BYTES


def embedded_exporter_args(
    output_dir: str | os.PathLike[str], log_file_max_bytes: int
) -> dict[type, dict[str, Any]]:
    """Build the SDK's ``exporter_args_map`` for the three file exporters.

    Creates *output_dir* (and parents) and opens the logs stream, so it raises
    ``OSError`` when the directory cannot be used; the caller decides what to
    fall back to.
    """
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    logs_stream = RotatingLineStream(directory / LOGS_FILE, log_file_max_bytes)
    return {
        FileSpanExporter: {"path": directory / TRACES_FILE},
        FileMetricExporter: {"path": directory / METRICS_FILE},
        FileLogExporter: {"stream": logs_stream},
    }
