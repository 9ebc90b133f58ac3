"""Fixtures for the logging tests: running a script under
``opentelemetry-instrument`` in a subprocess, as users do (logging set-up is
process-wide, so each case gets a fresh process)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _script_runner import BIN, ScriptRunner, script_runner


@pytest.fixture
def run_instrumented(tmp_path: Path) -> ScriptRunner:
    """``run_instrumented(source, timeout=60, **env)``: run *source* as a script
    under ``opentelemetry-instrument`` with cwd *tmp_path*; returns the process."""
    return script_runner(
        tmp_path, [str(BIN / "opentelemetry-instrument"), sys.executable]
    )
