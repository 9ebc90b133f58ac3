"""Reply scripts: stateless step choice, JSON files, config validation."""

from __future__ import annotations

import json

import pytest
from _local_azure import generous_config
from _server_http import post_chat

from otel_agent.server import (
    DeploymentConfig,
    Fault,
    LocalAzureServer,
    ScriptStep,
    ServerConfig,
    ToolCall,
    load_scripts,
)

SCRIPT = [
    ScriptStep(tool_calls=[ToolCall("lookup", {"term": "quota"})]),
    ScriptStep(content="Second step."),
    ScriptStep(content="Final answer."),
]


def _conversation(assistant_turns: int) -> list[dict]:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Go."},
    ]
    for turn in range(assistant_turns):
        messages += [
            {"role": "assistant", "content": f"turn {turn}"},
            {"role": "user", "content": "continue"},
        ]
    return messages


def _reply(server: LocalAzureServer, assistant_turns: int) -> dict:
    body = post_chat(server, messages=_conversation(assistant_turns)).json()
    return body["choices"][0]["message"]


@pytest.mark.parametrize(
    ("assistant_turns", "content"),
    [(1, "Second step."), (2, "Final answer."), (5, "Final answer.")],
)
def test_step_is_number_of_assistant_messages_last_repeats(
    make_azure_server, assistant_turns: int, content: str
) -> None:
    server = make_azure_server(generous_config(script=SCRIPT))

    assert _reply(server, assistant_turns)["content"] == content


def test_first_step_tool_call_has_stable_id(make_azure_server) -> None:
    server = make_azure_server(generous_config(script=SCRIPT))

    first, again = _reply(server, 0), _reply(server, 0)

    assert first["content"] is None
    assert first["tool_calls"][0]["function"] == {
        "name": "lookup",
        "arguments": '{"term":"quota"}',
    }
    assert first["tool_calls"] == again["tool_calls"]


def test_retry_after_429_gets_same_reply(make_azure_server) -> None:
    server = make_azure_server(generous_config(script=SCRIPT))
    server.inject(Fault.rate_limited(count=1))

    refused = post_chat(server, messages=_conversation(1))
    retried = _reply(server, 1)

    assert refused.status_code == 429
    assert retried["content"] == "Second step."


def test_no_script_replies_deterministic_text(azure_server: LocalAzureServer) -> None:
    first, again = _reply(azure_server, 0), _reply(azure_server, 0)

    assert first["content"] == again["content"]
    assert first["content"].startswith("Reply 1 from deployment gpt-4o")


def test_set_deployment_replaces_script_at_runtime(
    azure_server: LocalAzureServer,
) -> None:
    azure_server.set_deployment(
        "gpt-4o", DeploymentConfig(script=[ScriptStep(content="New script.")])
    )

    assert _reply(azure_server, 0)["content"] == "New script."


def test_load_scripts_reads_list_and_mapping(tmp_path) -> None:
    steps = [
        {"tool_calls": [{"name": "f", "arguments": {"x": 1}}]},
        {"content": "done"},
    ]
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps(steps))
    named = tmp_path / "named.json"
    named.write_text(json.dumps({"gpt-4o": steps}))

    expected = [
        ScriptStep(tool_calls=[ToolCall("f", {"x": 1})]),
        ScriptStep(content="done"),
    ]
    assert load_scripts(shared) == expected
    assert load_scripts(named) == {"gpt-4o": expected}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "cannot read script file"),
        ('"a string"', "must be a JSON list"),
        ("[{}]", "step 0"),
        ('[{"content": "x", "extra": 1}]', "step 0"),
        ('[{"tool_calls": [{"name": ""}]}]', "step 0"),
    ],
)
def test_load_scripts_bad_file_raises_one_line_value_error(
    tmp_path, text: str, message: str
) -> None:
    path = tmp_path / "script.json"
    path.write_text(text)

    with pytest.raises(ValueError, match=message) as caught:
        load_scripts(path)

    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "build",
    [
        lambda: DeploymentConfig(tokens_per_minute=0),
        lambda: DeploymentConfig(requests_per_minute=-1),
        lambda: DeploymentConfig(default_max_tokens=-1),
        lambda: DeploymentConfig(script=["text"]),
        lambda: DeploymentConfig(stream_interval_seconds=-0.1),
        lambda: ScriptStep(),
        lambda: ToolCall(""),
        lambda: ToolCall("f", {"when": object()}),
        lambda: ServerConfig(window_seconds=0),
        lambda: ServerConfig(window_seconds=float("nan")),
        lambda: ServerConfig(deployments={"a/b": DeploymentConfig()}),
        lambda: LocalAzureServer(port=70000),
    ],
)
def test_invalid_config_raises_value_error(build) -> None:
    with pytest.raises(ValueError):
        build()
