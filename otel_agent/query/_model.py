"""One LLM call, read back from OTLP JSON.

An LLM call is a span whose ``gen_ai.operation.name`` is a model call (chat,
text completion, embeddings, generate content, retrieval, or an operation the
conventions do not list yet); agent, workflow and tool spans (``invoke_agent``,
``create_agent``, ``invoke_workflow``, ``execute_tool``) carry the attribute
too but are not calls to a model, so they are skipped. This module turns
the OTLP JSON of a trace export (``{"resourceSpans": [...]}``, as written by the
SDK's file exporter, the Collector's file exporter and Jaeger's v3 API) into
:class:`LlmCall` values. The decoder is tolerant: integers may arrive as JSON
strings (proto3 JSON maps int64 that way), enums as numbers or names, and a
missing field becomes ``None`` rather than an error.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import (
    error_attributes,
    http_attributes,
    service_attributes,
)

from otel_agent import attributes as agent_attributes

__all__ = ["NOT_TRACES_DATA", "LlmCall", "calls_from_traces_data", "decode_any_value"]

NOT_TRACES_DATA = "no resourceSpans list"
"""Message of the ValueError for JSON that is not a trace export."""

_HTTP_TOO_MANY_REQUESTS = 429
# Span status codes as the OTLP protobuf enum numbers them.
_STATUS_NAMES = {0: "unset", 1: "ok", 2: "error"}
_STATUS_BY_ENUM_NAME = {
    "STATUS_CODE_UNSET": "unset",
    "STATUS_CODE_OK": "ok",
    "STATUS_CODE_ERROR": "error",
}
_Operation = gen_ai.GenAiOperationNameValues
# Operations that group or act around model calls rather than call a model.
_NOT_MODEL_CALLS = frozenset(
    operation.value
    for operation in (
        _Operation.CREATE_AGENT,
        _Operation.INVOKE_AGENT,
        _Operation.INVOKE_WORKFLOW,
        _Operation.EXECUTE_TOOL,
    )
)
# error.type values that mean the provider refused the call for rate limits.
_RATE_LIMIT_ERROR_MARKERS = ("429", "ratelimit", "rate_limit", "too_many_requests")


@dataclass(frozen=True)
class LlmCall:
    """One LLM call (a GenAI span) with the fields the query views use.

    ``attributes`` keeps every span attribute, decoded to Python scalars or
    lists, so that filters can test any key; the named fields are shortcuts for
    the keys otel-agent and the GenAI conventions define.
    ``throttled_attempts`` counts the HTTP attempts inside the call that were
    answered 429 (``otel_agent.request.attempt`` events), retried ones included.
    ``retry_after_s`` is the span's own retry delay, or else the delay the last
    429 attempt asked for (a call that succeeded after a retried 429).
    """

    trace_id: str
    span_id: str
    name: str
    service: str
    start_ns: int
    end_ns: int
    operation: str
    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    remaining_tokens: int | None = None
    limit_tokens: int | None = None
    retry_after_s: float | None = None
    policy_id: str | None = None
    http_status_code: int | None = None
    error_type: str | None = None
    status: str = "unset"
    throttled_attempts: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict, repr=False, hash=False)

    @property
    def start(self) -> datetime:
        """Start time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start_ns / 1e9, tz=timezone.utc)

    @property
    def duration_s(self) -> float:
        """Wall-clock duration in seconds."""
        return max(self.end_ns - self.start_ns, 0) / 1e9

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens, counting a missing side as zero."""
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def rate_limited(self) -> bool:
        """True when the provider answered 429 (by status code or error type)."""
        if self.http_status_code == _HTTP_TOO_MANY_REQUESTS:
            return True
        error_type = (self.error_type or "").lower()
        return any(marker in error_type for marker in _RATE_LIMIT_ERROR_MARKERS)

    @property
    def responses_429(self) -> int:
        """HTTP 429 answers this call received, retried attempts included."""
        return max(self.throttled_attempts, int(self.rate_limited))

    @property
    def outcome(self) -> str:
        """``429``, ``error`` or ``ok``: the status column of the views."""
        if self.rate_limited:
            return "429"
        if self.status == "error" or self.error_type:
            return "error"
        return "ok"


def decode_any_value(value: Mapping[str, Any]) -> Any:
    """Decode one OTLP JSON ``AnyValue`` to a Python value.

    Integers encoded as strings become ``int``; an unknown shape becomes None.
    """
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return _decode_double(value["doubleValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "arrayValue" in value:
        items = value["arrayValue"].get("values") or []
        return [decode_any_value(item) for item in items]
    if "kvlistValue" in value:
        return _decode_attributes(value["kvlistValue"].get("values") or [])
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def calls_from_traces_data(data: Mapping[str, Any]) -> Iterator[LlmCall]:
    """Yield the LLM calls in one OTLP JSON ``TracesData`` object.

    Raises:
        ValueError: the object is not shaped like ``TracesData``.
    """
    resource_spans = data.get("resourceSpans")
    if not isinstance(resource_spans, list):
        raise ValueError(NOT_TRACES_DATA)
    for resource_span in resource_spans:
        resource = resource_span.get("resource") or {}
        resource_attributes = _decode_attributes(resource.get("attributes") or [])
        service = str(resource_attributes.get(service_attributes.SERVICE_NAME, ""))
        for scope_span in resource_span.get("scopeSpans") or []:
            for span in scope_span.get("spans") or []:
                call = _call_from_span(span, service)
                if call is not None:
                    yield call


def _call_from_span(span: Mapping[str, Any], service: str) -> LlmCall | None:
    attrs = _decode_attributes(span.get("attributes") or [])
    operation = attrs.get(gen_ai.GEN_AI_OPERATION_NAME)
    if operation is None or operation in _NOT_MODEL_CALLS:
        return None
    model = attrs.get(gen_ai.GEN_AI_REQUEST_MODEL) or attrs.get(
        gen_ai.GEN_AI_RESPONSE_MODEL, ""
    )
    error_type = attrs.get(error_attributes.ERROR_TYPE)
    throttled, attempt_retry_after = _throttled_attempts(span.get("events") or [])
    retry_after = _as_float(attrs.get(agent_attributes.RATE_LIMIT_RETRY_AFTER))
    return LlmCall(
        trace_id=_decode_id(span.get("traceId", "")),
        span_id=_decode_id(span.get("spanId", "")),
        name=str(span.get("name", "")),
        service=service,
        start_ns=int(span.get("startTimeUnixNano") or 0),
        end_ns=int(span.get("endTimeUnixNano") or 0),
        operation=str(operation),
        model=str(model),
        input_tokens=_as_int(attrs.get(gen_ai.GEN_AI_USAGE_INPUT_TOKENS)),
        output_tokens=_as_int(attrs.get(gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS)),
        remaining_tokens=_as_int(
            attrs.get(agent_attributes.RATE_LIMIT_REMAINING_TOKENS)
        ),
        limit_tokens=_as_int(attrs.get(agent_attributes.RATE_LIMIT_LIMIT_TOKENS)),
        retry_after_s=attempt_retry_after if retry_after is None else retry_after,
        policy_id=_as_str(attrs.get(agent_attributes.RATE_LIMIT_POLICY_ID)),
        http_status_code=_as_int(attrs.get(http_attributes.HTTP_RESPONSE_STATUS_CODE)),
        error_type=_as_str(error_type),
        status=_decode_status(span.get("status") or {}),
        throttled_attempts=throttled,
        attributes=attrs,
    )


def _throttled_attempts(events: list[Mapping[str, Any]]) -> tuple[int, float | None]:
    """The 429 attempt events: how many, and the retry delay the last one asked."""
    count = 0
    retry_after: float | None = None
    for event in events:
        if event.get("name") != agent_attributes.REQUEST_ATTEMPT_EVENT:
            continue
        event_attributes = _decode_attributes(event.get("attributes") or [])
        status = event_attributes.get(http_attributes.HTTP_RESPONSE_STATUS_CODE)
        if _as_int(status) != _HTTP_TOO_MANY_REQUESTS:
            continue
        count += 1
        delay = _as_float(event_attributes.get(agent_attributes.RATE_LIMIT_RETRY_AFTER))
        retry_after = delay if delay is not None else retry_after
    return count, retry_after


def _decode_attributes(key_values: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {kv["key"]: decode_any_value(kv.get("value") or {}) for kv in key_values}


def _decode_double(raw: Any) -> float:
    # proto3 JSON writes non-finite doubles as the strings "NaN", "Infinity";
    # float() reads both spellings.
    return float(raw)


def _decode_status(status: Mapping[str, Any]) -> str:
    code = status.get("code", 0)
    if isinstance(code, str):
        return _STATUS_BY_ENUM_NAME.get(code, code.lower())
    return _STATUS_NAMES.get(int(code), "unset")


def _decode_id(raw: str) -> str:
    # OTLP JSON uses lowercase hex; proto3 JSON from some encoders uses base64.
    if len(raw) in (16, 32) and all(c in "0123456789abcdefABCDEF" for c in raw):
        return raw.lower()
    try:
        return base64.b64decode(raw, validate=True).hex()
    except (binascii.Error, ValueError):
        return raw


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_str(value: Any) -> str | None:
    return None if value is None else str(value)
