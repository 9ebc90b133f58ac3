"""``LiteLLMInstrumentor``: GenAI spans and metrics for every LiteLLM call."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import wrapt
from opentelemetry.instrumentation.instrumentor import (  # type: ignore[attr-defined]
    BaseInstrumentor,
)
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.metrics import Meter, get_meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.trace import Tracer, get_tracer

from otel_agent.instrumentation._attempts import (
    record_retry_delay,
    send_request_async,
    send_request_sync,
)
from otel_agent.instrumentation._call import Telemetry
from otel_agent.instrumentation._content import content_capture_enabled
from otel_agent.instrumentation._imports import is_wrapped, when_imported
from otel_agent.instrumentation._litellm_callbacks import (
    disable_litellm_otel,
    restore_litellm_otel,
)
from otel_agent.instrumentation._smolagents import (
    instrument_smolagents,
    uninstrument_smolagents,
)
from otel_agent.instrumentation._wrappers import AsyncCallWrapper, SyncCallWrapper
from otel_agent.instrumentation.package import _instruments
from otel_agent.version import __version__

__all__ = ["LiteLLMInstrumentor"]

_logger = logging.getLogger(__name__)

_Operation = gen_ai.GenAiOperationNameValues

_LITELLM_MODULE = "litellm"

# (sync function, async function, operation) on the ``litellm`` module. Router
# and smolagents look these up on the module at call time, so replacing the
# module attributes covers them.
_LITELLM_FUNCTIONS = (
    ("completion", "acompletion", _Operation.CHAT.value),
    ("embedding", "aembedding", _Operation.EMBEDDINGS.value),
    ("text_completion", "atext_completion", _Operation.TEXT_COMPLETION.value),
)

# (module, attribute path, wrapper): the openai SDK's per-attempt hooks.
_OPENAI_HOOKS: tuple[tuple[str, str, Callable[..., Any]], ...] = (
    ("openai._client", "OpenAI._send_request", send_request_sync),
    ("openai._client", "AsyncOpenAI._send_request", send_request_async),
    ("openai._base_client", "BaseClient._calculate_retry_timeout", record_retry_delay),
)


class LiteLLMInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Trace LiteLLM's ``completion``, ``embedding`` and ``text_completion``.

    Sync, async and streaming forms, including calls made through
    ``litellm.Router`` and smolagents' ``LiteLLMModel``. Each call becomes one
    CLIENT span named ``"{gen_ai.operation.name} {gen_ai.request.model}"`` with
    GenAI semantic-convention attributes, ``otel_agent.rate_limit.*`` headroom
    and one ``otel_agent.request.attempt`` event per HTTP attempt; see the
    README for the full list. With smolagents in use, each agent run becomes an
    ``invoke_agent`` span, parent of the run's LLM spans.

    ``instrument()`` and ``uninstrument()`` are idempotent (``BaseInstrumentor``
    ignores repeated calls). Configuration (tracer, meter, content capture) is
    read once at ``instrument()``. Instrumented calls never raise because of
    telemetry, and their results and exceptions pass through unchanged.

    Keyword arguments of ``instrument()``: ``tracer_provider``,
    ``meter_provider`` (default: the global ones).
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        global _pending
        tracer = get_tracer(__name__, __version__, kwargs.get("tracer_provider"))
        _pending = _PendingWrap(
            tracer=tracer,
            meter=get_meter(__name__, __version__, kwargs.get("meter_provider")),
            capture_content=content_capture_enabled(),
        )
        instrument_smolagents(tracer)
        when_imported(_LITELLM_MODULE, _on_litellm_import)

    def _uninstrument(self, **kwargs: Any) -> None:
        global _pending
        _pending = None
        litellm = sys.modules.get(_LITELLM_MODULE)
        if litellm is not None:
            for sync_name, async_name, _ in _LITELLM_FUNCTIONS:
                unwrap(litellm, sync_name)
                unwrap(litellm, async_name)
            for module, name, _ in _OPENAI_HOOKS:
                _unwrap_optional(module, name)
            restore_litellm_otel()
        uninstrument_smolagents()


@dataclass(frozen=True)
class _PendingWrap:
    """What ``instrument()`` bound, kept until LiteLLM is imported."""

    tracer: Tracer
    meter: Meter
    capture_content: bool


# Set by instrument(), cleared by uninstrument(). The post-import hook cannot be
# unregistered, so it wraps only while this is set.
_pending: _PendingWrap | None = None


def _on_litellm_import(litellm: ModuleType) -> None:
    try:
        _wrap_litellm(litellm)
    except Exception:  # noqa: BLE001 - never break the application's import
        _logger.debug("LiteLLM instrumentation: not installed", exc_info=True)


def _wrap_litellm(litellm: ModuleType) -> None:
    pending = _pending
    if pending is None or is_wrapped(getattr(litellm, "completion", None)):
        return
    telemetry = Telemetry.create(
        tracer=pending.tracer,
        meter=pending.meter,
        capture_content=pending.capture_content,
        known_providers=frozenset(
            str(getattr(p, "value", p)) for p in litellm.provider_list
        ),
    )
    for sync_name, async_name, operation in _LITELLM_FUNCTIONS:
        async_wrapper = AsyncCallWrapper(telemetry, operation)
        sync_wrapper = SyncCallWrapper(telemetry, operation, async_wrapper)
        wrapt.wrap_function_wrapper(litellm, sync_name, sync_wrapper)
        wrapt.wrap_function_wrapper(litellm, async_name, async_wrapper)
    for module, name, wrapper in _OPENAI_HOOKS:
        _wrap_optional(module, name, wrapper)
    disable_litellm_otel()


def _wrap_optional(module: str, name: str, wrapper: Callable[..., Any]) -> None:
    """Wrap a private openai SDK method; without it, attempts go unrecorded."""
    try:
        wrapt.wrap_function_wrapper(module, name, wrapper)
    except (ImportError, AttributeError):
        _logger.debug(
            "LiteLLM instrumentation: openai SDK hook %s unavailable; "
            "retried attempts will not be recorded",
            name,
            exc_info=True,
        )


def _unwrap_optional(module: str, name: str) -> None:
    owner_name, _, method = name.rpartition(".")
    try:
        owner = getattr(importlib.import_module(module), owner_name)
    except (ImportError, AttributeError):
        return
    unwrap(owner, method)
