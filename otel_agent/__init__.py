"""otel-agent: OpenTelemetry instrumentation for LLM agents.

Installing the package is enough under ``opentelemetry-instrument``: the
distro and configurator entry points set up export with redaction, and the
LiteLLM instrumentor turns every LLM call into a GenAI span. Applications that
set up the SDK themselves use the names exported here.
"""

from __future__ import annotations

from otel_agent.version import __version__

__all__ = ["__version__"]
