"""OpenTelemetry instrumentation for LiteLLM.

``opentelemetry-instrument`` loads ``LiteLLMInstrumentor`` through the
``opentelemetry_instrumentor`` entry point named ``litellm``; applications that
set up the SDK themselves call ``LiteLLMInstrumentor().instrument()``.
"""

from __future__ import annotations

from otel_agent.instrumentation._instrumentor import LiteLLMInstrumentor

__all__ = ["LiteLLMInstrumentor"]
