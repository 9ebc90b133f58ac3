"""Under ``opentelemetry-instrument``, metrics and the resource are redacted too.

One subprocess: the only way to get fresh global providers built by the
configurator. The embedded default writes OTLP JSON files; their bytes must
hold neither the credentials planted in ``OTEL_RESOURCE_ATTRIBUTES`` and
``OTEL_SERVICE_NAME`` nor those on metric points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from leaks_helpers import leaked

_BIN = Path(sys.executable).parent

_SCRIPT = textwrap.dedent(
    """
    import os
    from opentelemetry import metrics, trace

    key = os.environ["LEAK_TEST_KEY"]
    counter = metrics.get_meter("leak.test").create_counter("calls")
    counter.add(2, {"auth": "Bearer " + os.environ["LEAK_TEST_BEARER"]})
    with trace.get_tracer("leak.test").start_as_current_span("call") as span:
        span.set_attribute("llm.api_key", key)
    metrics.get_meter_provider().force_flush()
    """
)


def test_instrumented_app_metrics_and_resource_files_hold_no_secret(
    tmp_path: Path, fake_secrets: dict[str, str]
) -> None:
    planted = {
        name: fake_secrets[name] for name in ("openai", "bearer", "jwt", "google")
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update(
        PATH=f"{_BIN}{os.pathsep}{env.get('PATH', '')}",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="litellm",
        OTEL_SERVICE_NAME=f"agent-{planted['google']}",
        OTEL_RESOURCE_ATTRIBUTES=f"deployment.token=Bearer%20{planted['jwt']}",
        LEAK_TEST_KEY=planted["openai"],
        LEAK_TEST_BEARER=planted["bearer"],
    )
    script = tmp_path / "app.py"
    script.write_text(_SCRIPT)

    process = subprocess.run(
        [str(_BIN / "opentelemetry-instrument"), sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert process.returncode == 0, process.stderr
    output = tmp_path / "otel-output"
    metrics = (output / "metrics.jsonl").read_bytes()
    traces = (output / "traces.jsonl").read_bytes()
    assert leaked(metrics + traces, planted) == []
    assert b'"calls"' in metrics and b"[REDACTED:bearer_token]" in metrics
    assert b"deployment.token" in metrics and b"deployment.token" in traces
