"""Fixtures for the SDK set-up tests: running a script in a subprocess, under
``opentelemetry-instrument`` or plain Python (the only way to get a fresh
global tracer and logger provider per test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from _script_runner import BIN, ScriptRunner, script_runner

# These tests are about the pipeline, not LiteLLM: skip importing it.
_PIPELINE_ONLY = {"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "litellm"}


@pytest.fixture
def run_instrumented(tmp_path: Path) -> ScriptRunner:
    """``run_instrumented(source, **env)``: run *source* as a script under
    ``opentelemetry-instrument`` with cwd *tmp_path*; returns the process."""
    return script_runner(
        tmp_path,
        [str(BIN / "opentelemetry-instrument"), sys.executable],
        base=_PIPELINE_ONLY,
    )


@pytest.fixture
def run_python(tmp_path: Path) -> ScriptRunner:
    """``run_python(source, **env)``: like ``run_instrumented``, plain Python."""
    return script_runner(tmp_path, [sys.executable], base=_PIPELINE_ONLY)
