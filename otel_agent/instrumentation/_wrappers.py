"""The wrappers around LiteLLM's public call functions.

One wrapper per operation, built once per ``instrument()`` with its telemetry
bound. Each call goes through three separately guarded telemetry steps around
the untouched user call:

1. before: skip when instrumentation is suppressed or a traced call is already
   active in this context (LiteLLM calling itself, e.g. ``text_completion``
   through ``completion``); otherwise start the span and make it current;
2. the call itself, whose result or exception is passed on unchanged;
3. after: end the span from the response or exception, or hand a stream to
   ``TracedStream``, which ends it when the stream ends.

A fault in steps 1 or 3 is logged at debug level and the call behaves exactly
as it would uninstrumented.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from opentelemetry.instrumentation.utils import is_instrumentation_enabled

from otel_agent.instrumentation._attempts import ACTIVE_CALL
from otel_agent.instrumentation._call import CallRecord, Telemetry
from otel_agent.instrumentation._litellm_callbacks import disable_litellm_otel
from otel_agent.instrumentation._streams import TracedStream

__all__ = ["AsyncCallWrapper", "SyncCallWrapper"]

_logger = logging.getLogger(__name__)


def _start(
    telemetry: Telemetry,
    operation: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> CallRecord | None:
    if not is_instrumentation_enabled() or ACTIVE_CALL.get() is not None:
        return None
    call: CallRecord | None = None
    try:
        disable_litellm_otel()
        call = CallRecord(telemetry, operation, args, kwargs)
        call.enter()
        return call
    except Exception:
        _logger.debug("LiteLLM instrumentation: call not traced", exc_info=True)
        if call is not None:
            call.discard()
        return None


def _leave(call: CallRecord) -> None:
    try:
        call.leave()
    except Exception:
        _logger.debug("LiteLLM instrumentation: context not restored", exc_info=True)


def _finish_error(call: CallRecord, exception: BaseException) -> None:
    try:
        call.finish_error(exception)
    except Exception:
        _logger.debug("LiteLLM instrumentation: error not recorded", exc_info=True)
        call.discard()


def _finish_result(call: CallRecord, result: Any) -> Any:
    """The result to give the caller: ``result``, or a traced proxy of a stream."""
    try:
        # Looked up on the type, as the iteration protocols do: asking a
        # pydantic response for a missing attribute raises and catches inside.
        kind = type(result)
        if hasattr(kind, "__next__") or hasattr(kind, "__anext__"):
            return TracedStream(result, call)
        call.finish_response(result)
    except Exception:
        _logger.debug("LiteLLM instrumentation: response not recorded", exc_info=True)
        call.discard()
    return result


class SyncCallWrapper:
    """wrapt wrapper for ``completion``, ``embedding``, ``text_completion``."""

    def __init__(
        self,
        telemetry: Telemetry,
        operation: str,
        async_twin: AsyncCallWrapper | None = None,
    ) -> None:
        self._telemetry = telemetry
        self._operation = operation
        self._async_twin = async_twin

    def __call__(
        self,
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        # ``completion(..., acompletion=True)`` returns a coroutine.
        if kwargs.get("acompletion") is True and self._async_twin is not None:
            return self._async_twin(wrapped, instance, args, kwargs)

        call = _start(self._telemetry, self._operation, args, kwargs)
        if call is None:
            return wrapped(*args, **kwargs)

        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exception:
            _leave(call)
            _finish_error(call, exception)
            raise
        _leave(call)

        return _finish_result(call, result)


class AsyncCallWrapper:
    """wrapt wrapper for ``acompletion``, ``aembedding``, ``atext_completion``."""

    def __init__(self, telemetry: Telemetry, operation: str) -> None:
        self._telemetry = telemetry
        self._operation = operation

    async def __call__(
        self,
        wrapped: Callable[..., Any],
        instance: object,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        call = _start(self._telemetry, self._operation, args, kwargs)
        if call is None:
            return await wrapped(*args, **kwargs)

        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exception:
            _leave(call)
            _finish_error(call, exception)
            raise
        _leave(call)

        return _finish_result(call, result)
