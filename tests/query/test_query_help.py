"""``--help`` of every ``otel-agent`` command reads like a Unix tool's: flags
show no type, list arguments no Python ``list[...]``, required arguments no
braces."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from otel_agent.cli import app

_COMMANDS = ["", "query", "scan", "serve", "demo", "collector-config"]


@pytest.mark.parametrize("command", _COMMANDS, ids=lambda c: c or "otel-agent")
def test_cli_help_shows_no_python_types(command: str) -> None:
    result = CliRunner().invoke(app, [*command.split(), "--help"])

    assert result.exit_code == 0, result.output
    assert re.findall(r"<bool>|list\[|\{\w+\}|<str>", result.stdout) == []


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("query", "Usage: otel-agent query [OPTIONS] VIEW [SOURCES]..."),
        ("scan", "Usage: otel-agent scan [OPTIONS] PATH..."),
    ],
)
def test_cli_help_usage_names_arguments(command: str, usage: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])

    assert usage in result.stdout
