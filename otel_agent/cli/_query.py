"""Placeholder for the `query` subcommand; replaced by its implementation."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `query` subcommand to *app*."""
