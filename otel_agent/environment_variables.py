"""Environment variables that configure otel-agent.

Each name is defined once, here; the README's configuration table lists the same
set. A malformed value falls back to its default with one warning.
"""

from __future__ import annotations

from typing import Final

OTEL_AGENT_OUTPUT_DIR: Final = "OTEL_AGENT_OUTPUT_DIR"
"""Directory of the embedded default exporter's OTLP JSON files
(``traces.jsonl``, ``logs.jsonl``, ``metrics.jsonl``). Default ``./otel-output``."""

OTEL_AGENT_LOG_FILE_MAX_BYTES: Final = "OTEL_AGENT_LOG_FILE_MAX_BYTES"
"""Size at which the embedded default rotates its logs file. Default 10 MiB."""

OTEL_AGENT_LIBRARY_DEBUG: Final = "OTEL_AGENT_LIBRARY_DEBUG"
"""``true`` restores DEBUG output of LiteLLM, openai, httpx and httpcore
(still redacted). Default ``false``: those loggers sit at WARNING."""

OTEL_AGENT_REDACT_EXTRA_KEYS: Final = "OTEL_AGENT_REDACT_EXTRA_KEYS"
"""Comma-separated key names to treat as sensitive, added to the catalogue."""

OTEL_AGENT_REDACT_EXTRA_PATTERNS: Final = "OTEL_AGENT_REDACT_EXTRA_PATTERNS"
"""Semicolon-separated ``name=regex`` pairs (RE2 syntax) added to the catalogue.
An invalid pair is skipped with one warning."""

OTEL_AGENT_REDACT_SAFE_KEYS: Final = "OTEL_AGENT_REDACT_SAFE_KEYS"
"""Comma-separated attribute keys never redacted, added to the allowlist;
``prefix.*`` keeps a whole namespace."""

OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: Final = (
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
)
"""OpenTelemetry's standard GenAI switch. ``true`` (or ``span_only``,
``span_and_event``) records prompts and completions on the LLM span as
``gen_ai.input.messages`` / ``gen_ai.output.messages``; they pass through the
same redaction as everything else. Default ``false``: no content is recorded."""
