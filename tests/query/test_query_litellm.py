"""End to end: real LiteLLM calls against the local Azure server, spans written
by the instrumentor through the real file exporter, then queried."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm  # noqa: E402
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT  # noqa: E402
from opentelemetry.exporter.otlp.json.file import FileSpanExporter  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import SimpleSpanProcessor  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from otel_agent.cli import app  # noqa: E402
from otel_agent.instrumentation import LiteLLMInstrumentor  # noqa: E402
from otel_agent.query import build_rows, load_calls_from_files  # noqa: E402
from otel_agent.server import (  # noqa: E402
    DeploymentConfig,
    LocalAzureServer,
    ServerConfig,
)

_REQUESTS_PER_WINDOW = 2
_CALLS = 3


@pytest.fixture
def litellm_globals() -> Iterator[None]:
    """Restore the LiteLLM module switches the instrumentor touches."""
    names = ("callbacks", "success_callback", "failure_callback", "num_retries")
    saved = {name: getattr(litellm, name, None) for name in names}
    copies = {k: list(v) if isinstance(v, list) else v for k, v in saved.items()}
    yield
    for name, value in copies.items():
        if isinstance(saved[name], list):
            saved[name][:] = value
            setattr(litellm, name, saved[name])
        else:
            setattr(litellm, name, value)


@pytest.fixture
def traces_path(tmp_path: Path) -> Path:
    return tmp_path / "otel-output" / "traces.jsonl"


@pytest.fixture
def file_tracer_provider(traces_path: Path) -> Iterator[TracerProvider]:
    traces_path.parent.mkdir()
    provider = TracerProvider(resource=Resource.create({"service.name": "agent"}))
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(traces_path)))
    yield provider
    provider.shutdown()


@pytest.fixture
def instrumented(
    file_tracer_provider: TracerProvider, litellm_globals: None
) -> Iterator[None]:
    meter_provider = MeterProvider()
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(
        tracer_provider=file_tracer_provider, meter_provider=meter_provider
    )
    yield
    instrumentor.uninstrument()
    meter_provider.shutdown()


@pytest.fixture
def tight_server(make_azure_server: Callable[..., LocalAzureServer]):
    """Two requests per window, so the third call of a run is answered 429."""
    deployment = DeploymentConfig(
        tokens_per_minute=1_000_000, requests_per_minute=_REQUESTS_PER_WINDOW
    )
    return make_azure_server(ServerConfig(deployments={CHAT_DEPLOYMENT: deployment}))


def _run_agent(server: LocalAzureServer, api_key: str) -> int:
    rate_limited = 0
    for turn in range(_CALLS):
        try:
            litellm.completion(
                model=f"azure/{CHAT_DEPLOYMENT}",
                messages=[{"role": "user", "content": f"step {turn}"}],
                api_base=server.base_url,
                api_key=api_key,
                api_version=AZURE_API_VERSION,
                max_retries=0,
            )
        except litellm.RateLimitError:
            rate_limited += 1
    return rate_limited


def test_query_after_real_litellm_run_matches_server_usage(
    instrumented: None,
    tight_server: LocalAzureServer,
    fake_key: str,
    file_tracer_provider: TracerProvider,
    traces_path: Path,
):
    assert _run_agent(tight_server, fake_key) == 1
    file_tracer_provider.force_flush()

    calls = load_calls_from_files([traces_path.parent])

    assert [call.outcome for call in calls] == ["ok", "ok", "429"]
    served = [c.usage for c in tight_server.calls if c.usage is not None]
    assert [(c.input_tokens, c.output_tokens) for c in calls[:2]] == [
        (u["prompt_tokens"], u["completion_tokens"]) for u in served
    ]
    assert calls[2].limit_tokens is not None or calls[2].retry_after_s is not None
    [model_row] = build_rows(calls, "models")
    assert model_row["calls"] == _CALLS
    assert model_row["rate_limited"] == 1
    assert model_row["input_tokens"] == sum(u["prompt_tokens"] for u in served)


def test_cli_query_after_real_litellm_run_prints_models(
    instrumented: None,
    tight_server: LocalAzureServer,
    fake_key: str,
    file_tracer_provider: TracerProvider,
    traces_path: Path,
):
    _run_agent(tight_server, fake_key)
    file_tracer_provider.force_flush()

    result = CliRunner().invoke(
        app, ["query", "minutes", str(traces_path.parent), "--format", "json"]
    )

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sum(row["calls"] for row in rows) == _CALLS
    assert sum(row["rate_limited"] for row in rows) == 1
