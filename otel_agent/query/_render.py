"""Writing query views as a table, JSON or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any, Literal, TextIO

from rich.console import Console
from rich.table import Table

from otel_agent.query._model import LlmCall
from otel_agent.query._views import Row, build_rows

__all__ = ["FORMATS", "render_calls", "render_rows"]

FORMATS = ("table", "json", "csv")
"""Output formats of :func:`render_calls`."""

_TABLE_TITLES = {
    "calls": "LLM calls",
    "models": "Tokens per model",
    "traces": "Tokens per trace (one agent task)",
    "minutes": "Tokens per minute against the reported limit (429s in red)",
}
# Columns right-aligned in the table because they hold numbers.
_NUMERIC = {
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "remaining_tokens",
    "limit_tokens",
    "min_remaining_tokens",
    "used_pct",
    "calls",
    "rate_limited",
    "errors",
    "retry_after_s",
    "duration_s",
}
# Wide enough that a non-terminal stream (a file, a pipe) gets one row per line.
_NON_TTY_WIDTH = 220


def render_calls(
    calls: Sequence[LlmCall],
    *,
    view: str = "calls",
    fmt: str = "table",
    file: TextIO | None = None,
) -> None:
    """Write *view* of *calls* to *file* (default stdout) as *fmt*.

    Args:
        calls: Calls to show, usually from ``load_calls_from_files``.
        view: ``calls``, ``models``, ``traces`` or ``minutes``.
        fmt: ``table`` (rich), ``json`` (a list of objects) or ``csv``.
        file: Text stream; stdout when None.

    Raises:
        ValueError: unknown view or format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    rows = build_rows(calls, view)
    render_rows(rows, view=view, fmt=fmt, file=file or sys.stdout)


def render_rows(rows: Sequence[Row], *, view: str, fmt: str, file: TextIO) -> None:
    """Write prepared *rows* of *view* to *file* as *fmt*."""
    if fmt == "json":
        json.dump(list(rows), file, indent=2)
        file.write("\n")
    elif fmt == "csv":
        _write_csv(rows, file)
    else:
        _write_table(rows, view, file)


def _write_csv(rows: Sequence[Row], file: TextIO) -> None:
    if not rows:
        return
    writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _write_table(rows: Sequence[Row], view: str, file: TextIO) -> None:
    is_tty = getattr(file, "isatty", lambda: False)()
    console = Console(file=file, width=None if is_tty else _NON_TTY_WIDTH)
    if not rows:
        console.print("No LLM calls matched.")
        return
    table = Table(title=_TABLE_TITLES.get(view, view), title_justify="left")
    for column in rows[0]:
        justify: Literal["right", "left"] = "right" if column in _NUMERIC else "left"
        table.add_column(column, justify=justify, no_wrap=True)
    for row in rows:
        style = "bold red" if _is_rate_limited(row) else None
        table.add_row(*(_cell(value) for value in row.values()), style=style)
    console.print(table)


def _is_rate_limited(row: Row) -> bool:
    return row.get("status") == "429" or bool(row.get("rate_limited"))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
