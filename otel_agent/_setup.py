"""Programmatic set-up, for applications not started by ``opentelemetry-instrument``.

``otel_agent.configure()`` does in-process what the distro, the configurator and
the post-instrument hook do under ``opentelemetry-instrument``: the same
environment variables, the same embedded default, redaction in front of every
exporter, the logging bridge and quiet libraries, and (by default) the LiteLLM
instrumentor. An application that already built its own SDK providers keeps
them: ``configure()`` then only puts their processors behind redaction and
applies the logging defaults.
"""

from __future__ import annotations

import logging
import threading

__all__ = ["configure"]

_logger = logging.getLogger(__name__)

_lock = threading.Lock()
_configured = False


def configure(*, instrument_litellm: bool = True) -> bool:
    """Set up OpenTelemetry with otel-agent's defaults; idempotent.

    Call it once, early, before the application's own ``logging`` set-up.
    Never raises: on failure it logs one warning and the application runs
    without telemetry.

    Args:
        instrument_litellm: Also turn LiteLLM calls into GenAI spans.

    Returns:
        True if this call did the set-up; False if it had been done already or
        failed.
    """
    global _configured
    with _lock:
        if _configured:
            return False
        _configured = True
    try:
        _configure_sdk()
        if instrument_litellm:
            _instrument_litellm()
    except Exception:  # noqa: BLE001 - never break the host application
        _logger.warning("otel-agent set-up failed; telemetry is off")
        _logger.debug("Set-up failure", exc_info=True)
        return False
    return True


def _configure_sdk() -> None:
    # Imported here so that ``import otel_agent`` stays light.
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    from otel_agent._distro import (
        OtelAgentConfigurator,
        OtelAgentDistro,
        protect_configured_pipeline,
    )

    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        OtelAgentDistro().configure()
        OtelAgentConfigurator().configure()
    protect_configured_pipeline()


def _instrument_litellm() -> None:
    try:
        from otel_agent.instrumentation import LiteLLMInstrumentor
    except ImportError:
        _logger.debug("LiteLLM instrumentation unavailable", exc_info=True)
        return
    instrumentor = LiteLLMInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
