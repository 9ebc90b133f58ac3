"""``otel_agent.configure()``: the same protection without opentelemetry-instrument."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _fakes import fake_jwt

APP_CONFIGURING = """
    import logging, os
    import otel_agent
    from opentelemetry import trace

    assert otel_agent.configure(instrument_litellm=False) is True
    assert otel_agent.configure() is False
    logging.basicConfig(filename="app.log", level=logging.INFO)
    with trace.get_tracer("t").start_as_current_span("work") as span:
        span.set_attribute("api_key", os.environ["FAKE_TOKEN"])
        logging.getLogger("harbor").warning("token=%s", os.environ["FAKE_TOKEN"])
"""

APP_WITH_OWN_SDK = """
    import os
    import otel_agent
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    otel_agent.configure(instrument_litellm=False)
    with trace.get_tracer("t").start_as_current_span("own sdk") as span:
        span.set_attribute("azure_ad_token", os.environ["FAKE_TOKEN"])
"""


@pytest.fixture
def token() -> str:
    return fake_jwt()


def test_configure_plain_python_writes_redacted_embedded_files(
    run_python: Callable[..., Any], tmp_path: Path, token: str
) -> None:
    result = run_python(APP_CONFIGURING, FAKE_TOKEN=token)

    assert result.returncode == 0, result.stderr
    traces = (tmp_path / "otel-output" / "traces.jsonl").read_text()
    logs = (tmp_path / "otel-output" / "logs.jsonl").read_text()
    assert '"name":"work"' in traces and "token=[REDACTED:" in logs
    for text in (traces, logs, (tmp_path / "app.log").read_text()):
        assert token not in text


def test_configure_application_sdk_kept_and_redacted(
    run_python: Callable[..., Any], tmp_path: Path, token: str
) -> None:
    result = run_python(APP_WITH_OWN_SDK, FAKE_TOKEN=token)

    assert result.returncode == 0, result.stderr
    assert '"name": "own sdk"' in result.stdout
    assert token not in result.stdout and "[REDACTED:" in result.stdout
    assert not (tmp_path / "otel-output").exists()
