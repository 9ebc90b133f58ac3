"""Metrics, the rate-limit log line, content capture and credentials, read from
what reaches an exporter."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from _fakes import fake_api_key
from _instrumentation_calls import Case, call_kwargs, run_call
from _local_azure import CHAT_DEPLOYMENT

from otel_agent.environment_variables import (
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
)
from otel_agent.instrumentation import LiteLLMInstrumentor
from otel_agent.server import Fault

DEPLOYMENT_ATTRIBUTES = {
    "gen_ai.provider.name": "azure.ai.openai",
    "gen_ai.request.model": CHAT_DEPLOYMENT,
    "server.address": "127.0.0.1",
}


async def test_metrics_success_and_429_recorded_per_semconv(
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    metrics: Any,
    fake_key: str,
) -> None:
    case = Case("sync", "chat", "azure")
    await run_call(case, call_kwargs(azure_server, case, fake_api_key()))
    azure_server.inject(Fault.rate_limited(1, retry_after=0.01))
    await run_call(case, call_kwargs(azure_server, case, fake_api_key(), num_retries=1))
    azure_server.inject(Fault.rate_limited(1, retry_after=0.01))
    await run_call(case, call_kwargs(azure_server, case, fake_api_key(), num_retries=0))

    points = metrics.points()
    ok_first, refused_retry, ok_retry, refused_final = azure_server.calls
    deployment = {**DEPLOYMENT_ATTRIBUTES, "server.port": azure_server.port}
    common = {
        **deployment,
        "gen_ai.operation.name": "chat",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
    }
    durations = {
        attrs.get("error.type"): value["count"]
        for attrs, value in points["gen_ai.client.operation.duration"]
    }
    assert durations == {None: 2, "litellm.exceptions.RateLimitError": 1}
    tokens = {
        attrs["gen_ai.token.type"]: (attrs, value["sum"], value["count"])
        for attrs, value in points["gen_ai.client.token.usage"]
    }
    assert tokens["input"] == (
        {**common, "gen_ai.token.type": "input"},
        ok_first.usage["prompt_tokens"] + ok_retry.usage["prompt_tokens"],
        2,
    )
    assert tokens["output"][1] == (
        ok_first.usage["completion_tokens"] + ok_retry.usage["completion_tokens"]
    )
    assert points["otel_agent.rate_limit.responses"] == [(deployment, 2)]
    assert points["otel_agent.rate_limit.remaining_tokens"] == [
        (deployment, int(refused_final.headers["x-ratelimit-remaining-tokens"]))
    ]
    assert points["otel_agent.rate_limit.remaining_requests"] == [
        (deployment, int(refused_final.headers["x-ratelimit-remaining-requests"]))
    ]
    assert points["gen_ai.client.token.usage"][0][1]["bounds"][:3] == (1.0, 4.0, 16.0)


@pytest.mark.parametrize(
    ("refusals", "retries", "outcome"),
    [
        (1, {"num_retries": 0}, "not retried"),
        # max_retries goes to the openai SDK only; LiteLLM's own num_retries
        # would retry again after the SDK gave up.
        (2, {"max_retries": 1}, "still rate limited after 2 attempts"),
        (1, {"num_retries": 1}, "succeeded after 2 attempts"),
        (2, {"num_retries": 2}, "succeeded after 3 attempts"),
    ],
    ids=["429-not-retried", "429-retried-429", "retry-succeeded", "retries-succeeded"],
)
async def test_rate_limited_call_logs_one_warning_line(
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    caplog: pytest.LogCaptureFixture,
    refusals: int,
    retries: dict[str, int],
    outcome: str,
) -> None:
    case = Case("sync", "chat", "azure")
    azure_server.inject(Fault.rate_limited(refusals, retry_after=0.01))

    # LiteLLM caches SDK clients without their retry count: a fresh key gets a
    # fresh client, so the retry count holds.
    with caplog.at_level(logging.WARNING, logger="otel_agent.rate_limit"):
        caplog.clear()
        await run_call(
            case,
            call_kwargs(azure_server, case, fake_api_key(), **retries),
        )

    records = [r for r in caplog.records if r.name == "otel_agent.rate_limit"]
    last_refusal = [c for c in azure_server.calls if c.status == 429][-1]
    headers = last_refusal.headers
    assert [c.status for c in azure_server.calls].count(429) == refusals
    assert [(r.levelno, r.exc_info, r.getMessage()) for r in records] == [
        (
            logging.WARNING,
            None,
            f"Rate limited: azure/{CHAT_DEPLOYMENT}, "
            f"tokens {headers['x-ratelimit-remaining-tokens']}/"
            f"{headers['x-ratelimit-limit-tokens']} remaining, "
            f"requests {headers['x-ratelimit-remaining-requests']}/"
            f"{headers['x-ratelimit-limit-requests']} remaining, "
            f"retry after {int(headers['retry-after-ms']) / 1000:.1f}s "
            f"(policy DeploymentRatelimit-Token); {outcome}",
        )
    ]


async def test_call_without_429_logs_no_rate_limit_line(
    instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    case = Case("sync", "chat", "azure")

    with caplog.at_level(logging.WARNING, logger="otel_agent.rate_limit"):
        await run_call(case, call_kwargs(azure_server, case, fake_api_key()))

    assert [c.status for c in azure_server.calls] == [200]
    assert [r for r in caplog.records if r.name == "otel_agent.rate_limit"] == []


@pytest.fixture
def capturing_instrumentor(
    instrumentor: LiteLLMInstrumentor,
    tracer_provider: Any,
    meter_provider: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> LiteLLMInstrumentor:
    """The instrumentor re-bound with content capture switched on."""
    instrumentor.uninstrument()
    monkeypatch.setenv(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, "true")
    instrumentor.instrument(
        tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    return instrumentor


@pytest.mark.parametrize("stream", [False, True])
async def test_content_captured_only_when_switched_on(
    stream: bool,
    capturing_instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    spans: Any,
    fake_key: str,
) -> None:
    case = Case("sync", "chat", "azure", stream=stream)

    outcome = await run_call(case, call_kwargs(azure_server, case, fake_key))

    (span,) = spans.spans()
    inputs = json.loads(span.attributes["gen_ai.input.messages"])
    assert inputs == [
        {"role": "user", "parts": [{"type": "text", "content": case_prompt()}]}
    ]
    outputs = json.loads(span.attributes["gen_ai.output.messages"])
    if stream:
        text = "".join(
            c.choices[0].delta.content or "" for c in outcome.chunks if c.choices
        )
    else:
        text = outcome.response.choices[0].message.content
    assert outputs == [
        {
            "role": "assistant",
            "parts": [{"type": "text", "content": text}],
            "finish_reason": "stop",
        }
    ]


def case_prompt() -> str:
    from _instrumentation_calls import PROMPT

    return PROMPT


async def test_content_absent_by_default(
    instrumentor: LiteLLMInstrumentor, azure_server: Any, spans: Any, fake_key: str
) -> None:
    case = Case("sync", "chat", "azure")

    await run_call(case, call_kwargs(azure_server, case, fake_key))

    (span,) = spans.spans()
    assert b"Say hello" not in spans.serialised()
    assert not {"gen_ai.input.messages", "gen_ai.output.messages"} & set(
        span.attributes
    )


@pytest.mark.parametrize("stream", [False, True])
async def test_credentials_never_reach_exported_bytes(
    stream: bool,
    capturing_instrumentor: LiteLLMInstrumentor,
    azure_server: Any,
    spans: Any,
    fake_key: str,
    fake_azure_ad_token: str,
) -> None:
    """Even with content capture on, request credentials are never read."""
    case = Case("sync", "chat", "azure", stream=stream)
    header_secret = f"hdr-{fake_key}"
    body_secret = f"body-{fake_key}"
    kwargs = call_kwargs(
        azure_server,
        case,
        fake_key,
        azure_ad_token=fake_azure_ad_token,
        extra_headers={"x-custom-auth": header_secret},
        extra_body={"tenant_secret": body_secret},
    )
    del kwargs["api_key"]  # LiteLLM takes one Azure credential at a time

    outcome = await run_call(case, kwargs)

    assert outcome.exception is None
    exported = spans.serialised()
    assert len(spans.spans()) == 1
    for secret in (fake_key, fake_azure_ad_token, header_secret, body_secret):
        assert secret.encode() not in exported
