"""Typer command classes whose ``--help`` reads like a Unix tool's.

Recent Typer releases print a type after every parameter, Python-style
(``--redact <bool>``, ``--help <bool>``, ``sources... <list[Path]>``) and put
required arguments in braces (``{view}``). Here a flag shows no type (it takes
no value), and an argument with a ``metavar`` reads ``VIEW`` when required,
``[SOURCES]...`` when optional and repeatable. Everything else is Typer's own
rendering.
"""

from __future__ import annotations

import re
from typing import Any

import typer.core

__all__ = ["HelpCommand", "HelpGroup"]

_LIST_TYPE = re.compile(r"<list\[(\w+)\]>")


def _plain_display_type(param: Any) -> None:
    if getattr(param, "is_flag", False):
        _override(param, "display_type_rich", lambda ctx: "")
    elif isinstance(param, typer.core.TyperArgument) and param.metavar:
        _plain_argument(param)


def _plain_argument(param: typer.core.TyperArgument) -> None:
    repeat = "..." if param.nargs != 1 else ""
    name = f"{param.metavar}{repeat}"
    _override(param, "_rich_display_name", lambda: name)
    _override(
        param,
        "_usage_display_name",
        lambda: name if param.required else f"[{param.metavar}]{repeat}",
    )
    if repeat and hasattr(param, "display_type_rich"):
        typer_type = param.display_type_rich
        _override(param, "display_type_rich", lambda ctx: _repeated(typer_type(ctx)))


def _repeated(typer_type: str | None) -> str | None:
    # "<list[Path]>" -> "<path>...": the element type, then that it repeats.
    match = _LIST_TYPE.fullmatch(typer_type or "")
    return f"<{match.group(1).lower()}>..." if match else typer_type


def _override(param: Any, method: str, replacement: Any) -> None:
    # Only what this Typer release renders with; older ones lack some methods.
    if hasattr(param, method):
        setattr(param, method, replacement)


class HelpCommand(typer.core.TyperCommand):
    """A Typer command with the plainer help described in the module docstring."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _plain_display_type(param)
        return params


class HelpGroup(typer.core.TyperGroup):
    """The top-level group, with the same plainer help."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _plain_display_type(param)
        return params
