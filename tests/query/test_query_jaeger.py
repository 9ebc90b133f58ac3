"""Reading LLM calls from a local server that answers like Jaeger v2's v3 API.

The server implements ``GET /api/v3/traces`` as Jaeger's HTTP gateway does:
``query.start_time_min``/``max`` required (RFC 3339, else HTTP 400 with a
gRPC-gateway error body), OTLP JSON inside ``{"result": ...}``, int64 values as
strings, and HTTP 404 "No traces found" when nothing matches.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
import uvicorn
from query_spans import BASE_NS
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner

from otel_agent.cli import app
from otel_agent.query import (
    QuerySourceError,
    load_calls_from_files,
    load_calls_from_jaeger,
)

_WINDOW_START = datetime.fromtimestamp(BASE_NS / 1e9, tz=timezone.utc)
_WINDOW_END = _WINDOW_START + timedelta(minutes=5)


def _gateway_error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"httpCode": status, "message": message}}, status_code=status
    )


class FakeJaeger:
    """Jaeger's v3 trace search over the export requests of a trace file."""

    def __init__(self, trace_file: Path) -> None:
        lines = trace_file.read_text().splitlines()
        self.resource_spans = [
            rs for line in lines for rs in json.loads(line)["resourceSpans"]
        ]
        self.requests: list[dict[str, str]] = []

    async def find_traces(self, request: Request) -> JSONResponse:
        params = dict(request.query_params)
        self.requests.append(params)
        low, high = (
            params.get("query.start_time_min"),
            params.get("query.start_time_max"),
        )
        if not low or not high:
            return _gateway_error(
                400, "query.start_time_min and query.start_time_max are required"
            )
        try:
            low_ns, high_ns = _rfc3339_ns(low), _rfc3339_ns(high)
        except ValueError:
            return _gateway_error(400, "malformed parameter query.start_time_min")
        matching = [
            rs
            for rs in self.resource_spans
            if _service(rs) == params.get("query.service_name")
            and any(
                low_ns <= int(s["startTimeUnixNano"]) <= high_ns for s in _spans(rs)
            )
        ]
        if not matching:
            return _gateway_error(404, "No traces found")
        return JSONResponse({"result": {"resourceSpans": matching}})


def _rfc3339_ns(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def _service(resource_span: dict) -> str | None:
    for kv in resource_span["resource"]["attributes"]:
        if kv["key"] == "service.name":
            return kv["value"]["stringValue"]
    return None


def _spans(resource_span: dict) -> Iterator[dict]:
    for scope_span in resource_span["scopeSpans"]:
        yield from scope_span["spans"]


@pytest.fixture
def fake_jaeger(trace_file: Path) -> Iterator[tuple[str, FakeJaeger]]:
    """(base URL, fake) of a Jaeger-shaped server on 127.0.0.1."""
    fake = FakeJaeger(trace_file)
    starlette_app = Starlette(routes=[Route("/api/v3/traces", fake.find_traces)])
    config = uvicorn.Config(
        starlette_app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("fake Jaeger did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_load_calls_from_jaeger_same_calls_as_files(fake_jaeger, trace_file: Path):
    url, fake = fake_jaeger

    calls = load_calls_from_jaeger(
        url, service="agent", start=_WINDOW_START, end=_WINDOW_END
    )

    assert calls == load_calls_from_files([trace_file])
    assert fake.requests == [
        {
            "query.service_name": "agent",
            "query.start_time_min": "2026-01-01T10:00:00Z",
            "query.start_time_max": "2026-01-01T10:05:00Z",
            "query.search_depth": "100",
            "query.num_traces": "100",
        }
    ]


def test_load_calls_from_jaeger_no_traces_returns_empty(fake_jaeger):
    url, _ = fake_jaeger

    assert (
        load_calls_from_jaeger(
            url, service="unknown", start=_WINDOW_START, end=_WINDOW_END
        )
        == []
    )


def test_load_calls_from_jaeger_unreachable_raises_source_error():
    with pytest.raises(QuerySourceError, match="unreachable"):
        load_calls_from_jaeger(
            "http://127.0.0.1:9",
            service="agent",
            start=_WINDOW_START,
            end=_WINDOW_END,
            timeout_s=2,
        )


def test_load_calls_from_jaeger_error_answer_names_status(fake_jaeger):
    url, _ = fake_jaeger
    client = httpx.Client(event_hooks={"request": [_drop_time_window]}, timeout=5)

    with client, pytest.raises(QuerySourceError, match="HTTP 400: query.start_time"):
        load_calls_from_jaeger(
            url,
            service="agent",
            start=_WINDOW_START,
            end=_WINDOW_END,
            client=client,
        )


def _drop_time_window(request: httpx.Request) -> None:
    params = request.url.params.remove("query.start_time_min")
    request.url = request.url.copy_with(params=params)


def test_cli_query_jaeger_models_json(fake_jaeger):
    url, _ = fake_jaeger

    result = CliRunner().invoke(
        app,
        [
            "query",
            "models",
            "--jaeger",
            url,
            "--service",
            "agent",
            "--since",
            "2026-01-01T10:00:00Z",
            "--until",
            "2026-01-01T10:05:00Z",
            "--format",
            "json",
        ],
    )

    assert result.exit_code == 0, result.output
    assert [(r["model"], r["total_tokens"]) for r in json.loads(result.stdout)] == [
        ("gpt-4o", 5700),
        ("gpt-4o-mini", 450),
    ]


def test_cli_query_jaeger_without_service_is_usage_error(fake_jaeger, monkeypatch):
    url, _ = fake_jaeger
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)

    result = CliRunner().invoke(app, ["query", "calls", "--jaeger", url])

    assert result.exit_code == 2
    assert "--jaeger needs --service (or $OTEL_SERVICE_NAME)" in result.stderr


def test_cli_query_jaeger_service_defaults_to_otel_service_name(
    fake_jaeger, monkeypatch
):
    url, _ = fake_jaeger
    window = ["--since", "2026-01-01T10:00:00Z", "--until", "2026-01-01T10:05:00Z"]
    explicit = CliRunner().invoke(
        app, ["query", "calls", "--jaeger", url, "--service", "agent", *window]
    )
    monkeypatch.setenv("OTEL_SERVICE_NAME", "agent")

    from_env = CliRunner().invoke(app, ["query", "calls", "--jaeger", url, *window])

    assert from_env.exit_code == 0, from_env.output
    assert "gpt-4o-mini" in from_env.stdout
    assert from_env.stdout == explicit.stdout
