"""A malformed ``OTEL_AGENT_LIBRARY_DEBUG`` under ``opentelemetry-instrument``
warns exactly once, although the distro and the post-instrument hook both
apply the library logging defaults."""

from __future__ import annotations

from _script_runner import ScriptRunner


def test_library_debug_env_malformed_warns_once(
    run_instrumented: ScriptRunner,
) -> None:
    result = run_instrumented(
        "print('ran')\n",
        OTEL_AGENT_LIBRARY_DEBUG="maybe",
        OTEL_TRACES_EXPORTER="none",
        OTEL_METRICS_EXPORTER="none",
        OTEL_LOGS_EXPORTER="none",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran\n"
    warnings = [
        line
        for line in result.stderr.splitlines()
        if "Invalid OTEL_AGENT_LIBRARY_DEBUG" in line
    ]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].endswith(
        "Invalid OTEL_AGENT_LIBRARY_DEBUG; library debug stays off"
    )
