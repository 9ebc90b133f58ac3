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


_TOKEN_TYPES = (
    gen_ai.GenAiTokenTypeValues.INPUT.value,
    gen_ai.GenAiTokenTypeValues.OUTPUT.value,
)
# What tells metric attribute sets apart.
_KEY_NAMES = (*_METRIC_KEYS, USAGE_ESTIMATED)
# Distinct metric attribute sets kept pre-built; beyond this, built per call.
_CACHE_SIZE = 256


class _PointAttributes:
    """The metric attribute dicts of one key, built once and shared.

    The SDK copies attributes when it records, so sharing the dicts is safe as
    long as nothing here mutates them after construction.
    """

    __slots__ = ("common", "deployment", "tokens")

    def __init__(self, span_attributes: Mapping[str, Any], estimated: bool) -> None:
        self.common = _pick(span_attributes, _METRIC_KEYS)
        self.deployment = _pick(span_attributes, _DEPLOYMENT_KEYS)
        token_common = {
            k: v for k, v in self.common.items() if k != error_attributes.ERROR_TYPE
        }
        if estimated:
            token_common[USAGE_ESTIMATED] = True
        self.tokens = tuple(
            {**token_common, gen_ai.GEN_AI_TOKEN_TYPE: token_type}
            for token_type in _TOKEN_TYPES
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
        self._points: dict[tuple[object, ...], _PointAttributes] = {}

    def point_attributes(self, span_attributes: Mapping[str, Any]) -> _PointAttributes:
        """The metric attribute dicts for a finished call's span attributes.

        Cached per distinct (operation, provider, models, server, error,
        estimate) key, up to ``_CACHE_SIZE`` keys; a race between threads at
        worst builds the same entry twice.
        """
        key = tuple(span_attributes.get(name) for name in _KEY_NAMES)
        try:
            cached = self._points.get(key)
        except TypeError:  # an unhashable value: build it, cache nothing
            return _PointAttributes(span_attributes, key[-1] is True)
        if cached is None:
            cached = _PointAttributes(span_attributes, key[-1] is True)
            if len(self._points) < _CACHE_SIZE:
                self._points[key] = cached
        return cached

    def record_call(
        self,
        points: _PointAttributes,
        duration_s: float,
        usage: Usage | None,
    ) -> None:
        """Duration and, when known, token usage of one finished call."""
        self._duration.record(duration_s, points.common)
        if usage is None:
            return
        # Token points of an estimate carry otel_agent.usage.estimated=True.
        input_points, output_points = points.tokens
        if usage.input_tokens is not None:
            self._tokens.record(usage.input_tokens, input_points)
        if usage.output_tokens is not None:
            self._tokens.record(usage.output_tokens, output_points)

    def record_first_chunk(self, points: _PointAttributes, seconds: float) -> None:
        self._first_chunk.record(seconds, points.common)

    def record_headroom(
        self, points: _PointAttributes, rate_limit: Mapping[str, Any]
    ) -> None:
        """Latest remaining tokens and requests of the call's deployment."""
        tokens = rate_limit.get(RATE_LIMIT_REMAINING_TOKENS)
        if isinstance(tokens, int):
            self._remaining_tokens.set(tokens, points.deployment)
        requests = rate_limit.get(RATE_LIMIT_REMAINING_REQUESTS)
        if isinstance(requests, int):
            self._remaining_requests.set(requests, points.deployment)

    def count_rate_limited(self, points: _PointAttributes, responses: int) -> None:
        if responses > 0:
            self._rate_limited.add(responses, points.deployment)
