"""SSE streaming: chunk shapes, usage only with include_usage, tool calls."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from _local_azure import generous_config
from _server_http import AUTH, RATE_LIMIT_HEADERS, azure_url, post_chat, read_sse

from otel_agent.server import LocalAzureServer, ScriptStep, ToolCall

TEXT_SCRIPT = [ScriptStep(content="The answer is forty-two, as always.")]
TOOL_SCRIPT = [
    ScriptStep(
        tool_calls=[
            ToolCall("search", {"query": "rate limits", "top": 3}),
            ToolCall("get_time", {}),
        ]
    )
]


def _content(events: list[dict]) -> str:
    return "".join(
        event["choices"][0]["delta"].get("content") or ""
        for event in events
        if event["choices"]
    )


def test_stream_without_include_usage_sends_no_usage(make_azure_server) -> None:
    server = make_azure_server(generous_config(script=TEXT_SCRIPT))

    response = post_chat(server, stream=True)
    events, done = read_sse(response)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert all(name in response.headers for name in RATE_LIMIT_HEADERS)
    assert done
    assert all("usage" not in event for event in events)
    assert _content(events) == TEXT_SCRIPT[0].content
    assert events[-1]["choices"][0]["finish_reason"] == "stop"
    (record,) = server.calls
    assert (record.stream, record.usage, record.completed) == (True, None, True)


def test_stream_with_include_usage_sends_usage_only_in_last_chunk(
    make_azure_server,
) -> None:
    server = make_azure_server(generous_config(script=TEXT_SCRIPT))

    events, done = read_sse(
        post_chat(server, stream=True, stream_options={"include_usage": True})
    )

    *body, last = events[1:]  # events[0] is Azure's prompt-filter chunk
    assert done
    assert last["choices"] == []
    assert last["usage"] == server.calls[0].usage
    assert last["usage"]["completion_tokens"] > 0
    assert all(event["usage"] is None and event["choices"] for event in body)


def test_stream_azure_first_chunk_has_prompt_filter_results_only(
    azure_server: LocalAzureServer,
) -> None:
    events, _ = read_sse(post_chat(azure_server, stream=True))

    first = events[0]
    assert first["choices"] == []
    assert first["id"] == ""
    assert "usage" not in first
    assert first["prompt_filter_results"][0]["prompt_index"] == 0
    assert events[1]["model"] == "gpt-4o-2024-08-06"


def test_stream_matches_non_stream_reply_and_usage(make_azure_server) -> None:
    server = make_azure_server(generous_config(script=TEXT_SCRIPT))

    plain = post_chat(server).json()
    events, _ = read_sse(
        post_chat(server, stream=True, stream_options={"include_usage": True})
    )

    assert _content(events) == plain["choices"][0]["message"]["content"]
    assert events[-1]["usage"] == plain["usage"]


@pytest.mark.parametrize("include_usage", [False, True])
def test_stream_tool_calls_reassemble_to_script(
    make_azure_server, include_usage: bool
) -> None:
    server = make_azure_server(generous_config(script=TOOL_SCRIPT))

    events, _ = read_sse(
        post_chat(server, stream=True, stream_options={"include_usage": include_usage})
    )

    calls: dict[int, dict] = {}
    for event in events:
        for choice in event["choices"]:
            for delta in choice["delta"].get("tool_calls") or []:
                call = calls.setdefault(delta["index"], {"arguments": ""})
                call.update({k: delta[k] for k in ("id", "type") if k in delta})
                function = delta["function"]
                call.setdefault("name", function.get("name"))
                call["arguments"] += function.get("arguments", "")
    finish = [e["choices"][0]["finish_reason"] for e in events if e["choices"]]
    assert finish[-1] == "tool_calls"
    assert [(c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        ("search", {"query": "rate limits", "top": 3}),
        ("get_time", {}),
    ]
    assert all(
        c["id"].startswith("call_") and c["type"] == "function" for c in calls.values()
    )


def test_stream_text_completion_with_usage(azure_server: LocalAzureServer) -> None:
    response = httpx.post(
        azure_url(azure_server, "completions"),
        json={
            "prompt": "Count to three",
            "stream": True,
            "stream_options": {"include_usage": True},
        },
        headers=AUTH,
    )
    events, done = read_sse(response)

    assert done
    assert events[-1]["choices"] == []
    assert events[-1]["usage"] == azure_server.calls[0].usage
    text = "".join(event["choices"][0]["text"] for event in events[:-1])
    assert text.startswith("Reply 1 from deployment")


def test_stream_interval_spaces_events_and_hangup_is_recorded(
    make_azure_server,
) -> None:
    server = make_azure_server(generous_config(stream_interval_seconds=0.2))

    with httpx.stream(
        "POST",
        azure_url(server),
        headers=AUTH,
        json={"messages": [{"role": "user", "content": "hi"}], "stream": True},
    ) as response:
        first = next(response.iter_lines())
    deadline = time.monotonic() + 5
    while not server.calls and time.monotonic() < deadline:
        time.sleep(0.02)

    assert first.startswith("data: ")
    (record,) = server.calls
    assert (record.stream, record.completed, record.usage) == (True, False, None)
