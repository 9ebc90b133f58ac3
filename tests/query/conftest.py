"""Fixtures for the query tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from query_spans import DEMO_CALLS, write_calls


@pytest.fixture
def trace_file(tmp_path: Path) -> Iterator[Path]:
    """``traces.jsonl`` in a fresh directory, written from DEMO_CALLS."""
    path = tmp_path / "otel-output" / "traces.jsonl"
    path.parent.mkdir()
    write_calls(path, DEMO_CALLS)
    yield path
