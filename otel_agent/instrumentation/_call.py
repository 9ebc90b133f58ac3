"""One traced LiteLLM call: its span, its attempts, and how it ends.

A ``CallRecord`` owns exactly one span, which it created, and ends it exactly
once (``_finish`` is idempotent and locked: a stream may be finished by its
consumer and by the garbage collector on different threads). It never reads or
writes any other span.

Every public method here is telemetry: it may raise on a bug, and the wrappers
call each one inside its own guard.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import context, trace
from opentelemetry.metrics import Meter
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import (
    error_attributes,
    http_attributes,
    server_attributes,
)
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from otel_agent.attributes import (
    RATE_LIMIT_RETRY_AFTER,
    REQUEST_ATTEMPT_EVENT,
    REQUEST_ATTEMPT_NUMBER,
    REQUEST_ATTEMPT_RETRY_DELAY,
    REQUEST_ATTEMPTS,
    STREAM_ABANDONED,
    USAGE_ESTIMATED,
)
from otel_agent.instrumentation._attempts import ACTIVE_CALL, Attempt
from otel_agent.instrumentation._content import (
    input_messages_attribute,
    output_messages_attribute,
    stream_output_attribute,
)
from otel_agent.instrumentation._metrics import CallMetrics
from otel_agent.instrumentation._rate_limit_headers import (
    collect_headers,
    headers_of_exception,
    headers_of_response,
    normalise_headers,
)
from otel_agent.instrumentation._rate_limit_log import (
    describe_outcome,
    log_rate_limited,
)
from otel_agent.instrumentation._request_attributes import (
    describe_call,
    server_attributes_of,
)
from otel_agent.instrumentation._response_attributes import (
    StreamAccumulator,
    Usage,
    error_attributes_of,
    response_attributes_of,
    usage_of,
)

__all__ = ["CallRecord", "Telemetry"]

Attributes = dict[str, Any]

_TOO_MANY_REQUESTS = 429


@dataclass(frozen=True)
class Telemetry:
    """Configuration bound once per ``instrument()``."""

    tracer: Tracer
    metrics: CallMetrics
    capture_content: bool
    known_providers: frozenset[str]

    @classmethod
    def create(
        cls,
        tracer: Tracer,
        meter: Meter,
        capture_content: bool,
        known_providers: frozenset[str],
    ) -> Telemetry:
        return cls(tracer, CallMetrics(meter), capture_content, known_providers)


class CallRecord:
    """The span and measurements of one LiteLLM call, from start to end."""

    def __init__(
        self,
        telemetry: Telemetry,
        operation: str,
        args: tuple[object, ...],
        kwargs: Mapping[str, object],
    ) -> None:
        description = describe_call(operation, args, kwargs, telemetry.known_providers)
        self._telemetry = telemetry
        self._operation = operation
        self._attributes: Attributes = dict(description.attributes)
        model = kwargs.get("model", args[0] if args else None)
        self._deployment = model if isinstance(model, str) else "unknown model"
        self._attempts: list[Attempt] = []
        self._first_chunk_s: float | None = None
        self._lock = threading.Lock()
        self._finished = False
        self._span_ended = False
        self._tokens: tuple[object, object] | None = None
        self._start = time.perf_counter()
        self._span = telemetry.tracer.start_span(
            description.span_name, kind=SpanKind.CLIENT, attributes=self._attributes
        )
        if telemetry.capture_content and self._span.is_recording():
            self._span.set_attributes(input_messages_attribute(operation, kwargs))

    # Context: the span is current, and this record active, while the call runs.

    def enter(self) -> None:
        context_token = context.attach(trace.set_span_in_context(self._span))
        self._tokens = (context_token, ACTIVE_CALL.set(self))

    def leave(self) -> None:
        if self._tokens is None:
            return
        context_token, call_token = self._tokens
        self._tokens = None
        ACTIVE_CALL.reset(call_token)  # type: ignore[arg-type]
        context.detach(context_token)  # type: ignore[arg-type]

    def discard(self) -> None:
        """End the span as it is, after a telemetry fault; never raises.

        The wrappers call this when a step here failed, so that a bug never
        leaves a span open. A span already ended is left alone.
        """
        self._finished = True
        with contextlib.suppress(Exception):
            self._end_span_once()

    def _end_span_once(self) -> None:
        with self._lock:
            if self._span_ended:
                return
            self._span_ended = True
        self._span.end()

    # Attempts, reported by the openai SDK hooks in ``_attempts``.

    def begin_attempt(self, start_ns: int) -> Attempt:
        attempt = Attempt(number=len(self._attempts) + 1, start_ns=start_ns)
        self._attempts.append(attempt)
        return attempt

    def set_retry_delay(self, delay_s: float) -> None:
        if self._attempts:
            self._attempts[-1].retry_delay_s = delay_s

    # Endings.

    def finish_response(self, response: object) -> None:
        """End the span after a complete (non-stream) response."""
        usage = usage_of(
            getattr(response, "usage", None),
            with_output=self._operation
            != gen_ai.GenAiOperationNameValues.EMBEDDINGS.value,
        )
        attributes = response_attributes_of(response, usage)
        attributes.update(self._server_fallback(response))
        if self._telemetry.capture_content and self._span.is_recording():
            attributes.update(output_messages_attribute(response))
        self._finish(attributes, headers_of_response(response), usage, None)

    def finish_error(self, exception: BaseException) -> None:
        """End the span after the call raised ``exception``."""
        self._finish({}, headers_of_exception(exception), None, exception)

    def observe_chunk(self, accumulator: StreamAccumulator, chunk: object) -> None:
        """Fold one stream chunk into ``accumulator``; note the first chunk's time."""
        if self._first_chunk_s is None:
            self._first_chunk_s = time.perf_counter() - self._start
        accumulator.add(chunk, capture_text=self._telemetry.capture_content)

    def finish_stream(
        self,
        stream: object,
        accumulator: StreamAccumulator,
        exception: BaseException | None = None,
        abandoned: bool = False,
    ) -> None:
        """End a stream's span: exhausted, failed midway, closed or dropped."""
        attributes = accumulator.attributes()
        provider_model = _provider_model_of_stream(stream)
        if provider_model:
            attributes[gen_ai.GEN_AI_RESPONSE_MODEL] = provider_model
        attributes.update(self._server_fallback(stream))
        usage = accumulator.usage
        if usage is None and exception is None and not abandoned:
            usage = _estimated_usage(stream)
            if usage is not None:
                attributes.update(usage.attributes())
                attributes[USAGE_ESTIMATED] = True
        if abandoned:
            attributes[STREAM_ABANDONED] = True
        if self._first_chunk_s is not None:
            attributes[gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = self._first_chunk_s
        if self._telemetry.capture_content and self._span.is_recording():
            reasons = attributes.get(gen_ai.GEN_AI_RESPONSE_FINISH_REASONS) or (None,)
            attributes.update(stream_output_attribute(accumulator.text, reasons[0]))
        sources = headers_of_response(stream)
        if exception is not None:
            sources = headers_of_exception(exception) + sources
        self._finish(attributes, sources, usage, exception)

    @property
    def finished(self) -> bool:
        return self._finished

    # Internals.

    def _server_fallback(self, response: object) -> Attributes:
        if server_attributes.SERVER_ADDRESS in self._attributes:
            return {}
        hidden = getattr(response, "_hidden_params", None)
        if not isinstance(hidden, Mapping):
            return {}
        return server_attributes_of(hidden.get("api_base"))

    def _finish(
        self,
        attributes: Attributes,
        header_sources: list[object],
        usage: Usage | None,
        exception: BaseException | None,
    ) -> None:
        with self._lock:
            if self._finished:
                return
            self._finished = True
        duration = time.perf_counter() - self._start

        last_attempt = self._attempts[-1] if self._attempts else None
        if last_attempt is not None:
            header_sources = [*header_sources, last_attempt.headers]
        if exception is not None:
            attributes.update(error_attributes_of(exception))
        status = attributes.get(http_attributes.HTTP_RESPONSE_STATUS_CODE)
        rate_limited = status == _TOO_MANY_REQUESTS
        rate_limit = normalise_headers(
            collect_headers(header_sources), rate_limited=rate_limited
        )
        attributes.update(rate_limit)
        attributes[REQUEST_ATTEMPTS] = max(1, len(self._attempts))
        self._attributes.update(attributes)

        self._end_span(attributes, exception)
        self._record_metrics(duration, usage, rate_limit, rate_limited)
        self._log_rate_limit(rate_limit, rate_limited, succeeded=exception is None)

    def _end_span(
        self, attributes: Attributes, exception: BaseException | None
    ) -> None:
        """Set what the ending added (the span has the rest) and end it."""
        span = self._span
        if span.is_recording():
            span.set_attributes(attributes)
            for attempt in self._attempts:
                span.add_event(
                    REQUEST_ATTEMPT_EVENT,
                    attributes=_attempt_attributes(attempt),
                    timestamp=attempt.start_ns,
                )
            if exception is not None:
                error_type = self._attributes[error_attributes.ERROR_TYPE]
                span.set_status(Status(StatusCode.ERROR, error_type))
        self._end_span_once()

    def _log_rate_limit(
        self, rate_limit: Mapping[str, Any], rate_limited: bool, succeeded: bool
    ) -> None:
        """One warning per call that saw a 429 on any attempt, however it ended.

        The numbers come from the last 429: the call's final answer when it
        ended in one, else the last refused attempt (a retry then succeeded or
        failed otherwise).
        """
        refused = [a for a in self._attempts if a.status_code == _TOO_MANY_REQUESTS]
        if not rate_limited and not refused:
            return
        details = dict(rate_limit)
        if not rate_limited:
            details = dict(normalise_headers(refused[-1].headers, rate_limited=True))
        if RATE_LIMIT_RETRY_AFTER not in details and refused:
            # No header said how long to wait; the SDK's own delay is the answer.
            delay = refused[-1].retry_delay_s
            if delay is not None:
                details[RATE_LIMIT_RETRY_AFTER] = delay
        outcome = describe_outcome(len(self._attempts), succeeded, rate_limited)
        log_rate_limited(self._deployment, details, outcome)

    def _record_metrics(
        self,
        duration: float,
        usage: Usage | None,
        rate_limit: Mapping[str, Any],
        rate_limited: bool,
    ) -> None:
        metrics = self._telemetry.metrics
        points = metrics.point_attributes(self._attributes)
        metrics.record_call(points, duration, usage)
        if self._first_chunk_s is not None:
            metrics.record_first_chunk(points, self._first_chunk_s)
        metrics.record_headroom(points, rate_limit)
        throttled = sum(
            1 for a in self._attempts if a.status_code == _TOO_MANY_REQUESTS
        )
        if rate_limited and not throttled:
            throttled = 1
        metrics.count_rate_limited(points, throttled)


def _attempt_attributes(attempt: Attempt) -> Attributes:
    attributes: Attributes = {REQUEST_ATTEMPT_NUMBER: attempt.number}
    if attempt.status_code is not None:
        attributes[http_attributes.HTTP_RESPONSE_STATUS_CODE] = attempt.status_code
    if attempt.error_type is not None:
        attributes[error_attributes.ERROR_TYPE] = attempt.error_type
    elif attempt.status_code is not None and attempt.status_code >= 400:
        attributes[error_attributes.ERROR_TYPE] = str(attempt.status_code)
    attributes.update(
        normalise_headers(
            attempt.headers,
            rate_limited=attempt.status_code == _TOO_MANY_REQUESTS,
        )
    )
    if attempt.retry_delay_s is not None:
        attributes[REQUEST_ATTEMPT_RETRY_DELAY] = attempt.retry_delay_s
    return attributes


def _provider_model_of_stream(stream: object) -> str | None:
    """The model the provider named, kept on LiteLLM's stream wrapper.

    Chunks carry LiteLLM's name for the model (the request's); the provider's
    own (e.g. a dated version) stays on ``CustomStreamWrapper``, which
    ``TextCompletionStreamWrapper`` wraps as ``completion_stream``.
    """
    for candidate in (stream, getattr(stream, "completion_stream", None)):
        model = getattr(candidate, "_provider_response_model", None)
        if isinstance(model, str) and model:
            return model
    return None


def _estimated_usage(stream: object) -> Usage | None:
    """LiteLLM's own count for a stream the provider sent no usage for.

    LiteLLM's logging object has it only after its success callbacks ran, which
    may be later, on another thread; otherwise it is rebuilt from the chunks
    the stream wrapper kept, the way LiteLLM's callbacks compute it.
    """
    logging_obj = getattr(stream, "logging_obj", None)
    details = getattr(logging_obj, "model_call_details", None)
    if isinstance(details, Mapping):
        complete = details.get("complete_streaming_response")
        usage = usage_of(getattr(complete, "usage", None))
        if usage is not None:
            return usage
    chunks = getattr(stream, "chunks", None)
    litellm = sys.modules.get("litellm")
    if not chunks or not isinstance(chunks, list) or litellm is None:
        return None
    rebuilt = litellm.stream_chunk_builder(
        list(chunks), messages=getattr(stream, "messages", None)
    )
    return usage_of(getattr(rebuilt, "usage", None))
