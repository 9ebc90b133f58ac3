"""Inputs seen to break GenAI instrumentations in real use (odd headers, huge
prompts, unusual LiteLLM arguments), each reproduced against the local server;
the right value is the assertion."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import litellm
import openai
import pytest
from _instrumentation_calls import Case, call_kwargs, run_call
from _local_azure import CHAT_DEPLOYMENT, EMBEDDINGS_DEPLOYMENT, generous_config
from opentelemetry.instrumentation.auto_instrumentation import _load
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from otel_agent.server import count_chat_prompt_tokens, count_text_tokens

FIELD_HEADERS = {
    "x-ratelimit-remaining-tokens": "4242",
    "retry-after": "0",
    "anthropic-ratelimit-tokens-remaining": "4242",
    "x-ratelimit-reset-tokens": "6ms",
}


def _messages_of_prompt_tokens(tokens: int) -> list[dict[str, str]]:
    """A one-message chat the server counts as exactly ``tokens`` prompt tokens."""
    words: list[str] = []
    while True:
        messages = [{"role": "user", "content": " ".join(words)}]
        counted = count_chat_prompt_tokens(messages)
        if counted == tokens:
            return messages
        assert counted < tokens, "cannot hit the count exactly"
        words.append("a")


async def test_stream_with_include_usage_span_has_usage_of_final_chunk(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    """Usage arrives in a last chunk whose ``choices`` is empty."""
    case = Case("sync", "chat", "azure", stream=True)

    outcome = await run_call(case, call_kwargs(azure_server, case, fake_key))

    usage_chunks = [c for c in outcome.chunks if getattr(c, "usage", None)]
    assert [c.choices for c in usage_chunks] == [[]]
    (record,) = azure_server.calls
    (span,) = spans.llm_spans()
    assert span.attributes["gen_ai.usage.input_tokens"] == record.usage["prompt_tokens"]
    assert (
        span.attributes["gen_ai.usage.output_tokens"]
        == record.usage["completion_tokens"]
    )
    assert "otel_agent.usage.estimated" not in span.attributes


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_stream_without_include_usage_marks_litellm_estimate(
    mode: str,
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    metrics: Any,
    fake_key: str,
) -> None:
    """The provider sent no usage; LiteLLM's count is marked estimated."""
    case = Case(mode, "chat", "azure", stream=True)
    kwargs = call_kwargs(azure_server, case, fake_key)
    del kwargs["stream_options"]

    outcome = await run_call(case, kwargs)

    (record,) = azure_server.calls
    assert record.usage is None
    estimate = litellm.stream_chunk_builder(
        outcome.chunks, messages=kwargs["messages"]
    ).usage
    (span,) = spans.llm_spans()
    assert span.attributes["otel_agent.usage.estimated"] is True
    assert span.attributes["gen_ai.usage.input_tokens"] == estimate.prompt_tokens
    assert span.attributes["gen_ai.usage.output_tokens"] == estimate.completion_tokens
    token_points = metrics.points()["gen_ai.client.token.usage"]
    assert {attrs["otel_agent.usage.estimated"] for attrs, _ in token_points} == {True}


async def test_two_calls_in_agent_step_get_own_child_spans(
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    tracer_provider: Any,
    fake_key: str,
) -> None:
    """Sync: two calls of 100 input tokens in one application span."""
    case = Case("sync", "chat", "azure")
    kwargs = call_kwargs(
        azure_server, case, fake_key, messages=_messages_of_prompt_tokens(100)
    )
    tracer = tracer_provider.get_tracer("agent")

    with tracer.start_as_current_span("agent.step"):
        litellm.completion(**kwargs)
        litellm.completion(**kwargs)

    step, first, second = spans.spans()
    assert step.name == "agent.step"
    assert step.attributes == {}
    for child in (first, second):
        assert child.parent_span_id == step.span_id
        assert child.attributes["gen_ai.usage.input_tokens"] == 100
    assert first.span_id != second.span_id


async def test_acompletion_after_agent_step_ended_keeps_step_untouched(
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    tracer_provider: Any,
    fake_key: str,
) -> None:
    """Async: ``agent.step`` ends before LiteLLM's callbacks run."""
    case = Case("async", "chat", "azure")
    kwargs = call_kwargs(
        azure_server, case, fake_key, messages=_messages_of_prompt_tokens(100)
    )
    tracer = tracer_provider.get_tracer("agent")

    step_span = tracer.start_span("agent.step")
    from opentelemetry import trace

    with trace.use_span(step_span, end_on_exit=True):
        first = await litellm.acompletion(**kwargs)
        second = await litellm.acompletion(**kwargs)
    assert not step_span.is_recording()
    await litellm.acompletion(**kwargs)  # callbacks of the first two run meanwhile

    step, *children = spans.spans()
    assert step.name == "agent.step"
    assert step.attributes == {}
    assert [c.parent_span_id == step.span_id for c in children] == [True, True, False]
    assert [c.attributes["gen_ai.usage.input_tokens"] for c in children] == [100] * 3
    assert [c.attributes["gen_ai.response.id"] for c in children[:2]] == [
        first.id,
        second.id,
    ]


@pytest.mark.parametrize(
    "case",
    [
        Case("sync", "chat", "azure"),
        Case("sync", "chat", "azure", stream=True),
        Case("async", "chat", "azure", stream=True),
        Case("sync", "embeddings", "azure"),
        Case("async", "embeddings", "azure"),
    ],
    ids=lambda case: case.id,
)
async def test_field_headers_reach_span_typed(
    case: Case, instrumentor: Any, make_azure_server: Any, spans: Any, fake_key: str
) -> None:
    """Headers LiteLLM keeps only as ``llm_provider-`` copies, or not on
    stream chunks at all, reach the span as typed scalars."""
    server = make_azure_server(generous_config(extra_headers=FIELD_HEADERS))

    outcome = await run_call(case, call_kwargs(server, case, fake_key))

    assert outcome.exception is None
    (span,) = spans.llm_spans()
    rate_limit = {
        key: value
        for key, value in span.attributes.items()
        if key.startswith("otel_agent.rate_limit.")
    }
    (record,) = server.calls
    assert rate_limit == {
        "otel_agent.rate_limit.remaining_tokens": 4242,
        "otel_agent.rate_limit.retry_after_s": 0.0,
        "otel_agent.rate_limit.reset_tokens_s": 0.006,
        "otel_agent.rate_limit.limit_tokens": int(
            record.headers["x-ratelimit-limit-tokens"]
        ),
        "otel_agent.rate_limit.limit_requests": int(
            record.headers["x-ratelimit-limit-requests"]
        ),
        "otel_agent.rate_limit.remaining_requests": int(
            record.headers["x-ratelimit-remaining-requests"]
        ),
    }


async def test_openai_sdk_without_httpx_spans_litellm_span_complete(
    instrumentor: Any,
    azure_server: Any,
    spans: Any,
    tracer_provider: Any,
    fake_key: str,
) -> None:
    """The openai 3.x SDK sends through httpx2, so the httpx instrumentation
    sees nothing of a direct SDK call; a LiteLLM call's span is complete."""
    HTTPXClientInstrumentor().instrument(tracer_provider=tracer_provider)
    try:
        client = openai.OpenAI(base_url=azure_server.openai_base_url, api_key=fake_key)
        client.chat.completions.create(
            model=CHAT_DEPLOYMENT, messages=[{"role": "user", "content": "hi"}]
        )
        assert spans.spans() == []

        case = Case("sync", "chat", "openai")
        await run_call(case, call_kwargs(azure_server, case, fake_key))
    finally:
        HTTPXClientInstrumentor().uninstrument()

    # LiteLLM hands the SDK a legacy httpx client, so its request does make an
    # httpx span, nested under the LLM span that was current.
    (span,) = spans.llm_spans()
    http_spans = [s for s in spans.spans() if s.span_id != span.span_id]
    assert [s.parent_span_id for s in http_spans] == [span.span_id] * len(http_spans)
    record = azure_server.calls[-1]
    assert span.attributes["gen_ai.usage.input_tokens"] == record.usage["prompt_tokens"]
    assert span.attributes["otel_agent.rate_limit.remaining_tokens"] == int(
        record.headers["x-ratelimit-remaining-tokens"]
    )


async def test_embedding_span_has_input_tokens_and_chat_rate_limit_keys(
    instrumentor: Any, azure_server: Any, spans: Any, fake_key: str
) -> None:
    """An embedding of 5 prompt tokens, and the same headroom keys as chat."""
    text = "one two three four five"
    assert count_text_tokens(text) == 5
    embeddings = Case("sync", "embeddings", "azure")
    chat = Case("sync", "chat", "azure")

    await run_call(
        embeddings, call_kwargs(azure_server, embeddings, fake_key, input=text)
    )
    await run_call(chat, call_kwargs(azure_server, chat, fake_key))

    embedding_record, _ = azure_server.calls
    assert embedding_record.usage["prompt_tokens"] == 5
    embedding_span, chat_span = spans.llm_spans()
    assert embedding_span.name == f"embeddings {EMBEDDINGS_DEPLOYMENT}"
    assert embedding_span.attributes["gen_ai.usage.input_tokens"] == 5
    assert "gen_ai.usage.output_tokens" not in embedding_span.attributes

    def rate_limit_keys(span: Any) -> set[str]:
        return {k for k in span.attributes if k.startswith("otel_agent.rate_limit.")}

    assert rate_limit_keys(embedding_span) == rate_limit_keys(chat_span)
    assert len(rate_limit_keys(chat_span)) == 4


class _RecordingDistro:
    """Stands in for the distro: records which instrumentors would load."""

    def __init__(self) -> None:
        self.loaded: list[str] = []

    def load_instrumentor(self, entry_point: Any, **kwargs: Any) -> None:
        self.loaded.append(entry_point.name)


@pytest.fixture
def future_litellm_distribution(tmp_path: Path) -> Any:
    """A throwaway distribution whose instrumentor needs ``litellm >= 99``."""
    module = "otel_agent_test_future_instrumentor"
    (tmp_path / f"{module}.py").write_text("raise RuntimeError('imported')\n")
    dist_info = tmp_path / "future_litellm_instrumentor-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        textwrap.dedent(
            """\
            Metadata-Version: 2.1
            Name: future-litellm-instrumentor
            Version: 1.0
            Provides-Extra: instruments
            Requires-Dist: litellm>=99; extra == "instruments"
            """
        )
    )
    (dist_info / "entry_points.txt").write_text(
        f"[opentelemetry_instrumentor]\nfuture_litellm = {module}:Instrumentor\n"
    )
    sys.path.insert(0, str(tmp_path))
    yield module
    sys.path.remove(str(tmp_path))
    sys.modules.pop(module, None)


def test_auto_instrumentation_skips_instrumentor_for_future_litellm(
    future_litellm_distribution: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unsupported LiteLLM version: the instrumentor is skipped, never imported."""
    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)
    distro = _RecordingDistro()

    _load._load_instrumentors(distro)

    assert "future_litellm" not in distro.loaded
    assert future_litellm_distribution not in sys.modules
    assert "litellm" in distro.loaded


def test_auto_instrumentation_disabled_by_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "litellm")
    distro = _RecordingDistro()

    _load._load_instrumentors(distro)

    assert "litellm" not in distro.loaded
