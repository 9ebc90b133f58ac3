"""Attribute keys that otel-agent owns.

The GenAI semantic conventions define token usage, models and operations
(``opentelemetry.semconv._incubating.attributes.gen_ai_attributes``); use those
constants for anything they cover. No convention exists yet for a provider's
rate-limit headroom, so otel-agent records it under its own namespace,
``otel_agent.rate_limit.*``, as typed scalars (int or float, never strings or
arrays) so that backends can filter and aggregate on them.

Every key the package writes that is not a semconv key is defined here and
nowhere else; the README's attribute table lists the same set.
"""

from __future__ import annotations

from typing import Final

RATE_LIMIT_PREFIX: Final = "otel_agent.rate_limit."

# Budgets the provider reported on this response (int).
RATE_LIMIT_LIMIT_TOKENS: Final = "otel_agent.rate_limit.limit_tokens"
RATE_LIMIT_LIMIT_REQUESTS: Final = "otel_agent.rate_limit.limit_requests"
# What was left after this call was charged (int).
RATE_LIMIT_REMAINING_TOKENS: Final = "otel_agent.rate_limit.remaining_tokens"
RATE_LIMIT_REMAINING_REQUESTS: Final = "otel_agent.rate_limit.remaining_requests"
# Seconds until the budget refills (float).
RATE_LIMIT_RESET_TOKENS: Final = "otel_agent.rate_limit.reset_tokens_s"
RATE_LIMIT_RESET_REQUESTS: Final = "otel_agent.rate_limit.reset_requests_s"
# Seconds the provider asked the caller to wait (float).
RATE_LIMIT_RETRY_AFTER: Final = "otel_agent.rate_limit.retry_after_s"
# Azure API Management policy that answered, e.g. "DeploymentRatelimit-Token".
RATE_LIMIT_POLICY_ID: Final = "otel_agent.rate_limit.policy_id"

# True when token usage is LiteLLM's local estimate rather than the provider's
# own count (a stream without ``include_usage``).
USAGE_ESTIMATED: Final = "otel_agent.usage.estimated"

# How many HTTP attempts one logical call took (retries included), int.
REQUEST_ATTEMPTS: Final = "otel_agent.request.attempts"

# One span event per HTTP attempt the openai SDK made inside a LiteLLM call,
# timestamped at the attempt's start. Its attributes: the attempt's 1-based
# number (int), ``http.response.status_code`` or ``error.type``, the rate-limit
# keys above, and the delay the SDK waited before the next attempt (float s).
REQUEST_ATTEMPT_EVENT: Final = "otel_agent.request.attempt"
REQUEST_ATTEMPT_NUMBER: Final = "otel_agent.request.attempt.number"
REQUEST_ATTEMPT_RETRY_DELAY: Final = "otel_agent.request.attempt.retry_delay_s"

# Set on a stream's span when the consumer stopped before the stream ended
# (closed it or dropped it): the span ends then, without an error (bool).
STREAM_ABANDONED: Final = "otel_agent.stream.abandoned"

# Metrics otel-agent owns (the GenAI ones come from semconv).
# Gauge, {token}: remaining tokens per deployment as of the latest response.
METRIC_RATE_LIMIT_REMAINING_TOKENS: Final = "otel_agent.rate_limit.remaining_tokens"
# Gauge, {request}: remaining requests per deployment as of the latest response.
METRIC_RATE_LIMIT_REMAINING_REQUESTS: Final = "otel_agent.rate_limit.remaining_requests"
# Counter, {response}: HTTP 429 responses, retried attempts included.
METRIC_RATE_LIMIT_RESPONSES: Final = "otel_agent.rate_limit.responses"

# A WARNING+ log line written while an LLM span was current, copied onto that
# span as an event (trace viewers such as Jaeger store no logs). Attributes:
# the level name, the logger name and the formatted message (string);
# ``exception.type`` / ``exception.message`` when the line had an exception.
LOG_EVENT: Final = "otel_agent.log"
LOG_EVENT_SEVERITY: Final = "otel_agent.log.severity"
LOG_EVENT_LOGGER: Final = "otel_agent.log.logger"
LOG_EVENT_MESSAGE: Final = "otel_agent.log.message"

# Set on a span or log record that the redaction processors changed: how many
# values were replaced (int) and the names of the rules that matched (string
# array, sorted, unique). Never the values themselves.
REDACTION_COUNT: Final = "otel_agent.redaction.count"
REDACTION_RULES: Final = "otel_agent.redaction.rules"
