"""Telemetry faults never reach the caller.

Each test breaks one step of one wrapper path (before the call, after it, the
error path, per stream chunk, at stream end, the attempt and retry-delay hooks,
the LiteLLM callback scan, the agent-run span's start and end) and shows the
caller gets the same value, or the same exception, as without instrumentation.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import litellm
import pytest
from _instrumentation_calls import Case, call_kwargs, run_call
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT, generous_config
from opentelemetry import context
from smolagents import LiteLLMModel, ToolCallingAgent

from otel_agent.instrumentation import (
    _attempts,
    _call,
    _response_attributes,
    _smolagents,
    _wrappers,
)
from otel_agent.server import Fault, ScriptStep, ToolCall

REPLY = "The reply the server was scripted to give."


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("telemetry bug")


@pytest.fixture
def scripted_server(make_azure_server: Any) -> Any:
    return make_azure_server(generous_config(script=[ScriptStep(content=REPLY)]))


# (path, object to patch, attribute): one telemetry step per row.
BROKEN_STEPS = [
    ("before-call", _call, "describe_call"),
    ("after-call", _call, "response_attributes_of"),
    ("attempt-hook", _call.CallRecord, "begin_attempt"),
    ("context", _call.CallRecord, "leave"),
]
STREAM_STEPS = [
    ("per-chunk", _response_attributes.StreamAccumulator, "add"),
    ("stream-end", _call.CallRecord, "finish_stream"),
]
# Hooks that only run when the openai SDK retries: a 429, then the answer.
RETRY_STEPS = [
    ("attempt-end", _attempts, "collect_headers"),
    ("retry-delay", _call.CallRecord, "set_retry_delay"),
]
MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("step", "owner", "name"), BROKEN_STEPS, ids=[s[0] for s in BROKEN_STEPS]
)
async def test_broken_step_call_returns_same_response(
    mode: str,
    step: str,
    owner: Any,
    name: str,
    instrumentor: Any,
    scripted_server: Any,
    spans: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(owner, name, _broken)
    case = Case(mode, "chat", "azure")

    outcome = await run_call(case, call_kwargs(scripted_server, case, fake_key))

    assert outcome.exception is None
    assert outcome.response.choices[0].message.content == REPLY
    (record,) = scripted_server.calls
    assert outcome.response.usage.prompt_tokens == record.usage["prompt_tokens"]
    # A span that was started is ended, whatever broke.
    assert len(spans.spans()) == (0 if step == "before-call" else 1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("step", "owner", "name"),
    [*BROKEN_STEPS, ("error-path", _call, "error_attributes_of")],
    ids=[s[0] for s in BROKEN_STEPS] + ["error-path"],
)
async def test_broken_step_call_raises_same_exception(
    mode: str,
    step: str,
    owner: Any,
    name: str,
    instrumentor: Any,
    scripted_server: Any,
    spans: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(owner, name, _broken)
    scripted_server.inject(Fault.rate_limited(1, retry_after=0.01))
    case = Case(mode, "chat", "azure")

    outcome = await run_call(
        case, call_kwargs(scripted_server, case, fake_key, num_retries=0)
    )

    assert type(outcome.exception) is litellm.RateLimitError
    assert outcome.exception.status_code == 429
    assert len(spans.spans()) == (0 if step == "before-call" else 1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("step", "owner", "name"),
    [*BROKEN_STEPS, *STREAM_STEPS],
    ids=[s[0] for s in [*BROKEN_STEPS, *STREAM_STEPS]],
)
async def test_broken_step_stream_delivers_every_chunk(
    mode: str,
    step: str,
    owner: Any,
    name: str,
    instrumentor: Any,
    scripted_server: Any,
    spans: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(owner, name, _broken)
    case = Case(mode, "chat", "azure", stream=True)

    outcome = await run_call(case, call_kwargs(scripted_server, case, fake_key))
    assert len(spans.spans()) == (0 if step == "before-call" else 1)

    assert outcome.exception is None
    text = "".join(
        c.choices[0].delta.content or "" for c in outcome.chunks if c.choices
    )
    assert text == REPLY
    (record,) = scripted_server.calls
    assert (
        outcome.chunks[-1].usage.completion_tokens == record.usage["completion_tokens"]
    )


@pytest.mark.parametrize("mode", MODES)
async def test_broken_stream_end_cut_stream_raises_same_exception(
    mode: str,
    instrumentor: Any,
    scripted_server: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stream that fails midway raises the same exception with or without us."""
    case = Case(mode, "chat", "azure", stream=True)
    kwargs = call_kwargs(scripted_server, case, fake_key, num_retries=0)
    scripted_server.inject(Fault.stream_cut(after_chunks=2, count=1))
    instrumentor.uninstrument()
    bare = await run_call(case, kwargs)
    instrumentor.instrument()
    monkeypatch.setattr(_call.CallRecord, "finish_stream", _broken)
    scripted_server.inject(Fault.stream_cut(after_chunks=2, count=1))

    traced = await run_call(case, kwargs)

    assert bare.exception is not None
    assert type(traced.exception) is type(bare.exception)
    assert len(traced.chunks) == len(bare.chunks)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("step", "owner", "name"), RETRY_STEPS, ids=[s[0] for s in RETRY_STEPS]
)
async def test_broken_retry_hook_retried_call_returns_same_response(
    mode: str,
    step: str,
    owner: Any,
    name: str,
    instrumentor: Any,
    scripted_server: Any,
    spans: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(owner, name, _broken)
    scripted_server.inject(Fault.rate_limited(1, retry_after=0.01))
    case = Case(mode, "chat", "azure")

    outcome = await run_call(
        case, call_kwargs(scripted_server, case, fake_key, num_retries=1)
    )

    assert outcome.exception is None
    assert outcome.response.choices[0].message.content == REPLY
    refused, answered = scripted_server.calls
    assert refused.status == 429
    assert outcome.response.usage.prompt_tokens == answered.usage["prompt_tokens"]
    assert len(spans.spans()) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_broken_callback_scan_call_returns_same_response_untraced(
    mode: str,
    instrumentor: Any,
    scripted_server: Any,
    spans: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_wrappers, "disable_litellm_otel", _broken)
    case = Case(mode, "chat", "azure")

    outcome = await run_call(case, call_kwargs(scripted_server, case, fake_key))

    assert outcome.exception is None
    assert outcome.response.choices[0].message.content == REPLY
    assert spans.spans() == []


def _agent(server: Any, fake_key: str) -> ToolCallingAgent:
    return ToolCallingAgent(
        tools=[],
        model=LiteLLMModel(
            model_id=f"azure/{CHAT_DEPLOYMENT}",
            api_base=server.base_url,
            api_key=fake_key,
            api_version=AZURE_API_VERSION,
        ),
        max_steps=2,
        verbosity_level=0,
    )


@pytest.fixture
def answering_server(make_azure_server: Any) -> Any:
    return make_azure_server(
        generous_config(
            script=[
                ScriptStep(tool_calls=[ToolCall("final_answer", {"answer": REPLY})])
            ]
        )
    )


def test_broken_agent_span_agent_run_returns_answer(
    instrumentor: Any,
    answering_server: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_smolagents.trace, "set_span_in_context", _broken)
    agent = _agent(answering_server, fake_key)

    assert agent.run("Answer.") == REPLY


def test_broken_agent_span_end_agent_run_returns_answer(
    instrumentor: Any,
    answering_server: Any,
    fake_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def detach_then_fail(token: Any) -> None:
        context.detach(token)  # keep the test's own context clean
        raise RuntimeError("telemetry bug")

    monkeypatch.setattr(
        _smolagents,
        "context",
        SimpleNamespace(attach=context.attach, detach=detach_then_fail),
    )
    agent = _agent(answering_server, fake_key)

    assert agent.run("Answer.") == REPLY
