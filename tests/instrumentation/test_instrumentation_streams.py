"""A stream's span ends exactly once, however the consumer stops."""

from __future__ import annotations

import gc
import logging
from typing import Any

import litellm
import pytest
from _instrumentation_calls import Case, call_kwargs

ABANDONED = "otel_agent.stream.abandoned"


def _open_stream(server: Any, key: str) -> Any:
    case = Case("sync", "chat", "azure", stream=True)
    return litellm.completion(**call_kwargs(server, case, key))


def test_stream_exhausted_then_closed_ends_once(
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    fake_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream = _open_stream(azure_server, fake_key)

    with caplog.at_level(logging.WARNING, logger="opentelemetry"):
        chunks = list(stream)
        stream.close()
        del stream
        gc.collect()

    (span,) = spans.spans()
    assert chunks
    assert ABANDONED not in span.attributes
    assert not [r for r in caplog.records if "already ended" in r.getMessage()]


def test_stream_closed_early_ends_span_abandoned(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    stream = _open_stream(azure_server, fake_key)

    next(stream)
    assert spans.spans() == []
    stream.close()

    (span,) = spans.spans()
    assert span.attributes[ABANDONED] is True
    assert span.status_code == 0
    # A partial stream has no usage, and no estimate passed off as one.
    assert not [k for k in span.attributes if k.startswith("gen_ai.usage.")]
    assert "otel_agent.usage.estimated" not in span.attributes


def test_stream_dropped_unfinished_ends_span(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    stream = _open_stream(azure_server, fake_key)
    for _chunk in stream:
        break

    del stream
    gc.collect()

    (span,) = spans.spans()
    assert span.attributes[ABANDONED] is True


def test_stream_with_block_exit_ends_span(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    with _open_stream(azure_server, fake_key) as stream:
        next(stream)

    (span,) = spans.spans()
    assert span.attributes[ABANDONED] is True


def test_stream_proxy_forwards_wrapper_attributes(
    instrumentor: Any, azure_server: Any, fake_key: str
) -> None:
    stream = _open_stream(azure_server, fake_key)

    assert isinstance(stream, litellm.CustomStreamWrapper)
    assert stream.logging_obj is not None
    list(stream)


async def test_async_stream_closed_early_ends_span_abandoned(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    case = Case("async", "chat", "azure", stream=True)
    stream = await litellm.acompletion(**call_kwargs(azure_server, case, fake_key))

    async for _chunk in stream:
        break
    await stream.aclose()

    (span,) = spans.spans()
    assert span.attributes[ABANDONED] is True
