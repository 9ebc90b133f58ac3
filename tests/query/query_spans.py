"""Trace files for the query tests, written by the real SDK.

Spans carry the attributes the LiteLLM instrumentor emits (GenAI semantic
conventions plus ``otel_agent.rate_limit.*``) and go through the real
``FileSpanExporter``, so the loader reads exactly what a run writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes, http_attributes
from opentelemetry.trace import Status, StatusCode, set_span_in_context

from otel_agent import attributes

# 2026-01-01T10:00:00Z, so that minute buckets are easy to read.
BASE_NS = 1_767_261_600 * 10**9
SECOND_NS = 10**9


@dataclass(frozen=True)
class CallSpec:
    """One LLM call to write as a span."""

    model: str
    start_s: float
    input_tokens: int | None = None
    output_tokens: int | None = None
    remaining_tokens: int | None = None
    limit_tokens: int | None = None
    status_code: int = 200
    trace: str = "task-a"
    # HTTP attempts answered 429 and retried before this call's final answer.
    throttled_attempts: int = 0
    # The retry delay each of those 429 answers asked for, in seconds.
    attempt_retry_after_s: float | None = None


# An agent run: two tasks (traces), two models, one 429 in the second minute.
DEMO_CALLS = (
    CallSpec("gpt-4o", 0, 1200, 300, 88_500, 90_000, trace="task-a"),
    CallSpec("gpt-4o-mini", 10, 400, 50, 89_550, 90_000, trace="task-a"),
    CallSpec("gpt-4o", 65, 2500, 700, 40_000, 90_000, trace="task-b"),
    CallSpec("gpt-4o", 70, None, None, 0, 90_000, status_code=429, trace="task-b"),
    CallSpec("gpt-4o", 130, 900, 100, 80_000, 90_000, trace="task-b"),
)


def write_calls(
    path: Path, specs: tuple[CallSpec, ...], service: str = "agent"
) -> None:
    """Write one trace per distinct ``spec.trace`` through the real SDK."""
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(SimpleSpanProcessor(FileSpanExporter(path=path)))
    tracer = provider.get_tracer("test")
    roots = {}
    try:
        for spec in specs:
            if spec.trace not in roots:
                roots[spec.trace] = _start_agent(tracer, spec)
            _write_call(tracer, roots[spec.trace], spec)
        for root in roots.values():
            root.end(end_time=_ns(200))
    finally:
        provider.shutdown()


def _start_agent(tracer, spec: CallSpec):
    """The agent run around a trace's calls, with one tool call in it, as the
    smolagents instrumentation writes them: GenAI spans that are no LLM call."""
    root = tracer.start_span(
        f"invoke_agent {spec.trace}",
        start_time=_ns(spec.start_s),
        attributes={
            gen_ai.GEN_AI_OPERATION_NAME: "invoke_agent",
            gen_ai.GEN_AI_AGENT_NAME: spec.trace,
        },
    )
    tool = tracer.start_span(
        "execute_tool lookup_order",
        context=set_span_in_context(root),
        start_time=_ns(spec.start_s),
        attributes={
            gen_ai.GEN_AI_OPERATION_NAME: "execute_tool",
            gen_ai.GEN_AI_TOOL_NAME: "lookup_order",
        },
    )
    tool.end(end_time=_ns(spec.start_s + 0.1))
    return root


def _write_call(tracer, root, spec: CallSpec) -> None:
    span = tracer.start_span(
        f"chat {spec.model}",
        context=set_span_in_context(root),
        start_time=_ns(spec.start_s),
        attributes=_call_attributes(spec),
    )
    for number in range(1, spec.throttled_attempts + 1):
        attempt = {
            attributes.REQUEST_ATTEMPT_NUMBER: number,
            http_attributes.HTTP_RESPONSE_STATUS_CODE: 429,
            error_attributes.ERROR_TYPE: "429",
        }
        if spec.attempt_retry_after_s is not None:
            attempt[attributes.RATE_LIMIT_RETRY_AFTER] = spec.attempt_retry_after_s
        span.add_event(
            attributes.REQUEST_ATTEMPT_EVENT,
            attributes=attempt,
            timestamp=_ns(spec.start_s),
        )
    if spec.status_code == 429:
        span.set_status(Status(StatusCode.ERROR))
    span.end(end_time=_ns(spec.start_s + 1.5))


def _call_attributes(spec: CallSpec) -> dict:
    values = {
        gen_ai.GEN_AI_OPERATION_NAME: "chat",
        gen_ai.GEN_AI_REQUEST_MODEL: spec.model,
        gen_ai.GEN_AI_USAGE_INPUT_TOKENS: spec.input_tokens,
        gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: spec.output_tokens,
        attributes.RATE_LIMIT_REMAINING_TOKENS: spec.remaining_tokens,
        attributes.RATE_LIMIT_LIMIT_TOKENS: spec.limit_tokens,
        http_attributes.HTTP_RESPONSE_STATUS_CODE: spec.status_code,
    }
    if spec.status_code == 429:
        values[error_attributes.ERROR_TYPE] = "litellm.exceptions.RateLimitError"
        values[attributes.RATE_LIMIT_RETRY_AFTER] = 6.0
    return {key: value for key, value in values.items() if value is not None}


def _ns(seconds: float) -> int:
    return BASE_NS + int(seconds * SECOND_NS)
