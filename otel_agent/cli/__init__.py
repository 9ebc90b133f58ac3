"""The ``otel-agent`` command line.

Each subcommand lives in its own module and registers itself on the shared
Typer application; this module only assembles them.
"""

from __future__ import annotations

import typer

from otel_agent.cli import _demo, _query, _scan, _serve
from otel_agent.cli._help import HelpCommand, HelpGroup

app = typer.Typer(
    name="otel-agent",
    help="OpenTelemetry for LLM agents: token usage, rate-limit headroom, redaction.",
    no_args_is_help=True,
    add_completion=False,
    cls=HelpGroup,
)

for _module in (_demo, _serve, _scan, _query):
    _module.register(app)
for _command in app.registered_commands:
    if _command.cls in (None, typer.core.TyperCommand):
        _command.cls = HelpCommand


def main() -> None:
    """Run the command line; the entry point of the ``otel-agent`` script."""
    app()


__all__ = ["app", "main"]
