"""Metric instruments of the LiteLLM instrumentor and what each call records.

GenAI metrics follow the semantic conventions (names, units and advisory
bucket boundaries). Metric attributes are a fixed, bounded set: operation,
provider, request and response model, server address and port, token type and
``error.type``; never ids or other per-call values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.metrics import Meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
from opentelemetry.semconv.attributes import error_attributes, server_attributes

from otel_agent.attributes import (
    METRIC_RATE_LIMIT_REMAINING_REQUESTS,
    METRIC_RATE_LIMIT_REMAINING_TOKENS,
    METRIC_RATE_LIMIT_RESPONSES,
    RATE_LIMIT_REMAINING_REQUESTS,
    RATE_LIMIT_REMAINING_TOKENS,
    USAGE_ESTIMATED,
)
from otel_agent.instrumentation._response_attributes import Usage

__all__ = ["CallMetrics"]

# Advisory boundaries from the GenAI semantic conventions.
_TOKEN_BUCKETS = [4.0**power for power in range(14)]
_DURATION_BUCKETS = [0.01 * 2.0**power for power in range(14)]

# The only span attributes copied onto GenAI metric points.
_METRIC_KEYS = (
    gen_ai.GEN_AI_OPERATION_NAME,
    gen_ai.GEN_AI_PROVIDER_NAME,
    gen_ai.GEN_AI_REQUEST_MODEL,
    gen_ai.GEN_AI_RESPONSE_MODEL,
    server_attributes.SERVER_ADDRESS,
    server_attributes.SERVER_PORT,
    error_attributes.ERROR_TYPE,
)
# A deployment, for the rate-limit instruments.
_DEPLOYMENT_KEYS = (
    gen_ai.GEN_AI_PROVIDER_NAME,
    gen_ai.GEN_AI_REQUEST_MODEL,
    server_attributes.SERVER_ADDRESS,
    server_attributes.SERVER_PORT,
)


def _pick(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: attributes[key] for key in keys if key in attributes}


class CallMetrics:
    """The instruments, created once per ``instrument()``.

    Recording never blocks (the SDK aggregates in memory) and is safe from any
    thread.
    """

    def __init__(self, meter: Meter) -> None:
        self._duration = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION,
            unit="s",
            description="Duration of GenAI client operations.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._tokens = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=_TOKEN_BUCKETS,
        )
        self._first_chunk = meter.create_histogram(
            gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
            unit="s",
            description="Time from the request to the first chunk of a stream.",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )
        self._remaining_tokens = meter.create_gauge(
            METRIC_RATE_LIMIT_REMAINING_TOKENS,
            unit="{token}",
            description="Tokens left in the deployment's rate-limit window.",
        )
        self._remaining_requests = meter.create_gauge(
            METRIC_RATE_LIMIT_REMAINING_REQUESTS,
            unit="{request}",
            description="Requests left in the deployment's rate-limit window.",
        )
        self._rate_limited = meter.create_counter(
            METRIC_RATE_LIMIT_RESPONSES,
            unit="{response}",
            description="HTTP 429 responses, retried attempts included.",
        )

    def record_call(
        self,
        span_attributes: Mapping[str, Any],
        duration_s: float,
        usage: Usage | None,
    ) -> None:
        """Duration and, when known, token usage of one finished call."""
        common = _pick(span_attributes, _METRIC_KEYS)
        self._duration.record(duration_s, common)
        if usage is None:
            return
        # Token points of an estimate carry otel_agent.usage.estimated=True.
        token_common = {
            k: v for k, v in common.items() if k != error_attributes.ERROR_TYPE
        }
        if span_attributes.get(USAGE_ESTIMATED) is True:
            token_common[USAGE_ESTIMATED] = True
        for token_type, count in (
            (gen_ai.GenAiTokenTypeValues.INPUT.value, usage.input_tokens),
            (gen_ai.GenAiTokenTypeValues.OUTPUT.value, usage.output_tokens),
        ):
            if count is not None:
                self._tokens.record(
                    count, {**token_common, gen_ai.GEN_AI_TOKEN_TYPE: token_type}
                )

    def record_first_chunk(
        self, span_attributes: Mapping[str, Any], seconds: float
    ) -> None:
        self._first_chunk.record(seconds, _pick(span_attributes, _METRIC_KEYS))

    def record_headroom(
        self, span_attributes: Mapping[str, Any], rate_limit: Mapping[str, Any]
    ) -> None:
        """Latest remaining tokens and requests of the call's deployment."""
        deployment = _pick(span_attributes, _DEPLOYMENT_KEYS)
        tokens = rate_limit.get(RATE_LIMIT_REMAINING_TOKENS)
        if isinstance(tokens, int):
            self._remaining_tokens.set(tokens, deployment)
        requests = rate_limit.get(RATE_LIMIT_REMAINING_REQUESTS)
        if isinstance(requests, int):
            self._remaining_requests.set(requests, deployment)

    def count_rate_limited(
        self, span_attributes: Mapping[str, Any], responses: int
    ) -> None:
        if responses > 0:
            self._rate_limited.add(responses, _pick(span_attributes, _DEPLOYMENT_KEYS))
