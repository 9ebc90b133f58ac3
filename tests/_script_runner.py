"""Running a test script in a fresh Python process, as users run their agents.

Logging and SDK set-up are process-wide, so tests of them run each case as a
script in a subprocess: under ``opentelemetry-instrument`` or plain Python, in
the test's temporary directory, with the parent's ``OTEL_*`` variables removed
so that only what the test passes applies.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = ["BIN", "ScriptRunner", "child_environment", "script_runner"]

BIN = Path(sys.executable).parent
"""The virtualenv's ``bin`` directory: ``opentelemetry-instrument`` lives here."""

ScriptRunner = Callable[..., subprocess.CompletedProcess[str]]


def child_environment(
    extra: Mapping[str, str], base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The parent's environment without ``OTEL_*``, then *base*, then *extra*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    env.update(base or {})
    env.update(extra)
    return env


def script_runner(
    cwd: Path, launcher: list[str], base: Mapping[str, str] | None = None
) -> ScriptRunner:
    """``run(source, timeout=60, **env)``: write *source* to ``cwd/app.py``, run it
    with *launcher* and return the finished process (never raises on failure)."""

    def run(
        source: str, timeout: float = 60, **env: str
    ) -> subprocess.CompletedProcess[str]:
        script = cwd / "app.py"
        script.write_text(textwrap.dedent(source))
        return subprocess.run(
            [*launcher, str(script)],
            cwd=cwd,
            env=child_environment(env, base),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
