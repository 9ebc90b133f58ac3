"""Loading, filtering and viewing LLM calls from real OTLP JSON trace files."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from query_spans import BASE_NS, SECOND_NS, CallSpec, write_calls

from otel_agent.query import (
    CallFilter,
    LlmCall,
    QuerySourceError,
    build_rows,
    calls_from_traces_data,
    load_calls_from_files,
    parse_condition,
    parse_time,
    render_calls,
)


def _errors() -> tuple[list[str], callable]:
    messages: list[str] = []
    return messages, messages.append


def test_load_calls_from_files_real_export_decodes_every_field(trace_file: Path):
    calls = load_calls_from_files([trace_file])

    rate_limited = calls[3]
    assert rate_limited == LlmCall(
        trace_id=rate_limited.trace_id,
        span_id=rate_limited.span_id,
        name="chat gpt-4o",
        service="agent",
        start_ns=BASE_NS + 70 * SECOND_NS,
        end_ns=BASE_NS + 71 * SECOND_NS + SECOND_NS // 2,
        operation="chat",
        model="gpt-4o",
        input_tokens=None,
        output_tokens=None,
        remaining_tokens=0,
        limit_tokens=90_000,
        retry_after_s=6.0,
        policy_id=None,
        http_status_code=429,
        error_type="litellm.exceptions.RateLimitError",
        status="error",
        attributes=rate_limited.attributes,
    )
    assert len(rate_limited.trace_id) == 32 and len(rate_limited.span_id) == 16
    assert rate_limited.outcome == "429"


def test_load_calls_from_files_agent_spans_skipped_calls_sorted(trace_file: Path):
    calls = load_calls_from_files([trace_file])

    assert [c.start_ns for c in calls] == sorted(c.start_ns for c in calls)
    assert [(c.model, c.input_tokens, c.outcome) for c in calls] == [
        ("gpt-4o", 1200, "ok"),
        ("gpt-4o-mini", 400, "ok"),
        ("gpt-4o", 2500, "ok"),
        ("gpt-4o", None, "429"),
        ("gpt-4o", 900, "ok"),
    ]


def test_load_calls_from_files_directory_reads_traces_jsonl(trace_file: Path):
    assert load_calls_from_files([trace_file.parent]) == load_calls_from_files(
        [trace_file]
    )


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"resourceLogs": []}', "not an OTLP trace export"),
        (
            '{"resourceSpans": [{"scopeSpans": [{"spans": [{"attributes": 5}]}]}]}',
            "not an OTLP trace export",
        ),
    ],
)
def test_load_calls_from_files_malformed_line_reported_rest_kept(
    trace_file: Path, bad_line: str, reason: str
):
    good_lines = trace_file.read_text().splitlines()
    mixed = trace_file.with_name("mixed.jsonl")
    mixed.write_text("\n".join([good_lines[0], bad_line, *good_lines[1:]]) + "\n")
    messages, report = _errors()

    calls = load_calls_from_files([mixed], on_error=report)

    assert calls == load_calls_from_files([trace_file])
    assert len(messages) == 1
    assert messages[0].startswith(f"{mixed}:2: {reason}")


def test_load_calls_from_files_missing_path_raises_one_line(tmp_path: Path):
    with pytest.raises(QuerySourceError, match="no such file or directory"):
        load_calls_from_files([tmp_path / "absent"])
    with pytest.raises(QuerySourceError, match="no traces"):
        load_calls_from_files([tmp_path])


def test_build_rows_models_totals_match_spans(trace_file: Path):
    rows = build_rows(load_calls_from_files([trace_file]), "models")

    assert rows == [
        {
            "model": "gpt-4o",
            "calls": 4,
            "input_tokens": 1200 + 2500 + 900,
            "output_tokens": 300 + 700 + 100,
            "total_tokens": 5700,
            "rate_limited": 1,
            "errors": 0,
        },
        {
            "model": "gpt-4o-mini",
            "calls": 1,
            "input_tokens": 400,
            "output_tokens": 50,
            "total_tokens": 450,
            "rate_limited": 0,
            "errors": 0,
        },
    ]


def test_build_rows_traces_one_row_per_agent_task(trace_file: Path):
    calls = load_calls_from_files([trace_file])
    rows = build_rows(calls, "traces")

    assert [row["trace_id"] for row in rows] == list(
        dict.fromkeys(c.trace_id for c in calls)
    )
    assert [
        (r["models"], r["calls"], r["total_tokens"], r["rate_limited"]) for r in rows
    ] == [("gpt-4o,gpt-4o-mini", 2, 1950, 0), ("gpt-4o", 3, 4200, 1)]
    assert rows[0]["start"] == "2026-01-01T10:00:00.000Z"


def test_build_rows_minutes_against_limit_429_marked(trace_file: Path):
    rows = build_rows(load_calls_from_files([trace_file]), "minutes")

    assert rows == [
        {
            "minute": "2026-01-01T10:00Z",
            "model": "gpt-4o",
            "calls": 1,
            "input_tokens": 1200,
            "output_tokens": 300,
            "total_tokens": 1500,
            "limit_tokens": 90_000,
            "used_pct": 1.7,
            "min_remaining_tokens": 88_500,
            "rate_limited": 0,
        },
        {
            "minute": "2026-01-01T10:00Z",
            "model": "gpt-4o-mini",
            "calls": 1,
            "input_tokens": 400,
            "output_tokens": 50,
            "total_tokens": 450,
            "limit_tokens": 90_000,
            "used_pct": 0.5,
            "min_remaining_tokens": 89_550,
            "rate_limited": 0,
        },
        {
            "minute": "2026-01-01T10:01Z",
            "model": "gpt-4o",
            "calls": 2,
            "input_tokens": 2500,
            "output_tokens": 700,
            "total_tokens": 3200,
            "limit_tokens": 90_000,
            "used_pct": 3.6,
            "min_remaining_tokens": 0,
            "rate_limited": 1,
        },
        {
            "minute": "2026-01-01T10:02Z",
            "model": "gpt-4o",
            "calls": 1,
            "input_tokens": 900,
            "output_tokens": 100,
            "total_tokens": 1000,
            "limit_tokens": 90_000,
            "used_pct": 1.1,
            "min_remaining_tokens": 80_000,
            "rate_limited": 0,
        },
    ]


def test_build_rows_calls_one_row_per_call(trace_file: Path):
    calls = load_calls_from_files([trace_file])
    rows = build_rows(calls, "calls")

    assert rows[3] == {
        "time": "2026-01-01T10:01:10.000Z",
        "operation": "chat",
        "model": "gpt-4o",
        "input_tokens": None,
        "output_tokens": None,
        "remaining_tokens": 0,
        "limit_tokens": 90_000,
        "status": "429",
        "rate_limited": 1,
        "retry_after_s": 6.0,
        "duration_s": 1.5,
        "trace_id": calls[3].trace_id,
    }


@pytest.mark.parametrize(
    ("call_filter", "expected_inputs"),
    [
        (CallFilter(), [1200, 400, 2500, None, 900]),
        (CallFilter(model="gpt-4o-mini"), [400]),
        (CallFilter(service="other"), []),
        (CallFilter(status="429"), [None]),
        (CallFilter(status="ok"), [1200, 400, 2500, 900]),
        (
            CallFilter(conditions=(parse_condition("gen_ai.usage.input_tokens>1000"),)),
            [1200, 2500],
        ),
        (
            CallFilter(
                conditions=(
                    parse_condition("gen_ai.usage.input_tokens>=900"),
                    parse_condition("gen_ai.usage.output_tokens<300"),
                )
            ),
            [900],
        ),
        (
            CallFilter(conditions=(parse_condition("gen_ai.request.model!=gpt-4o"),)),
            [400],
        ),
        (
            CallFilter(
                since=datetime.fromtimestamp(BASE_NS / 1e9 + 60, tz=timezone.utc),
                until=datetime.fromtimestamp(BASE_NS / 1e9 + 120, tz=timezone.utc),
            ),
            [2500, None],
        ),
    ],
)
def test_call_filter_apply_keeps_matching_calls(
    trace_file: Path, call_filter: CallFilter, expected_inputs: list
):
    calls = call_filter.apply(load_calls_from_files([trace_file]))

    assert [call.input_tokens for call in calls] == expected_inputs


@pytest.mark.parametrize(
    "text", ["no operator", ">5", "gen_ai.usage.input_tokens>many"]
)
def test_parse_condition_malformed_raises_value_error(text: str):
    with pytest.raises(ValueError):
        parse_condition(text)


def test_parse_time_relative_and_iso():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)

    assert parse_time("90m", now=now) == datetime(
        2026, 1, 1, 10, 30, tzinfo=timezone.utc
    )
    assert parse_time("2026-01-01T10:00:00") == datetime(
        2026, 1, 1, 10, 0, tzinfo=timezone.utc
    )
    with pytest.raises(ValueError, match="not a time"):
        parse_time("yesterday")


def test_render_calls_json_equals_rows(trace_file: Path):
    calls = load_calls_from_files([trace_file])
    out = io.StringIO()

    render_calls(calls, view="traces", fmt="json", file=out)

    assert json.loads(out.getvalue()) == build_rows(calls, "traces")


def test_render_calls_csv_header_and_rows(trace_file: Path):
    calls = load_calls_from_files([trace_file])
    out = io.StringIO()

    render_calls(calls, view="models", fmt="csv", file=out)

    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["model"], r["total_tokens"]) for r in parsed] == [
        ("gpt-4o", "5700"),
        ("gpt-4o-mini", "450"),
    ]


def test_render_calls_table_shows_models_and_429(trace_file: Path):
    out = io.StringIO()

    render_calls(load_calls_from_files([trace_file]), view="calls", file=out)

    lines = out.getvalue().splitlines()
    assert lines[0].strip() == "LLM calls"
    assert sum("gpt-4o-mini" in line for line in lines) == 1
    assert sum(" 429 " in line for line in lines) == 1
    assert "1,200" in out.getvalue()


def test_render_calls_unknown_view_or_format_raises():
    with pytest.raises(ValueError, match="view"):
        render_calls([], view="tokens", file=io.StringIO())
    with pytest.raises(ValueError, match="format"):
        render_calls([], fmt="xml", file=io.StringIO())


def test_load_calls_from_files_two_services_both_loaded(tmp_path: Path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_calls(first, (CallSpec("gpt-4o", 0, 10, 1),), service="planner")
    write_calls(second, (CallSpec("gpt-4o", 5, 20, 2),), service="coder")

    calls = load_calls_from_files([second, first])

    assert [(c.service, c.input_tokens) for c in calls] == [
        ("planner", 10),
        ("coder", 20),
    ]


def test_load_calls_from_files_retried_429_counted_call_ok(tmp_path: Path):
    path = tmp_path / "traces.jsonl"
    write_calls(path, (CallSpec("gpt-4o", 0, 10, 1, throttled_attempts=2),))

    [call] = load_calls_from_files([path])

    assert (call.outcome, call.throttled_attempts, call.responses_429) == ("ok", 2, 2)
    assert build_rows([call], "models")[0]["rate_limited"] == 2
    assert build_rows([call], "minutes")[0]["rate_limited"] == 2


@pytest.mark.parametrize(
    ("status", "trace_id", "expected_status"),
    [
        ({"code": 2}, "5b8efff798038103d269b633813fc60c", "error"),
        ({"code": "STATUS_CODE_ERROR"}, "W47/95gDgQPSabYzgT/GDA==", "error"),
        ({}, "5b8efff798038103d269b633813fc60c", "unset"),
    ],
)
def test_calls_from_traces_data_tolerates_encoder_variants(
    status: dict, trace_id: str, expected_status: str
):
    data = {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "agent"}}
                    ]
                },
                "scopeSpans": [
                    {
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": "eee19b7ec3c1b174",
                                "name": "chat gpt-4o",
                                "kind": "SPAN_KIND_CLIENT",
                                "startTimeUnixNano": "1767261600000000000",
                                "endTimeUnixNano": 1767261601000000000,
                                "status": status,
                                "attributes": [
                                    {
                                        "key": "gen_ai.operation.name",
                                        "value": {"stringValue": "chat"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "1200"},
                                    },
                                    {
                                        "key": "otel_agent.rate_limit.retry_after_s",
                                        "value": {"doubleValue": "Infinity"},
                                    },
                                ],
                            }
                        ]
                    }
                ],
            }
        ]
    }

    [call] = calls_from_traces_data(data)

    assert (call.trace_id, call.status, call.input_tokens, call.duration_s) == (
        "5b8efff798038103d269b633813fc60c",
        expected_status,
        1200,
        1.0,
    )
    assert call.retry_after_s == float("inf")


@pytest.mark.parametrize(
    ("status", "expected_models"),
    [
        ("429", ["refused", "retried"]),
        ("ok", ["retried", "clean"]),
        ("error", []),
    ],
)
def test_call_filter_status_retried_429_matches_429_and_final_outcome(
    tmp_path: Path, status: str, expected_models: list[str]
):
    path = tmp_path / "traces.jsonl"
    write_calls(
        path,
        (
            CallSpec("refused", 0, status_code=429),
            CallSpec("retried", 5, 10, 1, throttled_attempts=1),
            CallSpec("clean", 10, 10, 1),
        ),
    )

    kept = CallFilter(status=status).apply(load_calls_from_files([path]))

    assert [call.model for call in kept] == expected_models


def test_load_calls_from_files_retried_429_retry_after_from_attempt(tmp_path: Path):
    path = tmp_path / "traces.jsonl"
    write_calls(
        path,
        (
            CallSpec(
                "gpt-4o", 0, 10, 1, throttled_attempts=1, attempt_retry_after_s=7.5
            ),
        ),
    )

    [call] = load_calls_from_files([path])

    assert (call.outcome, call.responses_429, call.retry_after_s) == ("ok", 1, 7.5)
    assert build_rows([call], "calls")[0]["retry_after_s"] == 7.5
