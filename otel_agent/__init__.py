"""otel-agent: OpenTelemetry instrumentation for LLM agents.

Installing the package is enough under ``opentelemetry-instrument``: the
distro and configurator entry points set up export with redaction, and the
LiteLLM instrumentor turns every LLM call into a GenAI span. Applications that
set up the SDK themselves use the names exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otel_agent._setup import configure
from otel_agent.version import __version__

if TYPE_CHECKING:
    from otel_agent._protect import protect_providers

__all__ = ["__version__", "configure", "protect_providers"]


def __getattr__(name: str) -> Any:
    # protect_providers pulls in the SDK and the redaction rules; load on use.
    if name == "protect_providers":
        from otel_agent._protect import protect_providers

        return protect_providers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
