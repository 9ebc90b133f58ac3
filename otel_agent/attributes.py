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

# Set on a span or log record that the redaction processors changed: how many
# values were replaced (int) and the names of the rules that matched (string
# array, sorted, unique). Never the values themselves.
REDACTION_COUNT: Final = "otel_agent.redaction.count"
REDACTION_RULES: Final = "otel_agent.redaction.rules"
