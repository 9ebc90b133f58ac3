"""Logging under ``opentelemetry-instrument`` with real LiteLLM and the local
Azure server: library noise, the one-line 429, a collector that is down."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _fakes import fake_jwt
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT, generous_config

from otel_agent.server import DeploymentConfig, LocalAzureServer, ServerConfig

COMPLETION_APP = f"""
    import logging, os, litellm

    logging.basicConfig(filename="app.log", level=logging.DEBUG)
    response = litellm.completion(
        model="azure/{CHAT_DEPLOYMENT}",
        api_base=os.environ["BASE"],
        api_version="{AZURE_API_VERSION}",
        azure_ad_token=os.environ["FAKE_TOKEN"],
        messages=[{{"role": "user", "content": "Where is parcel NW-1?"}}],
    )
    print("USAGE", response.usage.prompt_tokens, response.usage.completion_tokens)
"""

RATE_LIMITED_APP = f"""
    import os, litellm

    try:
        litellm.completion(
            model="azure/{CHAT_DEPLOYMENT}",
            api_base=os.environ["BASE"],
            api_version="{AZURE_API_VERSION}",
            azure_ad_token=os.environ["FAKE_TOKEN"],
            messages=[{{"role": "user", "content": "Where is parcel NW-1?"}}],
            max_retries=0,
        )
    except litellm.RateLimitError:
        print("caught RateLimitError")
"""

LIBRARY_PREFIXES = ("DEBUG:LiteLLM", "DEBUG:httpx", "DEBUG:httpcore", "DEBUG:openai")


def _library_debug_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(LIBRARY_PREFIXES)]


@pytest.fixture
def token() -> str:
    return fake_jwt()


@pytest.fixture
def server(make_azure_server: Callable[..., LocalAzureServer]) -> LocalAzureServer:
    return make_azure_server(generous_config())


@pytest.fixture
def exhausted_server(
    make_azure_server: Callable[..., LocalAzureServer],
) -> LocalAzureServer:
    """Every request is over budget: 100 tokens per window, 500 charged."""
    deployment = DeploymentConfig(tokens_per_minute=100, default_max_tokens=500)
    return make_azure_server(
        ServerConfig(deployments={CHAT_DEPLOYMENT: deployment}, window_seconds=1.0)
    )


def test_library_loggers_by_default_write_no_debug_lines(
    run_instrumented: Callable[..., Any],
    server: LocalAzureServer,
    tmp_path: Path,
    token: str,
) -> None:
    result = run_instrumented(COMPLETION_APP, BASE=server.base_url, FAKE_TOKEN=token)

    assert result.returncode == 0, result.stderr
    usage = server.calls[-1].usage
    assert result.stdout.split() == [
        "USAGE",
        str(usage["prompt_tokens"]),
        str(usage["completion_tokens"]),
    ]
    assert _library_debug_lines((tmp_path / "app.log").read_text()) == []
    assert "DEBUG" not in result.stderr


def test_library_loggers_debug_switched_on_write_redacted_debug_lines(
    run_instrumented: Callable[..., Any],
    server: LocalAzureServer,
    tmp_path: Path,
    token: str,
) -> None:
    result = run_instrumented(
        COMPLETION_APP,
        BASE=server.base_url,
        FAKE_TOKEN=token,
        OTEL_AGENT_LIBRARY_DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    app_log = (tmp_path / "app.log").read_text()
    exported = (tmp_path / "otel-output" / "logs.jsonl").read_text()
    assert any(line.startswith("DEBUG:LiteLLM") for line in app_log.splitlines())
    assert '"scope":{"name":"LiteLLM"}' in exported
    for output in (app_log, exported, result.stdout, result.stderr):
        assert token not in output
        assert token.split(".")[2] not in output


def test_rate_limited_call_prints_one_warning_without_traceback(
    run_instrumented: Callable[..., Any],
    exhausted_server: LocalAzureServer,
    tmp_path: Path,
    token: str,
) -> None:
    result = run_instrumented(
        RATE_LIMITED_APP, BASE=exhausted_server.base_url, FAKE_TOKEN=token
    )

    assert result.returncode == 0, result.stderr
    assert [c.status for c in exhausted_server.calls] == [429]
    assert result.stdout.splitlines() == ["caught RateLimitError"]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Rate limited: azure/{CHAT_DEPLOYMENT}, tokens ")
    assert lines[0].endswith(
        "retry after 1.0s (policy DeploymentRatelimit-Token); not retried"
    )
    records = [
        record
        for line in (tmp_path / "otel-output" / "logs.jsonl").read_text().splitlines()
        for resource in json.loads(line)["resourceLogs"]
        for scope in resource["scopeLogs"]
        for record in scope["logRecords"]
        if record["severityNumber"] >= 13
    ]
    assert [r["body"]["stringValue"] for r in records] == [lines[0]]
    assert all("exception.stacktrace" not in json.dumps(r) for r in records)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, read back, released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


NOISY_APP = """
    import logging
    from opentelemetry import trace

    logging.getLogger().setLevel(logging.INFO)
    log = logging.getLogger("harbor")
    tracer = trace.get_tracer("harbor")
    for index in range(300):
        with tracer.start_as_current_span("step"):
            log.info("step %d done", index)
    print("done")
"""


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_collector_unreachable_logs_one_warning_line(
    run_instrumented: Callable[..., Any], closed_port: int, protocol: str
) -> None:
    result = run_instrumented(
        NOISY_APP,
        timeout=45,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{closed_port}",
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
        OTEL_EXPORTER_OTLP_TIMEOUT="1",
        OTEL_BSP_SCHEDULE_DELAY="50",
        OTEL_BLRP_SCHEDULE_DELAY="50",
        OTEL_METRICS_EXPORTER="none",
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="litellm",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["done"]
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(
        "(otel-agent: further telemetry export errors are not logged)"
    )
    assert len(result.stderr) < 1000
