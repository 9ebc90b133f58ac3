"""Token counts: real counts of request and reply text, never constants."""

from __future__ import annotations

import httpx
import pytest
from _local_azure import EMBEDDINGS_DEPLOYMENT, generous_config
from _server_http import AUTH, azure_url, post_chat

from otel_agent.server import (
    LocalAzureServer,
    ScriptStep,
    count_chat_prompt_tokens,
    count_text_tokens,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("hello", 1),
        ("hello world", 2),
        ("Hello, world!", 4),
        ("instrumentation", 3),
        ("12345", 2),
        ("a_b", 3),
        ("  \n\t ", 0),
    ],
)
def test_count_text_tokens_examples(text: str, tokens: int) -> None:
    assert count_text_tokens(text) == tokens


def test_longer_prompt_reports_more_prompt_tokens(
    azure_server: LocalAzureServer,
) -> None:
    short = [{"role": "user", "content": "Summarise the incident."}]
    long = [{"role": "system", "content": "You are careful. " * 200}, *short]

    short_usage = post_chat(azure_server, messages=short).json()["usage"]
    long_usage = post_chat(azure_server, messages=long).json()["usage"]

    assert short_usage["prompt_tokens"] == count_chat_prompt_tokens(short)
    assert long_usage["prompt_tokens"] == count_chat_prompt_tokens(long)
    assert long_usage["prompt_tokens"] > short_usage["prompt_tokens"] + 500


def test_tools_in_request_count_as_prompt_tokens(
    azure_server: LocalAzureServer,
) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
            },
        },
    }

    plain = post_chat(azure_server).json()["usage"]["prompt_tokens"]
    with_tool = post_chat(azure_server, tools=[tool]).json()["usage"]["prompt_tokens"]

    assert with_tool > plain


def test_completion_tokens_count_reply_text(make_azure_server) -> None:
    reply = "A considerably longer scripted reply, with several clauses in it."
    server = make_azure_server(generous_config(script=[ScriptStep(content=reply)]))

    usage = post_chat(server).json()["usage"]

    assert usage["completion_tokens"] == count_text_tokens(reply)
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_embeddings_usage_counts_every_input(azure_server: LocalAzureServer) -> None:
    url = azure_url(azure_server, "embeddings", EMBEDDINGS_DEPLOYMENT)
    texts = ["first input text", "second, somewhat longer input text"]

    single = httpx.post(url, json={"input": texts[0]}, headers=AUTH).json()
    both = httpx.post(url, json={"input": texts}, headers=AUTH).json()
    token_ids = httpx.post(url, json={"input": [1, 2, 3, 4]}, headers=AUTH).json()

    assert single["usage"] == {
        "prompt_tokens": count_text_tokens(texts[0]),
        "total_tokens": count_text_tokens(texts[0]),
    }
    assert both["usage"]["prompt_tokens"] == sum(map(count_text_tokens, texts))
    assert token_ids["usage"]["prompt_tokens"] == 4
    assert len(both["data"]) == 2
