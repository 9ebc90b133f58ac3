"""Instrumenting and uninstrumenting, and the callers that reach LiteLLM
indirectly: ``litellm.Router`` and smolagents' ``LiteLLMModel``."""

from __future__ import annotations

import logging
from typing import Any

import litellm
import pytest
import wrapt
from _instrumentation_calls import Case, call_kwargs, run_call
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT, generous_config
from opentelemetry.instrumentation.utils import suppress_instrumentation
from smolagents import LiteLLMModel, MultiStepAgent, ToolCallingAgent, tool
from smolagents.models import ChatMessage, MessageRole

from otel_agent.instrumentation import LiteLLMInstrumentor
from otel_agent.server import ScriptStep, ToolCall

LITELLM_FUNCTIONS = [
    "completion",
    "acompletion",
    "embedding",
    "aembedding",
    "text_completion",
    "atext_completion",
]


async def test_instrument_twice_one_span_per_call(
    instrumentor: LiteLLMInstrumentor,
    tracer_provider: Any,
    meter_provider: Any,
    azure_server: Any,
    spans: Any,
    fake_key: str,
) -> None:
    instrumentor.instrument(
        tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    case = Case("sync", "chat", "azure")

    await run_call(case, call_kwargs(azure_server, case, fake_key))

    assert len(spans.spans()) == 1


async def test_uninstrument_restores_functions_and_stops_spans(
    instrumentor: LiteLLMInstrumentor, azure_server: Any, spans: Any, fake_key: str
) -> None:
    assert all(
        isinstance(getattr(litellm, name), wrapt.FunctionWrapper)
        for name in LITELLM_FUNCTIONS
    )
    assert isinstance(vars(MultiStepAgent)["run"], wrapt.FunctionWrapper)

    instrumentor.uninstrument()
    instrumentor.uninstrument()
    case = Case("sync", "chat", "azure")
    outcome = await run_call(case, call_kwargs(azure_server, case, fake_key))

    assert outcome.exception is None
    assert not any(
        isinstance(getattr(litellm, name), wrapt.FunctionWrapper)
        for name in LITELLM_FUNCTIONS
    )
    assert not isinstance(vars(MultiStepAgent)["run"], wrapt.FunctionWrapper)
    assert spans.spans() == []


async def test_suppressed_instrumentation_makes_no_span(
    instrumentor: LiteLLMInstrumentor, azure_server: Any, spans: Any, fake_key: str
) -> None:
    case = Case("sync", "chat", "azure")

    with suppress_instrumentation():
        outcome = await run_call(case, call_kwargs(azure_server, case, fake_key))

    assert outcome.exception is None
    assert spans.spans() == []


async def test_litellm_otel_callback_removed_with_one_warning(
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    spans: Any,
    fake_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    litellm.callbacks.append("otel")
    case = Case("sync", "chat", "azure")

    with caplog.at_level(logging.WARNING, logger="otel_agent"):
        for _ in range(2):
            await run_call(case, call_kwargs(azure_server, case, fake_key))

    assert "otel" not in litellm.callbacks
    assert len(spans.spans()) == 2
    warnings = [r for r in caplog.records if "'otel' callback" in r.getMessage()]
    assert len(warnings) == 1
    instrumentor.uninstrument()
    assert "otel" in litellm.callbacks


def _router(server: Any, api_key: str) -> litellm.Router:
    return litellm.Router(
        model_list=[
            {
                "model_name": "agent-model",
                "litellm_params": {
                    "model": f"azure/{CHAT_DEPLOYMENT}",
                    "api_base": server.base_url,
                    "api_key": api_key,
                    "api_version": AZURE_API_VERSION,
                },
            }
        ]
    )


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_router_calls_get_llm_span_under_caller(
    mode: str,
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    spans: Any,
    tracer_provider: Any,
    fake_key: str,
) -> None:
    router = _router(azure_server, fake_key)
    messages = [{"role": "user", "content": "Route me."}]

    with tracer_provider.get_tracer("agent").start_as_current_span("agent.step"):
        if mode == "sync":
            router.completion(model="agent-model", messages=messages)
        else:
            await router.acompletion(model="agent-model", messages=messages)

    step, llm = spans.spans()
    (record,) = azure_server.calls
    assert llm.parent_span_id == step.span_id
    assert llm.name == f"chat {CHAT_DEPLOYMENT}"
    assert llm.attributes["gen_ai.provider.name"] == "azure.ai.openai"
    assert llm.attributes["gen_ai.usage.input_tokens"] == record.usage["prompt_tokens"]
    assert llm.attributes["otel_agent.rate_limit.remaining_tokens"] == int(
        record.headers["x-ratelimit-remaining-tokens"]
    )


@pytest.mark.parametrize("streaming", [False, True])
def test_smolagents_litellm_model_calls_traced(
    streaming: bool,
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    spans: Any,
    fake_key: str,
) -> None:
    model = LiteLLMModel(
        model_id=f"azure/{CHAT_DEPLOYMENT}",
        api_base=azure_server.base_url,
        api_key=fake_key,
        api_version=AZURE_API_VERSION,
    )
    messages = [
        ChatMessage(role=MessageRole.USER, content=[{"type": "text", "text": "Hi"}])
    ]

    if streaming:
        deltas = list(model.generate_stream(messages))
        reported = [d.token_usage for d in deltas if d.token_usage]
        input_tokens = reported[-1].input_tokens
    else:
        input_tokens = model.generate(messages).token_usage.input_tokens

    (record,) = azure_server.calls
    (span,) = spans.spans()
    assert input_tokens == record.usage["prompt_tokens"]
    assert span.attributes["gen_ai.usage.input_tokens"] == input_tokens
    assert (
        span.attributes["gen_ai.usage.output_tokens"]
        == record.usage["completion_tokens"]
    )
    assert span.attributes.get("gen_ai.request.stream", False) is streaming


async def test_completion_with_acompletion_flag_traced_as_async(
    instrumentor: LiteLLMInstrumentor, azure_server: Any, spans: Any, fake_key: str
) -> None:
    case = Case("sync", "chat", "azure")

    pending = litellm.completion(
        **call_kwargs(azure_server, case, fake_key), acompletion=True
    )
    assert spans.spans() == []
    response = await pending

    (record,) = azure_server.calls
    (span,) = spans.spans()
    assert span.attributes["gen_ai.response.id"] == response.id
    assert span.attributes["gen_ai.usage.input_tokens"] == record.usage["prompt_tokens"]


def test_smolagents_agent_run_one_trace_llm_spans_under_agent(
    instrumentor: LiteLLMInstrumentor, make_azure_server: Any, spans: Any, fake_key: str
) -> None:
    server = make_azure_server(
        generous_config(
            script=[
                ScriptStep(tool_calls=[ToolCall("lookup", {"order_id": "NW-1"})]),
                ScriptStep(tool_calls=[ToolCall("final_answer", {"answer": "Out"})]),
            ]
        )
    )

    @tool
    def lookup(order_id: str) -> str:
        """Look up an order.

        Args:
            order_id: The order number.
        """
        return "out for delivery"

    agent = ToolCallingAgent(
        tools=[lookup],
        model=LiteLLMModel(
            model_id=f"azure/{CHAT_DEPLOYMENT}",
            api_base=server.base_url,
            api_key=fake_key,
            api_version=AZURE_API_VERSION,
        ),
        max_steps=3,
        verbosity_level=0,
        name="harbor",
    )

    answer = agent.run("Where is NW-1?")

    assert answer == "Out"
    agent_span, *llm_spans = spans.spans()
    assert agent_span.name == "invoke_agent harbor"
    assert agent_span.attributes == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "harbor",
    }
    assert len(llm_spans) == len(server.calls) == 2
    assert {s.trace_id for s in spans.spans()} == {agent_span.trace_id}
    assert [s.parent_span_id for s in llm_spans] == [agent_span.span_id] * 2
    assert [s.attributes["gen_ai.usage.input_tokens"] for s in llm_spans] == [
        record.usage["prompt_tokens"] for record in server.calls
    ]
