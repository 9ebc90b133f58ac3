"""End to end: the example agent under ``opentelemetry-instrument``
with LiteLLM debug logging and HTTP header capture on, exporting over OTLP/HTTP
to a receiver on loopback, and through the embedded OTLP JSON files. The bytes
that leave the process hold no planted credential; token counts and rate-limit
numbers arrive intact."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _fakes import fake_jwt
from _otlp_receiver import OtlpHttpReceiver
from _script_runner import BIN, child_environment
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Status

from otel_agent.attributes import REQUEST_ATTEMPT_EVENT
from otel_agent.cli._demo import (
    API_VERSION,
    DEPLOYMENT,
    demo_server_config,
    find_example_agent,
)
from otel_agent.server import LocalAzureServer


@pytest.fixture
def receiver() -> Iterator[OtlpHttpReceiver]:
    with OtlpHttpReceiver() as server:
        yield server


@pytest.fixture
def azure_server() -> Iterator[LocalAzureServer]:
    with LocalAzureServer(demo_server_config()) as server:
        yield server


@pytest.fixture
def token() -> str:
    return fake_jwt()


def _run_agent(
    server: LocalAzureServer, cwd: Path, token: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = child_environment(
        extra,
        base={
            "AZURE_API_BASE": server.base_url,
            "AZURE_API_VERSION": API_VERSION,
            "AZURE_AD_TOKEN": token,
            "AZURE_DEPLOYMENT": DEPLOYMENT,
            "LITELLM_LOG": "DEBUG",
            "OTEL_AGENT_LIBRARY_DEBUG": "true",
            "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST": (
                "authorization,api-key"
            ),
            "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE": ".*",
        },
    )
    return subprocess.run(
        [
            str(BIN / "opentelemetry-instrument"),
            sys.executable,
            str(find_example_agent()),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _planted(token: str) -> list[str]:
    header, payload, signature = token.split(".")
    return [token, payload, signature, f"Bearer {token}"]


@dataclass(frozen=True)
class _Span:
    """What a test reads of one exported span."""

    attributes: dict[str, object]
    status: int
    attempt_statuses: tuple[object, ...]


def _value(any_value: Any) -> object:
    return getattr(any_value, any_value.WhichOneof("value"))


def _exported_spans(bodies: list[bytes]) -> list[_Span]:
    spans = []
    for body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attempts = tuple(
                        {a.key: _value(a.value) for a in event.attributes}.get(
                            "http.response.status_code"
                        )
                        for event in span.events
                        if event.name == REQUEST_ATTEMPT_EVENT
                    )
                    spans.append(
                        _Span(
                            {a.key: _value(a.value) for a in span.attributes},
                            span.status.code,
                            attempts,
                        )
                    )
    return spans


def test_agent_over_otlp_http_receiver_gets_no_credential(
    receiver: OtlpHttpReceiver,
    azure_server: LocalAzureServer,
    tmp_path: Path,
    token: str,
) -> None:
    result = _run_agent(
        azure_server,
        tmp_path,
        token,
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{receiver.server_port}",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    received = b"".join(b for bodies in receiver.bodies.values() for b in bodies)
    assert sorted(receiver.bodies) == ["/v1/logs", "/v1/metrics", "/v1/traces"]
    for secret in _planted(token):
        assert secret.encode() not in received
        assert secret not in result.stdout + result.stderr
    assert b"[REDACTED:" in received
    assert b"http.request.header.authorization" in received

    chat_spans = [
        s
        for s in _exported_spans(receiver.bodies["/v1/traces"])
        if s.attributes.get("gen_ai.operation.name") == "chat"
    ]
    succeeded = [s for s in chat_spans if s.status != Status.STATUS_CODE_ERROR]
    refused = [s for s in chat_spans if s.status == Status.STATUS_CODE_ERROR]
    served = [c for c in azure_server.calls if c.status == 200]
    # How many calls the budget refuses depends on timing; what each span
    # says about its own call does not.
    assert sorted(
        (
            s.attributes["gen_ai.usage.input_tokens"],
            s.attributes["gen_ai.usage.output_tokens"],
            s.attributes["otel_agent.rate_limit.remaining_tokens"],
        )
        for s in succeeded
    ) == sorted(
        (
            c.usage["prompt_tokens"],
            c.usage["completion_tokens"],
            int(c.headers["x-ratelimit-remaining-tokens"]),
        )
        for c in served
    )
    for span in refused:
        assert span.attributes["http.response.status_code"] == 429
        assert span.attempt_statuses[-1] == 429
        assert {
            "otel_agent.rate_limit.remaining_tokens",
            "otel_agent.rate_limit.retry_after_s",
        } <= span.attributes.keys()
        assert "gen_ai.usage.input_tokens" not in span.attributes
    assert sorted(
        status for s in chat_spans for status in s.attempt_statuses
    ) == sorted(c.status for c in azure_server.calls)


def test_agent_embedded_files_hold_no_credential(
    azure_server: LocalAzureServer, tmp_path: Path, token: str
) -> None:
    result = _run_agent(azure_server, tmp_path, token)

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    written = [p for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    assert {p.name for p in written} >= {
        "app.log",
        "logs.jsonl",
        "metrics.jsonl",
        "traces.jsonl",
    }
    for path in written:
        text = path.read_text()
        for secret in _planted(token):
            assert secret not in text, path
    traces = (tmp_path / "otel-output" / "traces.jsonl").read_text()
    assert '"key":"http.request.header.authorization"' in traces
    for call in azure_server.calls:
        if call.status == 200:
            assert f'"intValue":"{call.usage["prompt_tokens"]}"' in traces
