"""Answering "where did my tokens go?" from exported spans.

Load LLM calls (GenAI spans) from the OTLP JSON files the embedded default or
the Collector writes, or from Jaeger's v3 API; filter them client-side; and
show them per call, per model, per trace or per minute as a table, JSON or CSV::

    from otel_agent.query import load_calls_from_files, render_calls

    calls = load_calls_from_files([Path("otel-output")])
    render_calls(calls, view="models", fmt="table")
"""

from __future__ import annotations

from otel_agent.query._filters import (
    STATUSES,
    CallFilter,
    Condition,
    parse_condition,
    parse_time,
)
from otel_agent.query._model import LlmCall, calls_from_traces_data
from otel_agent.query._render import FORMATS, render_calls
from otel_agent.query._sources import (
    QuerySourceError,
    load_calls_from_files,
    load_calls_from_jaeger,
)
from otel_agent.query._views import VIEWS, build_rows

__all__ = [
    "FORMATS",
    "STATUSES",
    "VIEWS",
    "CallFilter",
    "Condition",
    "LlmCall",
    "QuerySourceError",
    "build_rows",
    "calls_from_traces_data",
    "load_calls_from_files",
    "load_calls_from_jaeger",
    "parse_condition",
    "parse_time",
    "render_calls",
]
