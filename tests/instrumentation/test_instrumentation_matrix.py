"""The call matrix: sync and async, streaming and not, chat, embeddings and text
completion, ``azure/`` and ``openai/``, against every server outcome.

Each test asserts the whole attribute set of the exported LLM span, with token
numbers equal to the usage the server recorded sending.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from _instrumentation_calls import (
    Case,
    base_attributes,
    call_kwargs,
    qualified_name,
    rate_limit_attributes,
    response_model,
    run_call,
    success_attributes,
    without_timing,
)

from otel_agent.server import Fault

ERROR = 2  # OTLP Status.STATUS_CODE_ERROR
UNSET = 0

_SHAPES = (
    ("chat", False),
    ("chat", True),
    ("text_completion", False),
    ("text_completion", True),
    ("embeddings", False),
)
SUCCESS_CASES = [
    Case(mode, operation, layout, stream)
    for mode, layout, (operation, stream) in itertools.product(
        ("sync", "async"), ("azure", "openai"), _SHAPES
    )
]
# Failures: chat whole, chat streamed and embeddings, both modes, both layouts.
FAILURE_CASES = [
    Case(mode, operation, layout, stream)
    for mode, layout, (operation, stream) in itertools.product(
        ("sync", "async"),
        ("azure", "openai"),
        (("chat", False), ("chat", True), ("embeddings", False)),
    )
]
STREAM_CASES = [
    Case(mode, operation, layout, True)
    for mode, layout, operation in itertools.product(
        ("sync", "async"), ("azure", "openai"), ("chat", "text_completion")
    )
]

# (name, fault, exception LiteLLM raises, HTTP status on the span, extra kwargs)
FAILURES: list[tuple[str, Callable[[], Fault], Any, int, dict[str, Any]]] = [
    (
        "429",
        lambda: Fault.rate_limited(None, retry_after=0.01),
        litellm.RateLimitError,
        429,
        {},
    ),
    ("401", lambda: Fault.unauthorized(), litellm.AuthenticationError, 401, {}),
    (
        "5xx",
        lambda: Fault.server_error(500),
        # LiteLLM maps Azure's 500 to APIError, OpenAI's to InternalServerError.
        (litellm.InternalServerError, litellm.APIError),
        500,
        {},
    ),
    (
        "timeout",
        lambda: Fault.latency(1.0),
        litellm.Timeout,
        408,
        {"timeout": 0.2},
    ),
]


def _ids(cases: list[Case]) -> list[str]:
    return [case.id for case in cases]


@pytest.mark.parametrize("case", SUCCESS_CASES, ids=_ids(SUCCESS_CASES))
async def test_call_success_span_matches_server(
    case: Case, instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    outcome = await run_call(case, call_kwargs(azure_server, case, fake_key))

    assert outcome.exception is None
    (record,) = azure_server.calls
    (span,) = spans.llm_spans()
    assert span.name == f"{case.operation} {case.deployment}"
    assert span.kind == 3  # SPAN_KIND_CLIENT
    assert span.status_code == UNSET
    assert without_timing(span.attributes) == success_attributes(
        azure_server, case, outcome, record
    )
    assert ("gen_ai.response.time_to_first_chunk" in span.attributes) == case.stream
    assert [
        (e.name, e.attributes["http.response.status_code"]) for e in span.events
    ] == [("otel_agent.request.attempt", 200)]


@pytest.mark.parametrize(
    ("name", "fault", "exception_type", "status", "extra"),
    FAILURES,
    ids=[failure[0] for failure in FAILURES],
)
@pytest.mark.parametrize("case", FAILURE_CASES, ids=_ids(FAILURE_CASES))
async def test_call_failure_span_has_error_and_limits(
    case: Case,
    name: str,
    fault: Callable[[], Fault],
    exception_type: Any,
    status: int,
    extra: dict[str, Any],
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    fake_key: str,
) -> None:
    azure_server.inject(fault())
    # num_retries reaches the openai SDK for chat; LiteLLM's openai/ embeddings
    # ignore both and keep the SDK's two retries, so every attempt fails.
    kwargs = call_kwargs(
        azure_server, case, fake_key, num_retries=0, max_retries=0, **extra
    )

    outcome = await run_call(case, kwargs)

    assert isinstance(outcome.exception, exception_type)
    (span,) = spans.llm_spans()
    assert span.status_code == ERROR
    attempts = len(span.events)
    expected = base_attributes(azure_server, case)
    expected["error.type"] = qualified_name(outcome.exception)
    expected["http.response.status_code"] = status
    expected["otel_agent.request.attempts"] = attempts
    if name != "timeout":
        records = azure_server.calls
        assert len(records) == attempts
        expected.update(rate_limit_attributes(records[-1]))
    assert span.attributes == expected
    for number, event in enumerate(span.events, start=1):
        assert event.attributes["otel_agent.request.attempt.number"] == number
        if name == "timeout":
            assert event.attributes["error.type"].endswith("Timeout")
        else:
            assert event.attributes["http.response.status_code"] == status


@pytest.mark.parametrize("case", FAILURE_CASES, ids=_ids(FAILURE_CASES))
async def test_call_429_then_success_records_both_attempts(
    case: Case, instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    azure_server.inject(Fault.rate_limited(1, retry_after=0.01))
    kwargs = call_kwargs(azure_server, case, fake_key, num_retries=1)

    outcome = await run_call(case, kwargs)

    assert outcome.exception is None
    refused, answered = azure_server.calls
    assert refused.status == 429
    (span,) = spans.llm_spans()
    assert span.status_code == UNSET
    assert without_timing(span.attributes) == success_attributes(
        azure_server, case, outcome, answered, attempts=2
    )
    first, second = span.events
    assert first.attributes == {
        "otel_agent.request.attempt.number": 1,
        "http.response.status_code": 429,
        "error.type": "429",
        **rate_limit_attributes(refused),
        "otel_agent.request.attempt.retry_delay_s": 0.01,
    }
    assert second.attributes == {
        "otel_agent.request.attempt.number": 2,
        "http.response.status_code": 200,
        **rate_limit_attributes(answered),
    }
    assert first.time_unix_nano < second.time_unix_nano


@pytest.mark.parametrize("case", STREAM_CASES, ids=_ids(STREAM_CASES))
async def test_stream_cut_midway_ends_span_with_error(
    case: Case, instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    azure_server.inject(Fault.stream_cut(after_chunks=2, count=1))
    kwargs = call_kwargs(azure_server, case, fake_key, num_retries=0)

    outcome = await run_call(case, kwargs)

    (record,) = azure_server.calls
    assert not record.completed
    assert outcome.exception is not None
    (span,) = spans.llm_spans()
    assert span.status_code == ERROR
    expected = base_attributes(azure_server, case)
    expected.update(rate_limit_attributes(record))
    expected["error.type"] = qualified_name(outcome.exception)
    expected["otel_agent.request.attempts"] = 1
    if outcome.chunks:
        expected["gen_ai.response.id"] = outcome.response_id
        expected["gen_ai.response.model"] = response_model(azure_server, case)
    status = getattr(outcome.exception, "status_code", None)
    if status is not None:
        expected["http.response.status_code"] = status
    assert without_timing(span.attributes) == expected
