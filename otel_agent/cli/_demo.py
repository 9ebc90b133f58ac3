"""Placeholder for the `demo` subcommand; replaced by its implementation."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `demo` subcommand to *app*."""
