"""``otel-agent demo`` end to end, as a user runs it: a subprocess, from an
unrelated working directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

JWT_SHAPE = re.compile(r"eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}")
RATE_LIMIT_LINE = re.compile(
    r" WARNING otel_agent\.rate_limit: Rate limited: azure/gpt-4o, "
    r"tokens (?P<tokens>\d+)/10000 remaining, requests \d+/60 remaining, "
    r"retry after \d+\.\ds \(policy DeploymentRatelimit-Token\); "
    r"succeeded after (?P<attempts>\d+) attempts$"
)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Run the demo once for the module; return its output and directory."""
    cwd = tmp_path_factory.mktemp("anywhere")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "otel-agent"), "demo", "--dir", "run"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, cwd / "run"


def _table_rows(output: str, title: str) -> list[dict[str, str]]:
    """Parse the rich table titled *title* back into dicts of cell text."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    header = next(line for line in lines[start:] if line.startswith("┃"))
    names = [cell.strip() for cell in header.strip("┃").split("┃")]
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("│"):
            break
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def _number(cell: str) -> int:
    return int(cell.replace(",", ""))


def _llm_call_rows(output: str) -> list[dict[str, str]]:
    return _table_rows(output, "LLM calls")


def test_demo_table_tokens_equal_server_usage(demo_run: tuple[str, Path]) -> None:
    output, run_dir = demo_run
    served = json.loads((run_dir / "server-calls.json").read_text())
    rows = _llm_call_rows(output)

    sent = [
        (c["usage"]["prompt_tokens"], c["usage"]["completion_tokens"])
        for c in served
        if c["status"] == 200
    ]
    shown = [(_number(r["input_tokens"]), _number(r["output_tokens"])) for r in rows]
    assert shown == sent
    assert [_number(r["remaining_tokens"]) for r in rows] == [
        int(c["remaining_tokens"]) for c in served if c["status"] == 200
    ]
    assert "Token counts match the server's usage." in output


def test_demo_hits_a_rate_limit_and_still_answers(demo_run: tuple[str, Path]) -> None:
    output, run_dir = demo_run
    served = json.loads((run_dir / "server-calls.json").read_text())
    rows = _llm_call_rows(output)

    rejected = sum(c["status"] == 429 for c in served)
    assert rejected >= 1
    assert sum(_number(r["rate_limited"]) for r in rows) == rejected
    assert "Answer: Your parcel NW-448120 is out for delivery today" in output
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317" in output


def test_demo_next_steps_name_service_and_collector_prerequisites(
    demo_run: tuple[str, Path],
) -> None:
    output, run_dir = demo_run

    steps = output[output.index("Send the same telemetry") :].splitlines()
    assert [line.split("#")[0].strip() for line in steps[1:]] == [
        "mkdir -p collector-output",
        'OTELCOL_USER="$(id -u):$(id -g)" docker compose -f collector/compose.yaml'
        " up -d",
        "export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317",
        "export OTEL_SERVICE_NAME=harbor-agent",
        "opentelemetry-instrument python your_agent.py",
        "otel-agent query calls --jaeger http://127.0.0.1:16686 --service harbor-agent",
    ]
    services = {
        attribute["value"]["stringValue"]
        for line in (run_dir / "otel-output" / "traces.jsonl").read_text().splitlines()
        for resource_spans in json.loads(line)["resourceSpans"]
        for attribute in resource_spans["resource"]["attributes"]
        if attribute["key"] == "service.name"
    }
    assert services == {"harbor-agent"}


def test_demo_query_status_429_finds_retried_calls(
    demo_run: tuple[str, Path],
) -> None:
    _, run_dir = demo_run
    served = json.loads((run_dir / "server-calls.json").read_text())

    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "otel-agent"),
            "query",
            "calls",
            str(run_dir / "otel-output"),
            "--status",
            "429",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert sum(row["rate_limited"] for row in rows) == sum(
        c["status"] == 429 for c in served
    )
    # Retried to success: the final outcome is ok, the 429's delay is shown.
    assert {row["status"] for row in rows} == {"ok"}
    assert all(row["retry_after_s"] > 0 for row in rows), rows


def test_demo_tables_list_model_calls_only(demo_run: tuple[str, Path]) -> None:
    output, run_dir = demo_run
    served = json.loads((run_dir / "server-calls.json").read_text())

    calls = [(r["operation"], r["model"]) for r in _llm_call_rows(output)]
    models = [(r["model"], r["calls"]) for r in _table_rows(output, "Tokens per model")]
    assert calls == [("chat", "gpt-4o")] * sum(c["status"] == 200 for c in served)
    assert models == [("gpt-4o", str(len(calls)))]


def test_demo_app_log_one_warning_per_rate_limited_call(
    demo_run: tuple[str, Path],
) -> None:
    output, run_dir = demo_run
    served = json.loads((run_dir / "server-calls.json").read_text())
    app_log = (run_dir / "logs" / "app.log").read_text()

    warnings = [line for line in app_log.splitlines() if " WARNING " in line]
    matches = [RATE_LIMIT_LINE.search(line) for line in warnings]
    throttled_rows = [r for r in _llm_call_rows(output) if r["rate_limited"] != "0"]
    refused = [c for c in served if c["status"] == 429]
    assert all(matches), warnings
    assert len(matches) == len(throttled_rows) >= 1
    # Every refusal was retried and the call then served.
    assert sum(int(m["attempts"]) - 1 for m in matches) == len(refused)
    assert {m["tokens"] for m in matches} <= {c["remaining_tokens"] for c in refused}
    assert "Traceback" not in app_log


def test_demo_leaves_no_token_in_any_file(demo_run: tuple[str, Path]) -> None:
    _, run_dir = demo_run
    app_log = (run_dir / "logs" / "app.log").read_text()

    assert "LiteLLM params: {" in app_log
    assert "'azure_ad_token': '[REDACTED:" in app_log
    for path in sorted(run_dir.rglob("*")):
        if path.is_file():
            assert not JWT_SHAPE.search(path.read_text()), path
