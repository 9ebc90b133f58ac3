"""Markdown pieces of ``results.md``: sections, tables and target checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Section", "TargetCheck", "markdown_table"]


@dataclass(frozen=True)
class TargetCheck:
    """One target from the issue and what this run measured against it."""

    target: str
    measured: str
    met: bool | None
    """``None`` when the run could not measure it."""

    @property
    def verdict(self) -> str:
        """``met``, ``MISSED`` or ``not measured``."""
        if self.met is None:
            return "not measured"
        return "met" if self.met else "**MISSED**"


@dataclass
class Section:
    """One benchmark's part of the report."""

    title: str
    method: str
    tables: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checks: list[TargetCheck] = field(default_factory=list)

    def to_markdown(self) -> str:
        """The section as Markdown: heading, method, tables, notes."""
        parts = [f"## {self.title}", "", self.method, ""]
        for table in self.tables:
            parts.extend([table, ""])
        parts.extend(f"- {note}" for note in self.notes)
        return "\n".join(parts).rstrip() + "\n"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)
