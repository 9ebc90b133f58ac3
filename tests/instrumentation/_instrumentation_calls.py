"""Making LiteLLM calls against the local server, and what their spans must say.

The expected attributes are derived from what the server recorded sending
(``server.calls``: usage as sent, response headers) and from what the caller
received (the response id), never from the instrumentation itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import litellm
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT, EMBEDDINGS_DEPLOYMENT

from otel_agent.server import CallRecord, LocalAzureServer

PROMPT = "Say hello to the rate limiter."

_FUNCTIONS = {
    ("sync", "chat"): "completion",
    ("async", "chat"): "acompletion",
    ("sync", "embeddings"): "embedding",
    ("async", "embeddings"): "aembedding",
    ("sync", "text_completion"): "text_completion",
    ("async", "text_completion"): "atext_completion",
}
_PROVIDERS = {"azure": "azure.ai.openai", "openai": "openai"}


@dataclass(frozen=True)
class Case:
    """One cell of the call matrix."""

    mode: str
    operation: str
    layout: str
    stream: bool = False

    @property
    def deployment(self) -> str:
        if self.operation == "embeddings":
            return EMBEDDINGS_DEPLOYMENT
        return CHAT_DEPLOYMENT

    @property
    def id(self) -> str:
        stream = "stream" if self.stream else "whole"
        return f"{self.mode}-{self.operation}-{self.layout}-{stream}"


@dataclass
class Outcome:
    """What the caller got: a response (or chunks) or an exception."""

    response: Any = None
    chunks: list[Any] = field(default_factory=list)
    exception: BaseException | None = None

    @property
    def response_id(self) -> str | None:
        ids = [chunk.id for chunk in self.chunks if chunk.id]
        if ids:
            return ids[0]
        return getattr(self.response, "id", None)


def call_kwargs(
    server: LocalAzureServer, case: Case, api_key: str, **extra: Any
) -> dict[str, Any]:
    """Keyword arguments for LiteLLM addressing the local server."""
    kwargs: dict[str, Any] = {"api_key": api_key}
    if case.layout == "azure":
        kwargs.update(
            model=f"azure/{case.deployment}",
            api_base=server.base_url,
            api_version=AZURE_API_VERSION,
        )
    else:
        kwargs.update(
            model=f"openai/{case.deployment}", api_base=server.openai_base_url
        )
    if case.operation == "chat":
        kwargs["messages"] = [{"role": "user", "content": PROMPT}]
    elif case.operation == "text_completion":
        kwargs["prompt"] = PROMPT
    else:
        kwargs["input"] = [PROMPT]
    if case.stream:
        kwargs.update(stream=True, stream_options={"include_usage": True})
    kwargs.update(extra)
    return kwargs


async def run_call(case: Case, kwargs: dict[str, Any]) -> Outcome:
    """Call LiteLLM's public function for ``case``, consuming any stream."""
    function = getattr(litellm, _FUNCTIONS[(case.mode, case.operation)])
    outcome = Outcome()
    try:
        if case.mode == "sync":
            outcome.response = function(**kwargs)
            if case.stream:
                for chunk in outcome.response:
                    outcome.chunks.append(chunk)
        else:
            outcome.response = await function(**kwargs)
            if case.stream:
                async for chunk in outcome.response:
                    outcome.chunks.append(chunk)
    except Exception as exception:  # the test inspects what the caller got
        outcome.exception = exception
    return outcome


def base_attributes(server: LocalAzureServer, case: Case) -> dict[str, Any]:
    """Attributes every span of ``case`` has, success or not."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": case.operation,
        "gen_ai.provider.name": _PROVIDERS[case.layout],
        "gen_ai.request.model": case.deployment,
        "server.address": "127.0.0.1",
        "server.port": server.port,
    }
    if case.stream:
        attributes["gen_ai.request.stream"] = True
    return attributes


def _duration(text: str) -> float:
    """OpenAI's reset format, parsed independently of the code under test."""
    if text.endswith("ms"):
        return int(text[:-2]) / 1000
    minutes, _, seconds = text.rpartition("m")
    return (int(minutes) * 60 if minutes else 0) + float(seconds.rstrip("s"))


def response_model(server: LocalAzureServer, case: Case) -> str:
    """The model the server named; see the README's Limitations for the exception.

    ``atext_completion`` streams reach the caller through an async generator
    that drops LiteLLM's record of the provider's model name; on ``openai/``
    the chunks then carry only LiteLLM's own (the request's deployment).
    """
    async_text_stream = (
        case.mode == "async" and case.operation == "text_completion" and case.stream
    )
    if async_text_stream and case.layout == "openai":
        return case.deployment
    return server.config.deployments[case.deployment].response_model(case.deployment)


def rate_limit_attributes(record: CallRecord) -> dict[str, Any]:
    """The ``otel_agent.rate_limit.*`` values the server's headers carry."""
    headers = record.headers
    attributes: dict[str, Any] = {
        "otel_agent.rate_limit.limit_tokens": int(headers["x-ratelimit-limit-tokens"]),
        "otel_agent.rate_limit.limit_requests": int(
            headers["x-ratelimit-limit-requests"]
        ),
        "otel_agent.rate_limit.remaining_tokens": int(
            headers["x-ratelimit-remaining-tokens"]
        ),
        "otel_agent.rate_limit.remaining_requests": int(
            headers["x-ratelimit-remaining-requests"]
        ),
    }
    if "retry-after-ms" in headers:
        attributes["otel_agent.rate_limit.retry_after_s"] = (
            int(headers["retry-after-ms"]) / 1000
        )
    for header, key in (
        ("x-ratelimit-reset-tokens", "otel_agent.rate_limit.reset_tokens_s"),
        ("x-ratelimit-reset-requests", "otel_agent.rate_limit.reset_requests_s"),
    ):
        if header in headers:
            attributes[key] = _duration(headers[header])
    if "policy-id" in headers:
        attributes["otel_agent.rate_limit.policy_id"] = headers["policy-id"]
    return attributes


def success_attributes(
    server: LocalAzureServer,
    case: Case,
    outcome: Outcome,
    record: CallRecord,
    attempts: int = 1,
) -> dict[str, Any]:
    """The whole attribute set of a successful call's span."""
    assert record.usage is not None, "the server sent no usage"
    attributes = base_attributes(server, case)
    attributes["gen_ai.response.model"] = response_model(server, case)
    attributes["gen_ai.usage.input_tokens"] = record.usage["prompt_tokens"]
    if case.operation != "embeddings":
        attributes["gen_ai.response.id"] = outcome.response_id
        attributes["gen_ai.response.finish_reasons"] = ("stop",)
        attributes["gen_ai.usage.output_tokens"] = record.usage["completion_tokens"]
    attributes.update(rate_limit_attributes(record))
    attributes["otel_agent.request.attempts"] = attempts
    return attributes


def without_timing(attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes minus time to first chunk, after checking it is a duration."""
    remaining = dict(attributes)
    first_chunk = remaining.pop("gen_ai.response.time_to_first_chunk", None)
    assert first_chunk is None or (isinstance(first_chunk, float) and first_chunk >= 0)
    return remaining


def qualified_name(exception: BaseException) -> str:
    cls = type(exception)
    return f"{cls.__module__}.{cls.__qualname__}"
