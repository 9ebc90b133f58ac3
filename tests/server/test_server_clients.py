"""The local server through real clients: LiteLLM and the openai SDK.

These prove the responses are accepted as Azure's and OpenAI's by the
libraries the project instruments, streaming and errors included.
"""

from __future__ import annotations

import json

import litellm
import openai
import pytest
from _local_azure import (
    AZURE_API_VERSION,
    CHAT_DEPLOYMENT,
    EMBEDDINGS_DEPLOYMENT,
    generous_config,
)

from otel_agent.server import (
    DeploymentConfig,
    Fault,
    LocalAzureServer,
    ScriptStep,
    ServerConfig,
    ToolCall,
)

MESSAGES = [{"role": "user", "content": "What is the weather in Paris today?"}]
TOOL_SCRIPT = [
    ScriptStep(tool_calls=[ToolCall("get_weather", {"city": "Paris"})]),
    ScriptStep(content="It is sunny in Paris."),
]


def _azure_kwargs(server: LocalAzureServer, key: str) -> dict[str, object]:
    return {
        "api_base": server.base_url,
        "api_key": key,
        "api_version": AZURE_API_VERSION,
    }


def test_litellm_azure_completion_usage_matches_server_record(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    response = litellm.completion(
        model=f"azure/{CHAT_DEPLOYMENT}",
        messages=MESSAGES,
        **_azure_kwargs(azure_server, fake_key),
    )

    (record,) = azure_server.calls
    assert record.status == 200
    assert record.path == f"/openai/deployments/{CHAT_DEPLOYMENT}/chat/completions"
    assert response.model == "gpt-4o-2024-08-06"
    assert response.usage.prompt_tokens == record.usage["prompt_tokens"]
    assert response.usage.completion_tokens == record.usage["completion_tokens"]
    assert response.choices[0].message.content.startswith("Reply 1 from deployment")
    headers = response._hidden_params["additional_headers"]
    assert (
        headers["x-ratelimit-remaining-tokens"]
        == record.headers["x-ratelimit-remaining-tokens"]
    )


def test_litellm_azure_ad_token_is_accepted(
    azure_server: LocalAzureServer, fake_azure_ad_token: str
) -> None:
    response = litellm.completion(
        model=f"azure/{CHAT_DEPLOYMENT}",
        messages=MESSAGES,
        api_base=azure_server.base_url,
        azure_ad_token=fake_azure_ad_token,
        api_version=AZURE_API_VERSION,
    )

    assert response.usage.total_tokens == azure_server.calls[0].usage["total_tokens"]


def test_litellm_azure_stream_with_usage_reports_server_usage(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    chunks = list(
        litellm.completion(
            model=f"azure/{CHAT_DEPLOYMENT}",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
            **_azure_kwargs(azure_server, fake_key),
        )
    )

    (record,) = azure_server.calls
    usage = [chunk.usage for chunk in chunks if getattr(chunk, "usage", None)]
    assert record.stream is True
    assert usage[-1].prompt_tokens == record.usage["prompt_tokens"]
    assert usage[-1].completion_tokens == record.usage["completion_tokens"]
    text = "".join(
        chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices
    )
    assert text.startswith("Reply 1 from deployment")


def test_litellm_tool_call_then_answer_follows_script(
    make_azure_server, fake_key: str
) -> None:
    server = make_azure_server(generous_config(script=TOOL_SCRIPT))
    kwargs = _azure_kwargs(server, fake_key)
    first = litellm.completion(
        model=f"azure/{CHAT_DEPLOYMENT}", messages=MESSAGES, **kwargs
    )
    call = first.choices[0].message.tool_calls[0]
    follow_up = [
        *MESSAGES,
        first.choices[0].message.model_dump(),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]

    second = litellm.completion(
        model=f"azure/{CHAT_DEPLOYMENT}", messages=follow_up, **kwargs
    )

    assert first.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    assert second.choices[0].message.content == "It is sunny in Paris."
    assert second.usage.prompt_tokens > first.usage.prompt_tokens


def test_litellm_stream_tool_call_is_reassembled(
    make_azure_server, fake_key: str
) -> None:
    server = make_azure_server(generous_config(script=TOOL_SCRIPT))
    chunks = list(
        litellm.completion(
            model=f"azure/{CHAT_DEPLOYMENT}",
            messages=MESSAGES,
            stream=True,
            **_azure_kwargs(server, fake_key),
        )
    )

    rebuilt = litellm.stream_chunk_builder(chunks, messages=MESSAGES)

    call = rebuilt.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}


def test_litellm_embedding_usage_matches_server_record(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    response = litellm.embedding(
        model=f"azure/{EMBEDDINGS_DEPLOYMENT}",
        input=["first text to embed", "second"],
        **_azure_kwargs(azure_server, fake_key),
    )

    (record,) = azure_server.calls
    assert record.operation == "embeddings"
    assert response.usage.prompt_tokens == record.usage["prompt_tokens"] > 0
    assert len(response.data) == 2
    assert len(response.data[0]["embedding"]) == 1536


def test_litellm_openai_layout_completion_succeeds(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    response = litellm.completion(
        model=f"openai/{CHAT_DEPLOYMENT}",
        messages=MESSAGES,
        api_base=azure_server.openai_base_url,
        api_key=fake_key,
    )

    (record,) = azure_server.calls
    assert record.layout == "openai"
    assert record.deployment == CHAT_DEPLOYMENT
    assert response.usage.total_tokens == record.usage["total_tokens"]


def test_litellm_budget_spent_raises_rate_limit_error_with_headers(
    make_azure_server, fake_key: str
) -> None:
    server = make_azure_server(
        ServerConfig(
            deployments={CHAT_DEPLOYMENT: DeploymentConfig(tokens_per_minute=100)}
        )
    )

    with pytest.raises(litellm.RateLimitError) as caught:
        litellm.completion(
            model=f"azure/{CHAT_DEPLOYMENT}",
            messages=MESSAGES,
            max_tokens=200,
            max_retries=0,
            **_azure_kwargs(server, fake_key),
        )

    headers = caught.value.response.headers
    assert headers["policy-id"] == "DeploymentRatelimit-Token"
    assert int(headers["retry-after"]) >= 1
    assert [call.status for call in server.calls] == [429]


def test_litellm_retries_after_injected_429_and_succeeds(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    azure_server.inject(Fault.rate_limited(count=1, retry_after=0.0))

    response = litellm.completion(
        model=f"azure/{CHAT_DEPLOYMENT}",
        messages=MESSAGES,
        num_retries=2,
        **_azure_kwargs(azure_server, fake_key),
    )

    assert [call.status for call in azure_server.calls] == [429, 200]
    assert response.usage.total_tokens == azure_server.calls[1].usage["total_tokens"]


def test_openai_sdk_azure_client_stream_and_usage(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    client = openai.AzureOpenAI(
        azure_endpoint=azure_server.base_url,
        api_key=fake_key,
        api_version=AZURE_API_VERSION,
    )

    stream = client.chat.completions.create(
        model=CHAT_DEPLOYMENT,
        messages=MESSAGES,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)

    (record,) = azure_server.calls
    assert chunks[-1].choices == []
    assert chunks[-1].usage.model_dump(exclude_none=True) == record.usage
    client.close()


def test_openai_sdk_openai_client_embeddings_base64_decode(
    azure_server: LocalAzureServer, fake_key: str
) -> None:
    client = openai.OpenAI(base_url=azure_server.openai_base_url, api_key=fake_key)

    response = client.embeddings.create(
        model=EMBEDDINGS_DEPLOYMENT, input="hello world", dimensions=8
    )

    vector = response.data[0].embedding
    assert len(vector) == 8
    assert abs(sum(value * value for value in vector) - 1.0) < 1e-5
    assert response.usage.prompt_tokens == azure_server.calls[0].usage["prompt_tokens"]
    client.close()
