"""Fixtures for the SDK set-up tests: running a script in a subprocess, under
``opentelemetry-instrument`` or plain Python (the only way to get a fresh
global tracer and logger provider per test)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

_BIN = Path(sys.executable).parent


def _child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        PATH=f"{_BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
        # These tests are about the pipeline, not LiteLLM: skip importing it.
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="litellm",
    )
    env.update(extra)
    return env


@pytest.fixture
def run_instrumented(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_instrumented(source, **env)``: run *source* as a script under
    ``opentelemetry-instrument`` with cwd *tmp_path*; returns the process."""

    return _runner(tmp_path, [str(_BIN / "opentelemetry-instrument"), sys.executable])


@pytest.fixture
def run_python(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_python(source, **env)``: like ``run_instrumented``, plain Python."""
    return _runner(tmp_path, [sys.executable])


def _runner(
    cwd: Path, launcher: list[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(source: str, **env: str) -> subprocess.CompletedProcess[str]:
        script = cwd / "app.py"
        script.write_text(textwrap.dedent(source))
        return subprocess.run(
            [*launcher, str(script)],
            cwd=cwd,
            env=_child_environment(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run
