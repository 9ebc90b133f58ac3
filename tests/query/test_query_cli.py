"""``otel-agent query`` on real trace files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from query_spans import CallSpec, write_calls
from typer.testing import CliRunner

from otel_agent.cli import app
from otel_agent.environment_variables import OTEL_AGENT_OUTPUT_DIR


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_cli_query_models_table_lists_totals(runner: CliRunner, trace_file: Path):
    result = runner.invoke(app, ["query", "models", str(trace_file.parent)])

    assert result.exit_code == 0, result.output
    rows = [line.split("│") for line in result.stdout.splitlines() if "gpt" in line]
    assert [[cell.strip() for cell in row[1:-1]] for row in rows] == [
        ["gpt-4o", "4", "4,600", "1,100", "5,700", "1", "0"],
        ["gpt-4o-mini", "1", "400", "50", "450", "0", "0"],
    ]


def test_cli_query_default_source_from_env(
    runner: CliRunner, trace_file: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(OTEL_AGENT_OUTPUT_DIR, str(trace_file.parent))

    result = runner.invoke(app, ["query", "traces", "--format", "csv"])

    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["calls"], r["rate_limited"]) for r in rows] == [("2", "0"), ("3", "1")]


def test_cli_query_filters_combine(runner: CliRunner, trace_file: Path):
    result = runner.invoke(
        app,
        [
            "query",
            "calls",
            str(trace_file),
            "--model",
            "gpt-4o",
            "--where",
            "gen_ai.usage.input_tokens>1000",
            "--format",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    assert [r["input_tokens"] for r in json.loads(result.stdout)] == [1200, 2500]


def test_cli_query_status_429_minutes(runner: CliRunner, trace_file: Path):
    result = runner.invoke(
        app, ["query", "minutes", str(trace_file), "--status", "429", "-f", "json"]
    )

    assert result.exit_code == 0, result.output
    assert [(r["minute"], r["rate_limited"]) for r in json.loads(result.stdout)] == [
        ("2026-01-01T10:01Z", 1)
    ]


def test_cli_query_malformed_lines_warned_and_counted(
    runner: CliRunner, trace_file: Path
):
    good = len(trace_file.read_text().splitlines())
    with trace_file.open("a") as handle:
        handle.write("garbage\n{}\n")

    result = runner.invoke(app, ["query", "models", str(trace_file), "-f", "json"])

    assert result.exit_code == 0, result.output
    assert sum(r["calls"] for r in json.loads(result.stdout)) == 5
    warnings = result.stderr.splitlines()
    assert warnings[0].startswith(f"Warning: {trace_file}:{good + 1}: not JSON")
    assert warnings[1].startswith(
        f"Warning: {trace_file}:{good + 2}: not an OTLP trace"
    )
    assert warnings[2] == ("Skipped 2 malformed lines; the views below leave them out.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "tokens>>5"], "needs a number"),
        (["--since", "last week"], "not a time"),
        (["--status", "teapot"], "--status"),
    ],
)
def test_cli_query_bad_option_exits_2(
    runner: CliRunner, trace_file: Path, args: list[str], message: str
):
    result = runner.invoke(app, ["query", "calls", str(trace_file), *args])

    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_query_missing_source_exits_1(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(app, ["query", "calls", str(tmp_path / "nope")])

    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: {tmp_path / 'nope'}: no such file or directory"
    )


def test_cli_query_missing_default_output_dir_hints_next_step(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(OTEL_AGENT_OUTPUT_DIR, raising=False)

    result = runner.invoke(app, ["query", "calls"])

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: otel-output: no such file or directory; run your agent under "
        "opentelemetry-instrument first, or pass the directory the demo printed "
        "(e.g. otel-agent-demo/otel-output)\n"
    )


def test_cli_query_status_429_lists_retried_call_with_retry_after(
    runner: CliRunner, tmp_path: Path
):
    path = tmp_path / "traces.jsonl"
    write_calls(
        path,
        (
            CallSpec("gpt-4o", 0, 10, 1),
            CallSpec(
                "gpt-4o", 5, 20, 2, throttled_attempts=1, attempt_retry_after_s=3.0
            ),
        ),
    )

    result = runner.invoke(
        app, ["query", "calls", str(path), "--status", "429", "-f", "json"]
    )

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [
        (r["input_tokens"], r["status"], r["rate_limited"], r["retry_after_s"])
        for r in rows
    ] == [(20, "ok", 1, 3.0)]
