"""``otel-agent serve``: prints its URL, serves the script, stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest
from _server_http import AUTH, USER_MESSAGES

RUN_CLI = "from otel_agent.cli import main; main()"


def _serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_prints_url_answers_script_and_stops_on_sigint(tmp_path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"agent": [{"content": "Scripted by file."}]}))
    process = _serve(
        "--port",
        "0",
        "--tpm",
        "400",
        "--rpm",
        "7",
        "--window",
        "5",
        "--script",
        str(script),
        "--deployment",
        "other",
    )
    try:
        base_url = process.stdout.readline().strip()
        response = httpx.post(
            f"{base_url}/openai/deployments/agent/chat/completions",
            params={"api-version": "2024-10-21"},
            json={"messages": USER_MESSAGES, "max_tokens": 10},
            headers=AUTH,
        )
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=15)

    assert base_url.startswith("http://127.0.0.1:")
    assert response.json()["choices"][0]["message"]["content"] == "Scripted by file."
    assert response.headers["x-ratelimit-limit-tokens"] == "400"
    assert response.headers["x-ratelimit-limit-requests"] == "7"
    assert process.returncode == 0
    assert "deployments other, agent" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "0"], "Error: --window must be positive"),
        (["--tpm", "-5"], "Error: --tpm must be a positive integer"),
        (["--rpm", "0"], "Error: --rpm must be a positive integer"),
        (
            ["--default-max-tokens", "-1"],
            "Error: --default-max-tokens must be a non-negative integer",
        ),
        (["--port", "70000"], "Error: --port must be an integer from 0 to 65535"),
        (["--script", "/nonexistent/script.json"], "Error: cannot read script file"),
    ],
)
def test_serve_bad_option_exits_2_with_one_line_error(args, message) -> None:
    process = _serve(*args)
    out, err = process.communicate(timeout=15)

    assert process.returncode == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
