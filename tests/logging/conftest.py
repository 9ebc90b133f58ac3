"""Fixtures for the logging tests: running a script under
``opentelemetry-instrument`` in a subprocess, as users do (logging set-up is
process-wide, so each case gets a fresh process)."""

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
    )
    env.update(extra)
    return env


@pytest.fixture
def run_instrumented(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_instrumented(source, **env)``: run *source* as a script under
    ``opentelemetry-instrument`` with cwd *tmp_path*; returns the process."""

    def run(
        source: str, timeout: float = 60, **env: str
    ) -> subprocess.CompletedProcess[str]:
        script = tmp_path / "app.py"
        script.write_text(textwrap.dedent(source))
        return subprocess.run(
            [str(_BIN / "opentelemetry-instrument"), sys.executable, str(script)],
            cwd=tmp_path,
            env=_child_environment(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
