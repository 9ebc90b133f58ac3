"""HTTP client spans with every header captured, over real loopback HTTP to the
local Azure server, exported through RedactingSpanProcessor to an OTLP JSON file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from redaction_helpers import otlp_attributes

from otel_agent import attributes
from otel_agent.redaction import RedactingSpanProcessor, Redactor
from otel_agent.server import LocalAzureServer

# Different on every run: the port, the date, ids and sizes.
_VOLATILE = {
    "http.request.header.host",
    "http.request.header.user_agent",
    "http.request.header.content_length",
    "http.response.header.date",
    "http.response.header.x_request_id",
    "http.response.header.apim_request_id",
    "http.response.header.content_length",
    "http.response.header.x_ratelimit_remaining_tokens",
}


@pytest.fixture
def traces_path(tmp_path: Path) -> Path:
    return tmp_path / "traces.jsonl"


@pytest.fixture
def provider(traces_path: Path) -> Iterator[TracerProvider]:
    provider = TracerProvider()
    provider.add_span_processor(
        RedactingSpanProcessor(
            SimpleSpanProcessor(FileSpanExporter(path=traces_path)), Redactor()
        )
    )
    yield provider
    provider.shutdown()


@pytest.fixture
def capturing_client(
    provider: TracerProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[httpx.Client]:
    """An httpx client instrumented to capture every request/response header."""
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST", ".*")
    monkeypatch.setenv(
        "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE", ".*"
    )
    client = httpx.Client()
    HTTPXClientInstrumentor.instrument_client(client, tracer_provider=provider)
    yield client
    HTTPXClientInstrumentor.uninstrument_client(client)
    client.close()


def test_redacting_span_processor_http_span_headers_and_url_redacted(
    azure_server: LocalAzureServer,
    capturing_client: httpx.Client,
    provider: TracerProvider,
    traces_path: Path,
    credentials: dict[str, str],
) -> None:
    path = "/openai/deployments/gpt-4o/chat/completions"
    url = f"{azure_server.base_url}{path}?api-version=2024-10-21"

    response = capturing_client.post(
        url + "&key=" + credentials["google"],
        headers={
            "api-key": credentials["hex32"],
            "Authorization": "Bearer " + credentials["jwt"],
            "Cookie": f"session={credentials['password']}; theme=dark",
        },
        json={"messages": [{"role": "user", "content": "hello"}]},
    )
    provider.force_flush()
    data = traces_path.read_bytes()

    assert response.status_code == 200
    for name in ("jwt", "jwt_signature", "google", "hex32", "password"):
        assert credentials[name].encode() not in data, name
    span = json.loads(data)["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    exported = otlp_attributes(span["attributes"])
    assert int(exported["http.response.header.x_ratelimit_remaining_tokens"][0]) > 0
    assert {k: v for k, v in exported.items() if k not in _VOLATILE} == {
        "http.method": "POST",
        "http.url": url + "&key=[REDACTED:url_query_secret]",
        "http.status_code": 200,
        "http.request.header.accept": ("*/*",),
        "http.request.header.accept_encoding": ("gzip", "deflate"),
        "http.request.header.connection": ("keep-alive",),
        "http.request.header.content_type": ("application/json",),
        "http.request.header.api_key": ("[REDACTED:sensitive_key]",),
        "http.request.header.authorization": ("[REDACTED:sensitive_key]",),
        "http.request.header.cookie": ("[REDACTED:sensitive_key]",),
        "http.response.header.content_type": ("application/json",),
        "http.response.header.x_ms_region": ("Local",),
        "http.response.header.x_ratelimit_limit_tokens": ("10000000",),
        "http.response.header.x_ratelimit_limit_requests": ("100000",),
        "http.response.header.x_ratelimit_remaining_requests": ("99999",),
        attributes.REDACTION_COUNT: 4,
        attributes.REDACTION_RULES: ("sensitive_key", "url_query_secret"),
    }
