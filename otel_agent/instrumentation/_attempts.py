"""Each HTTP attempt the openai SDK makes inside a traced LiteLLM call.

LiteLLM reaches OpenAI and Azure OpenAI through the openai SDK, which retries
429s, 5xx and timeouts on its own (``max_retries``, default 2; LiteLLM's
``num_retries`` becomes it) and only shows LiteLLM the last response. The SDK
sends every attempt through ``OpenAI._send_request`` /
``AsyncOpenAI._send_request`` (Azure clients subclass them) and asks
``BaseClient._calculate_retry_timeout`` how long to wait before the next one,
whatever its HTTP transport. Wrapping those two private methods sees each
attempt's status, headers and delay.

The wrappers only act inside a call this package traces: the active call is
held in a context variable, so a direct use of the openai SDK elsewhere, or a
span someone else created, is never touched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from otel_agent.instrumentation._rate_limit_headers import collect_headers
from otel_agent.instrumentation._response_attributes import error_type_of

if TYPE_CHECKING:
    from otel_agent.instrumentation._call import CallRecord

__all__ = [
    "ACTIVE_CALL",
    "Attempt",
    "record_retry_delay",
    "send_request_async",
    "send_request_sync",
]

_logger = logging.getLogger(__name__)

ACTIVE_CALL: ContextVar[CallRecord | None] = ContextVar(
    "otel_agent_active_litellm_call", default=None
)


@dataclass
class Attempt:
    """One HTTP attempt: when it started and how it ended."""

    number: int
    start_ns: int
    status_code: int | None = None
    error_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    retry_delay_s: float | None = None


def _begin(call: CallRecord) -> Attempt | None:
    try:
        return call.begin_attempt(time.time_ns())
    except Exception:
        _logger.debug("LiteLLM instrumentation: attempt not recorded", exc_info=True)
        return None


def _end(attempt: Attempt | None, response: object) -> None:
    if attempt is None:
        return
    try:
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            attempt.status_code = status
        attempt.headers = collect_headers([getattr(response, "headers", None)])
    except Exception:
        _logger.debug("LiteLLM instrumentation: attempt not recorded", exc_info=True)


def _fail(attempt: Attempt | None, exception: BaseException) -> None:
    if attempt is None:
        return
    try:
        attempt.error_type = error_type_of(exception)
    except Exception:
        _logger.debug("LiteLLM instrumentation: attempt not recorded", exc_info=True)


def send_request_sync(
    wrapped: Callable[..., Any],
    instance: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """wrapt wrapper for ``OpenAI._send_request``: one attempt per call."""
    call = ACTIVE_CALL.get()
    if call is None:
        return wrapped(*args, **kwargs)
    attempt = _begin(call)
    try:
        response = wrapped(*args, **kwargs)
    except BaseException as exception:
        _fail(attempt, exception)
        raise
    _end(attempt, response)
    return response


async def send_request_async(
    wrapped: Callable[..., Awaitable[Any]],
    instance: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """wrapt wrapper for ``AsyncOpenAI._send_request``: one attempt per call."""
    call = ACTIVE_CALL.get()
    if call is None:
        return await wrapped(*args, **kwargs)
    attempt = _begin(call)
    try:
        response = await wrapped(*args, **kwargs)
    except BaseException as exception:
        _fail(attempt, exception)
        raise
    _end(attempt, response)
    return response


def record_retry_delay(
    wrapped: Callable[..., Any],
    instance: object,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """wrapt wrapper for ``BaseClient._calculate_retry_timeout``.

    The SDK calls it right before sleeping for a retry; its result is the
    delay after the latest attempt.
    """
    delay = wrapped(*args, **kwargs)
    call = ACTIVE_CALL.get()
    if call is not None:
        try:
            call.set_retry_delay(float(delay))
        except Exception:
            _logger.debug(
                "LiteLLM instrumentation: retry delay not recorded", exc_info=True
            )
    return delay
