"""Spans, log records and strings that the redaction benchmarks feed to scrubbers.

Every credential here is fake and built at run time: a JWT is base64 of a JSON
header and payload plus random bytes, never a literal.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Mapping
from typing import Any

from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.context import Context
from opentelemetry.sdk._logs import ReadWriteLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AnyValue

from otel_agent import attributes as agent_attributes

__all__ = [
    "adversarial_text",
    "fake_jwt",
    "log_record",
    "prompt_with_jwt",
    "readable_span",
    "typical_span_attributes",
]

_PROSE = (
    "The quarterly report covers 7,325 tokens of context across the session. "
    "Summarise the findings, list open risks and propose next steps for the team. "
)
_RESOURCE = Resource.create({"service.name": "benchmark-agent"})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fake_jwt(length: int = 2000, seed: int = 7) -> str:
    """A JWT-shaped fake credential of exactly ``length`` characters."""
    rng = random.Random(seed)
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    signature = _b64url(rng.randbytes(256))
    claims = {"aud": "https://cognitiveservices.azure.com", "iss": "bench"}
    payload = _b64url(json.dumps(claims).encode())
    filler_needed = length - len(header) - len(signature) - 2
    while len(payload) < filler_needed:
        claims["groups"] = claims.get("groups", "") + "x" * 64
        payload = _b64url(json.dumps(claims).encode())
    payload = payload[:filler_needed]
    return f"{header}.{payload}.{signature}"


def prompt_with_jwt(size: int, jwt: str) -> str:
    """Prose of ``size`` characters with ``jwt`` pasted in the middle."""
    half = (size - len(jwt)) // 2
    prose = (_PROSE * (size // len(_PROSE) + 2))[: max(half, 0)]
    return f"{prose}Use this token: {jwt} and continue. {prose}"[:size]


def adversarial_text(size: int) -> str:
    """``size`` characters crafted against backtracking credential regexes.

    One third repeated ``eyJ-`` (JWT prefixes that never complete), one third a
    single base64 run with no separator, one third unterminated quoted
    key-value pairs (``"api_key": "…`` without a closing quote).
    """
    third = size // 3
    jwt_prefixes = ("eyJ-" * (third // 4 + 1))[:third]
    rng = random.Random(size)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    base64_run = "eyJ" + "".join(rng.choices(alphabet, k=third - 3))
    quotes_unit = '{"api_key": "sk-' + "a" * 40 + " 'azure_ad_token': 'eyJ" + "b" * 40
    rest = size - len(jwt_prefixes) - len(base64_run)
    unterminated = (quotes_unit * (rest // len(quotes_unit) + 1))[:rest]
    return jwt_prefixes + base64_run + unterminated


def typical_span_attributes() -> dict[str, AnyValue]:
    """Attributes like those otel-agent's instrumentor puts on a chat span."""
    return {
        gen_ai.GEN_AI_OPERATION_NAME: "chat",
        gen_ai.GEN_AI_PROVIDER_NAME: "azure.ai.openai",
        gen_ai.GEN_AI_REQUEST_MODEL: "gpt-4o",
        gen_ai.GEN_AI_REQUEST_MAX_TOKENS: 512,
        gen_ai.GEN_AI_REQUEST_TEMPERATURE: 0.2,
        gen_ai.GEN_AI_RESPONSE_MODEL: "gpt-4o-2024-08-06",
        gen_ai.GEN_AI_RESPONSE_ID: "chatcmpl-" + "9f2c41d7e0a84b6c" * 2,
        gen_ai.GEN_AI_RESPONSE_FINISH_REASONS: ("stop",),
        gen_ai.GEN_AI_USAGE_INPUT_TOKENS: 1234,
        gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS: 56,
        "server.address": "myresource.openai.azure.com",
        "server.port": 443,
        agent_attributes.RATE_LIMIT_LIMIT_TOKENS: 450_000,
        agent_attributes.RATE_LIMIT_LIMIT_REQUESTS: 2_700,
        agent_attributes.RATE_LIMIT_REMAINING_TOKENS: 448_710,
        agent_attributes.RATE_LIMIT_REMAINING_REQUESTS: 2_699,
        agent_attributes.RATE_LIMIT_RESET_TOKENS: 0.006,
        agent_attributes.RATE_LIMIT_RESET_REQUESTS: 0.02,
        agent_attributes.REQUEST_ATTEMPTS: 1,
    }


def _attempt_attributes() -> dict[str, AnyValue]:
    """The per-attempt event otel-agent's instrumentor adds to a call's span."""
    return {
        agent_attributes.REQUEST_ATTEMPT_NUMBER: 1,
        "http.response.status_code": 200,
        agent_attributes.RATE_LIMIT_LIMIT_TOKENS: 450_000,
        agent_attributes.RATE_LIMIT_LIMIT_REQUESTS: 2_700,
        agent_attributes.RATE_LIMIT_REMAINING_TOKENS: 448_710,
        agent_attributes.RATE_LIMIT_REMAINING_REQUESTS: 2_699,
    }


class _Capture(SpanProcessor):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.spans.append(span)


def readable_span(extra: Mapping[str, AnyValue] | None = None) -> ReadableSpan:
    """A finished SDK span named ``chat gpt-4o``, shaped like otel-agent's own.

    Typical attributes plus ``extra``, and one request-attempt event.
    Built through a real ``TracerProvider`` so that it carries the same types
    (``BoundedAttributes``, ``SpanContext``, resource, scope) an exporter sees.
    """
    capture = _Capture()
    provider = TracerProvider(resource=_RESOURCE)
    provider.add_span_processor(capture)
    tracer = provider.get_tracer("otel_agent.instrumentation.litellm")
    span = tracer.start_span("chat gpt-4o", context=Context(), kind=SpanKind.CLIENT)
    span.set_attributes({**typical_span_attributes(), **(extra or {})})
    span.add_event(agent_attributes.REQUEST_ATTEMPT_EVENT, _attempt_attributes())
    span.set_status(Status(StatusCode.OK))
    span.end()
    return capture.spans[0]


def log_record(
    body: Any, extra: Mapping[str, AnyValue] | None = None
) -> ReadWriteLogRecord:
    """A fresh SDK log record as a ``LoggingHandler`` would emit it."""
    record_attributes: dict[str, AnyValue] = {
        "code.file.path": "/app/.venv/lib/python3.11/site-packages/litellm/utils.py",
        "code.function.name": "completion",
        "code.line.number": 1187,
        "logger.name": "LiteLLM",
        **(extra or {}),
    }
    record = LogRecord(
        timestamp=1_767_000_000_000_000_000,
        observed_timestamp=1_767_000_000_000_000_000,
        severity_text="DEBUG",
        severity_number=SeverityNumber.DEBUG,
        body=body,
        attributes=record_attributes,
    )
    return ReadWriteLogRecord(record, resource=_RESOURCE)
