"""One ``invoke_agent`` span per smolagents agent run, parent of its LLM spans.

smolagents emits no spans of its own, so without this each LLM call of an agent
run would start a trace of its own. ``MultiStepAgent.run`` is wrapped when
``smolagents.agents`` is imported (a post-import hook: instrumenting never
imports smolagents itself). The span follows the GenAI conventions for an
in-process agent: kind INTERNAL, named ``"invoke_agent {gen_ai.agent.name}"``.

Only ``run(stream=False)`` (smolagents' default) gets a span; a streamed run
returns a generator the caller drives, and is passed through untouched.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable
from typing import Any

import wrapt
from opentelemetry import context, trace
from opentelemetry.instrumentation.utils import is_instrumentation_enabled, unwrap
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from otel_agent.instrumentation._imports import is_wrapped, when_imported

__all__ = ["AgentRunWrapper", "instrument_smolagents", "uninstrument_smolagents"]

_logger = logging.getLogger(__name__)

_MODULE = "smolagents.agents"
_OPERATION = gen_ai.GenAiOperationNameValues.INVOKE_AGENT.value

# The wrapper the post-import hook installs; None after uninstrument(). The hook
# cannot be unregistered, so it checks this.
_active_wrapper: AgentRunWrapper | None = None


class AgentRunWrapper:
    """wrapt wrapper for ``MultiStepAgent.run``; guarded like the LiteLLM ones."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def __call__(
        self,
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        streamed = kwargs.get("stream", args[1] if len(args) > 1 else False)
        if streamed or not is_instrumentation_enabled():
            return wrapped(*args, **kwargs)

        started = self._start(instance)
        if started is None:
            return wrapped(*args, **kwargs)
        span, token = started

        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exception:
            self._end(span, token, exception)
            raise
        self._end(span, token, None)
        return result

    def _start(self, agent: object) -> tuple[trace.Span, object] | None:
        span: trace.Span | None = None
        try:
            name = getattr(agent, "name", None) or type(agent).__name__
            attributes: dict[str, Any] = {gen_ai.GEN_AI_OPERATION_NAME: _OPERATION}
            if isinstance(name, str):
                attributes[gen_ai.GEN_AI_AGENT_NAME] = name
            span = self._tracer.start_span(
                f"{_OPERATION} {name}", kind=SpanKind.INTERNAL, attributes=attributes
            )
            return span, context.attach(trace.set_span_in_context(span))
        except Exception:
            _logger.debug("smolagents instrumentation: run not traced", exc_info=True)
            if span is not None:
                with contextlib.suppress(Exception):
                    span.end()
            return None

    def _end(
        self, span: trace.Span, token: object, exception: BaseException | None
    ) -> None:
        try:
            context.detach(token)  # type: ignore[arg-type]
            if exception is not None and span.is_recording():
                cls = type(exception)
                error_type = f"{cls.__module__}.{cls.__qualname__}"
                span.set_attribute(error_attributes.ERROR_TYPE, error_type)
                span.set_status(Status(StatusCode.ERROR, error_type))
            span.end()
        except Exception:
            _logger.debug(
                "smolagents instrumentation: run span not ended", exc_info=True
            )


def _wrap_agents_module(module: Any) -> None:
    wrapper = _active_wrapper
    if wrapper is None:
        return
    agent_class = getattr(module, "MultiStepAgent", None)
    run = vars(agent_class).get("run") if agent_class is not None else None
    if run is None or is_wrapped(run):
        return
    wrapt.wrap_function_wrapper(agent_class, "run", wrapper)


def _on_import(module: Any) -> None:
    try:
        _wrap_agents_module(module)
    except Exception:
        _logger.debug("smolagents instrumentation: not installed", exc_info=True)


def instrument_smolagents(tracer: Tracer) -> None:
    """Wrap ``MultiStepAgent.run`` now, or when smolagents is first imported."""
    global _active_wrapper
    _active_wrapper = AgentRunWrapper(tracer)
    when_imported(_MODULE, _on_import)


def uninstrument_smolagents() -> None:
    """Undo ``instrument_smolagents``; a later import of smolagents stays untouched."""
    global _active_wrapper
    _active_wrapper = None
    module = sys.modules.get(_MODULE)
    agent_class = getattr(module, "MultiStepAgent", None)
    if agent_class is not None:
        unwrap(agent_class, "run")
