"""Under ``opentelemetry-instrument``, metrics and the resource are redacted too.

One subprocess: the only way to get fresh global providers built by the
configurator. The embedded default writes OTLP JSON files; their bytes must
hold neither the credentials planted in ``OTEL_RESOURCE_ATTRIBUTES`` and
``OTEL_SERVICE_NAME`` nor those on metric points.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from _script_runner import BIN, script_runner
from leaks_helpers import leaked

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
    run = script_runner(
        tmp_path,
        [str(BIN / "opentelemetry-instrument"), sys.executable],
        base={"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "litellm"},
    )

    process = run(
        _SCRIPT,
        OTEL_SERVICE_NAME=f"agent-{planted['google']}",
        OTEL_RESOURCE_ATTRIBUTES=f"deployment.token=Bearer%20{planted['jwt']}",
        LEAK_TEST_KEY=planted["openai"],
        LEAK_TEST_BEARER=planted["bearer"],
    )

    assert process.returncode == 0, process.stderr
    output = tmp_path / "otel-output"
    metrics = (output / "metrics.jsonl").read_bytes()
    traces = (output / "traces.jsonl").read_bytes()
    assert leaked(metrics + traces, planted) == []
    assert b'"calls"' in metrics and b"[REDACTED:bearer_token]" in metrics
    assert b"deployment.token" in metrics and b"deployment.token" in traces
