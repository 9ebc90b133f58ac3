"""The ``query`` and ``collector-config`` subcommands.

``otel-agent query VIEW [SOURCES]...`` loads LLM calls from OTLP JSON files
(default: the embedded default's directory) or from Jaeger, filters them
client-side and prints one view. ``otel-agent collector-config`` regenerates
the Collector's redaction lists from the Python catalogue.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta, timezone
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from opentelemetry.sdk.environment_variables import OTEL_SERVICE_NAME

from otel_agent import environment_variables as env
from otel_agent._collector_config import (
    DEFAULT_CONFIG_PATH,
    CollectorConfigError,
    check_collector_config,
    update_collector_config,
)
from otel_agent._embedded import DEFAULT_OUTPUT_DIR, read_output_dir
from otel_agent.query import (
    CallFilter,
    LlmCall,
    QuerySourceError,
    load_calls_from_files,
    load_calls_from_jaeger,
    parse_condition,
    parse_time,
    render_calls,
)

_DEFAULT_JAEGER_LOOKBACK = timedelta(hours=1)
_NO_OUTPUT_HINT = (
    "run your agent under opentelemetry-instrument first, or pass the directory "
    "the demo printed (e.g. otel-agent-demo/otel-output)"
)


class View(str, Enum):
    """What to show."""

    calls = "calls"
    models = "models"
    traces = "traces"
    minutes = "minutes"


class Format(str, Enum):
    """How to print it."""

    table = "table"
    json = "json"
    csv = "csv"


class Status(str, Enum):
    """Outcome of a call."""

    ok = "ok"
    error = "error"
    rate_limited = "429"


def register(app: typer.Typer) -> None:
    """Add the ``query`` and ``collector-config`` subcommands to *app*."""
    app.command("query")(query)
    app.command("collector-config")(collector_config)


def query(
    view: Annotated[
        View,
        typer.Argument(
            metavar="VIEW",
            help="calls: one row per LLM call; models, traces: totals per model "
            "or per trace (one agent task); minutes: tokens per minute against "
            "the reported limit, 429s marked.",
        ),
    ],
    sources: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="SOURCES",
            help="OTLP JSON trace files, or directories holding traces.jsonl. "
            f"Default: ${env.OTEL_AGENT_OUTPUT_DIR} or ./{DEFAULT_OUTPUT_DIR}.",
            show_default=False,
        ),
    ] = None,
    jaeger: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="Read from Jaeger's v3 API at this URL instead of files.",
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Only calls of this service.name. Jaeger needs one: with --jaeger "
            f"the default is ${OTEL_SERVICE_NAME} when set.",
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(metavar="MODEL", help="Only calls to this requested model."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="TIME", help="Start of the window: ISO 8601, or 30m, 2h, 1d ago."
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="End of the window: ISO 8601 or 10m ago."),
    ] = None,
    status: Annotated[
        Status | None,
        typer.Option(
            help="ok, error: calls whose final outcome (the status column) is "
            "that. 429: every call that got at least one 429 answer, retried or "
            "final (the rate_limited column counts them), so a call retried to "
            "success shows under both ok and 429.",
        ),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            metavar="CONDITION",
            help="Attribute condition, repeatable: "
            "'gen_ai.usage.input_tokens>1000', 'gen_ai.operation.name=chat'.",
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format.")
    ] = Format.table,
    search_depth: Annotated[
        int,
        typer.Option(metavar="N", help="Most traces to fetch from Jaeger.", min=1),
    ] = 100,
) -> None:
    """Show token usage, rate-limit headroom and 429s of LLM calls."""
    if jaeger and not service:
        service = os.environ.get(OTEL_SERVICE_NAME) or None
    call_filter = _build_filter(service, model, since, until, status, where or [])
    try:
        if jaeger:
            calls = _load_from_jaeger(jaeger, call_filter, search_depth)
        else:
            calls = _load_from_files(sources or [read_output_dir()])
    except QuerySourceError as exc:
        hint = _missing_default_hint(jaeger, sources)
        typer.echo(f"Error: {exc}{hint}", err=True)
        raise typer.Exit(code=1) from None
    render_calls(
        call_filter.apply(calls),
        view=view.value,
        fmt=output_format.value,
        file=sys.stdout,
    )


def collector_config(
    config: Annotated[
        Path,
        typer.Option(
            metavar="FILE",
            help="Collector config holding the generated block. The default is "
            "relative to the current directory (the root of a checkout).",
        ),
    ] = DEFAULT_CONFIG_PATH,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Only report whether the file is current; exit 1 if not."
        ),
    ] = False,
) -> None:
    """Regenerate the Collector's redaction lists from the Python catalogue."""
    try:
        if check:
            current = check_collector_config(config)
        else:
            changed = update_collector_config(config)
    except FileNotFoundError:
        typer.echo(
            f"Error: {config}: no such file (in {Path.cwd()}); "
            "run this in a checkout of otel-agent or pass --config FILE",
            err=True,
        )
        raise typer.Exit(code=2) from None
    except (CollectorConfigError, OSError) as exc:
        typer.echo(f"Error: {config}: {exc}", err=True)
        raise typer.Exit(code=2) from None
    if check:
        if not current:
            typer.echo(
                f"{config} is out of date; run `otel-agent collector-config`.",
                err=True,
            )
            raise typer.Exit(code=1)
        typer.echo(f"{config} is up to date.")
    else:
        typer.echo(f"{config} {'updated' if changed else 'already up to date'}.")


def _missing_default_hint(jaeger: str | None, sources: list[Path] | None) -> str:
    if jaeger or sources or read_output_dir().exists():
        return ""
    return f"; {_NO_OUTPUT_HINT}"


def _build_filter(
    service: str | None,
    model: str | None,
    since: str | None,
    until: str | None,
    status: Status | None,
    where: list[str],
) -> CallFilter:
    try:
        return CallFilter(
            service=service,
            model=model,
            since=parse_time(since) if since else None,
            until=parse_time(until) if until else None,
            status=status.value if status else None,
            conditions=tuple(parse_condition(text) for text in where),
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def _load_from_files(sources: list[Path]) -> list[LlmCall]:
    skipped = 0

    def report(message: str) -> None:
        nonlocal skipped
        skipped += 1
        typer.echo(f"Warning: {message}", err=True)

    calls = load_calls_from_files(sources, on_error=report)
    if skipped:
        typer.echo(
            f"Skipped {skipped} malformed line{'s' if skipped != 1 else ''}; "
            "the views below leave them out.",
            err=True,
        )
    return calls


def _load_from_jaeger(
    url: str, call_filter: CallFilter, search_depth: int
) -> list[LlmCall]:
    if not call_filter.service:
        raise typer.BadParameter(
            f"--jaeger needs --service (or ${OTEL_SERVICE_NAME}): Jaeger searches by it"
        )
    end = call_filter.until or datetime.now(timezone.utc)
    start = call_filter.since or end - _DEFAULT_JAEGER_LOOKBACK
    return load_calls_from_jaeger(
        url,
        service=call_filter.service,
        start=start,
        end=end,
        search_depth=search_depth,
    )
