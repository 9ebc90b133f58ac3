"""RedactingSpanProcessor: what a real TracerProvider exports, as serialised bytes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import Link, Status, StatusCode
from redaction_helpers import otlp_attributes

from otel_agent import attributes
from otel_agent.redaction import RedactingSpanProcessor, Redactor


class _Serialised:
    """An exporter pipeline plus a way to read back the bytes it produced."""

    def __init__(self, processor: SpanProcessor, read: Callable[[], bytes]) -> None:
        self.processor = processor
        self.read = read


@pytest.fixture
def json_file(tmp_path: Path) -> _Serialised:
    path = tmp_path / "traces.jsonl"
    return _Serialised(
        SimpleSpanProcessor(FileSpanExporter(path=path)), path.read_bytes
    )


@pytest.fixture
def otlp_proto() -> _Serialised:
    exporter = InMemorySpanExporter()
    return _Serialised(
        SimpleSpanProcessor(exporter),
        lambda: encode_spans(exporter.get_finished_spans()).SerializeToString(),
    )


@pytest.fixture
def redacting_provider(
    json_file: _Serialised,
) -> Iterator[tuple[TracerProvider, RedactingSpanProcessor]]:
    processor = RedactingSpanProcessor(json_file.processor, Redactor())
    provider = TracerProvider(resource=Resource({"service.name": "agent"}))
    provider.add_span_processor(processor)
    yield provider, processor
    provider.shutdown()


def _record_llm_call(provider: TracerProvider, credentials: dict[str, str]) -> None:
    tracer = provider.get_tracer("otel_agent.test")
    linked = tracer.start_span("linked")
    linked.end()
    link = Link(linked.get_span_context(), {"password": credentials["password"]})
    with tracer.start_as_current_span(
        "chat gpt-4o",
        links=[link],
        attributes={
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.usage.input_tokens": 7325,
            "gen_ai.usage.output_tokens": 120,
            attributes.RATE_LIMIT_REMAINING_TOKENS: 42000,
            attributes.RATE_LIMIT_RESET_TOKENS: 1.5,
            attributes.RATE_LIMIT_POLICY_ID: "DeploymentRatelimit-Token",
            "http.request.header.authorization": ("Bearer " + credentials["jwt"],),
            "http.request.header.x_request_id": (credentials["hex32"],),
            "url.full": "https://gen.example.test/v1?key="
            + credentials["google"]
            + "&alt=json",
            "llm.invocation_parameters": json.dumps(
                {"azure_ad_token": credentials["jwt"], "temperature": 0}
            ),
            "llm.prompts": ("hello", "my key is " + credentials["openai_test"]),
        },
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        error = PermissionError(
            "Incorrect API key provided: " + credentials["openai_test"]
        )
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, "denied for " + credentials["jwt"]))


@pytest.mark.parametrize("serialiser", ["json_file", "otlp_proto"])
def test_redacting_span_processor_serialised_bytes_hold_no_credential(
    request: pytest.FixtureRequest, credentials: dict[str, str], serialiser: str
) -> None:
    exported: _Serialised = request.getfixturevalue(serialiser)
    provider = TracerProvider()
    provider.add_span_processor(RedactingSpanProcessor(exported.processor, Redactor()))

    _record_llm_call(provider, credentials)
    provider.force_flush()
    data = exported.read()

    for name in ("jwt", "jwt_signature", "google", "openai_test", "password"):
        assert credentials[name].encode() not in data, name
    assert b"[REDACTED:" in data
    assert credentials["hex32"].encode() in data  # a request id is kept
    provider.shutdown()


def test_redacting_span_processor_exported_span_redacted_counts_kept(
    redacting_provider: tuple[TracerProvider, RedactingSpanProcessor],
    json_file: _Serialised,
    credentials: dict[str, str],
) -> None:
    provider, _ = redacting_provider

    _record_llm_call(provider, credentials)
    provider.force_flush()
    lines = [json.loads(line) for line in json_file.read().splitlines()]

    span = lines[1]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert span["name"] == "chat gpt-4o"
    assert otlp_attributes(span["attributes"]) == {
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.usage.input_tokens": 7325,
        "gen_ai.usage.output_tokens": 120,
        attributes.RATE_LIMIT_REMAINING_TOKENS: 42000,
        attributes.RATE_LIMIT_RESET_TOKENS: 1.5,
        attributes.RATE_LIMIT_POLICY_ID: "DeploymentRatelimit-Token",
        "http.request.header.authorization": ("[REDACTED:sensitive_key]",),
        "http.request.header.x_request_id": (credentials["hex32"],),
        "url.full": "https://gen.example.test/v1?key=[REDACTED:url_query_secret]"
        "&alt=json",
        "llm.invocation_parameters": '{"azure_ad_token": "[REDACTED:sensitive_key]", '
        '"temperature": 0}',
        "llm.prompts": ("hello", "my key is [REDACTED:openai_api_key]"),
        # header, URL, parameters, prompt; exception message and stacktrace,
        # status description, link: eight values in all.
        attributes.REDACTION_COUNT: 8,
        attributes.REDACTION_RULES: (
            "jwt",
            "openai_api_key",
            "sensitive_key",
            "url_query_secret",
        ),
    }
    (event,) = span["events"]
    event_attributes = otlp_attributes(event["attributes"])
    assert event_attributes["exception.message"] == (
        "Incorrect API key provided: [REDACTED:openai_api_key]"
    )
    assert "[REDACTED:openai_api_key]" in event_attributes["exception.stacktrace"]
    assert span["status"]["message"] == "denied for [REDACTED:jwt]"
    assert otlp_attributes(span["links"][0]["attributes"]) == {
        "password": "[REDACTED:sensitive_key]"
    }


def test_redacting_span_processor_resource_and_name_redacted(
    json_file: _Serialised, credentials: dict[str, str]
) -> None:
    resource = Resource(
        {
            "service.name": "agent",
            "deployment.dsn": f"redis://u:{credentials['password']}@h",
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(RedactingSpanProcessor(json_file.processor, Redactor()))

    provider.get_tracer("t").start_span("GET /cb?code=" + credentials["hex32"]).end()
    provider.force_flush()
    exported = json.loads(json_file.read())["resourceSpans"][0]

    assert otlp_attributes(exported["resource"]["attributes"])["deployment.dsn"] == (
        "redis://u:[REDACTED:url_password]@h"
    )
    span = exported["scopeSpans"][0]["spans"][0]
    assert span["name"] == "GET /cb?code=[REDACTED:url_query_secret]"
    assert otlp_attributes(span["attributes"]) == {
        attributes.REDACTION_COUNT: 2,
        attributes.REDACTION_RULES: ("url_password", "url_query_secret"),
    }
    provider.shutdown()


def test_redacting_span_processor_clean_span_unchanged_no_summary(
    redacting_provider: tuple[TracerProvider, RedactingSpanProcessor],
    json_file: _Serialised,
) -> None:
    provider, _ = redacting_provider

    provider.get_tracer("t").start_span("chat gpt-4o", attributes={"n": 1}).end()
    provider.force_flush()
    span = json.loads(json_file.read())["resourceSpans"][0]["scopeSpans"][0]["spans"][0]

    assert otlp_attributes(span["attributes"]) == {"n": 1}


def test_redacting_span_processor_redaction_error_drops_and_counts(
    redacting_provider: tuple[TracerProvider, RedactingSpanProcessor],
    json_file: _Serialised,
    monkeypatch: pytest.MonkeyPatch,
    credentials: dict[str, str],
) -> None:
    provider, processor = redacting_provider

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal redaction fault")

    # Every redaction path goes through one of these.
    for method in ("redact", "leaves_unchanged"):
        monkeypatch.setattr(Redactor, method, fail)
    with provider.get_tracer("t").start_as_current_span("chat") as span:
        span.set_attribute("api_key", credentials["hex32"])
    result = "user code continues"
    provider.force_flush()

    assert result == "user code continues"
    assert processor.dropped_spans == 1
    assert json_file.read() == b""


def test_redacting_span_processor_delegate_error_never_raises(
    credentials: dict[str, str],
) -> None:
    class Broken(SpanProcessor):
        def on_start(self, span, parent_context=None):
            raise RuntimeError("delegate start fault")

        def on_end(self, span):
            raise RuntimeError("delegate end fault")

        def shutdown(self):
            raise RuntimeError("delegate shutdown fault")

        def force_flush(self, timeout_millis=30000):
            raise RuntimeError("delegate flush fault")

    processor = RedactingSpanProcessor(Broken(), Redactor())
    provider = TracerProvider()
    provider.add_span_processor(processor)

    provider.get_tracer("t").start_span("chat").end()

    assert processor.force_flush() is False
    processor.shutdown()
    assert processor.dropped_spans == 0
