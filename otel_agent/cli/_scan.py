"""``otel-agent scan``: find (and optionally redact) credentials in log files.

Reads files line by line with the same rules as the processors, so a log file
of any size is handled in constant memory (one line at a time). Prints
``file:line:rule`` for each finding, never the value.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, NamedTuple

import typer

from otel_agent.redaction import Redactor

EXIT_CLEAN = 0
EXIT_FOUND = 1
EXIT_ERROR = 2

_PEM_BEGIN = "-----BEGIN"
_PEM_END = "-----END"
_PEM_TAIL = "PRIVATE KEY-----"
_PEM_RULE = "private_key"


class Finding(NamedTuple):
    """One rule matching on one line of one file."""

    path: Path
    line: int
    rule: str


class _LineScanner:
    """Redacts a file line by line; PEM key bodies span lines, so it tracks them."""

    def __init__(self, redactor: Redactor) -> None:
        self._redactor = redactor
        self._in_private_key = False

    def redact_line(self, line: str) -> tuple[str, tuple[str, ...]]:
        text = line.rstrip("\r\n")
        ending = line[len(text) :]
        if self._in_private_key:
            self._in_private_key = _PEM_END not in text
            return f"[REDACTED:{_PEM_RULE}]{ending}", (_PEM_RULE,)
        result = self._redactor.redact_text(text)
        if _PEM_BEGIN in text and _PEM_TAIL in text and _PEM_END not in text:
            self._in_private_key = True
        return result.value + ending, result.rules


def scan_file(
    path: Path, redactor: Redactor, output: IO[str] | None = None
) -> Iterator[Finding]:
    """Yield the findings in *path*, writing the redacted text to *output*.

    Raises:
        OSError: The file cannot be read (or *output* written).
    """
    scanner = _LineScanner(redactor)
    # surrogateescape: bytes that are not UTF-8 pass through unchanged.
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as lines:
        for number, line in enumerate(lines, start=1):
            redacted, rules = scanner.redact_line(line)
            if output is not None:
                output.write(redacted)
            for rule in rules:
                yield Finding(path, number, rule)


def redact_file(path: Path, redactor: Redactor) -> list[Finding]:
    """Rewrite *path* with every finding redacted; atomic, permissions kept.

    The redacted text goes to a temporary file in the same directory, which is
    flushed to disk and then renamed over the original, so a crash leaves
    either the old file or the new one. Unchanged files are not rewritten.

    Raises:
        OSError: The file cannot be read, or the directory not written.
    """
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".redacting", dir=target.parent
    )
    try:
        with open(
            handle, "w", encoding="utf-8", errors="surrogateescape", newline=""
        ) as output:
            findings = [
                Finding(path, finding.line, finding.rule)
                for finding in scan_file(target, redactor, output)
            ]
            output.flush()
            os.fsync(output.fileno())
        if findings:
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        return findings
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _expand(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(child for child in path.rglob("*") if child.is_file())
        else:
            yield path


def scan(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH", help="Log files or directories (searched recursively)."
        ),
    ],
    redact: Annotated[
        bool,
        typer.Option("--redact", help="Rewrite the files with credentials redacted."),
    ] = False,
) -> None:
    """Find credentials in log files; print file:line:rule, never the value.

    Exit status: 0 nothing found, 1 credentials found (and, with --redact,
    removed), 2 a file could not be read or written.
    """
    redactor = Redactor.from_env()
    found = failed = False
    for path in _expand(paths):
        try:
            if redact:
                findings = redact_file(path, redactor)
            else:
                findings = list(scan_file(path, redactor))
        except (OSError, UnicodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not text"
            typer.echo(f"otel-agent scan: cannot process {path}: {reason}", err=True)
            failed = True
            continue
        for finding in findings:
            typer.echo(f"{finding.path}:{finding.line}:{finding.rule}")
        found = found or bool(findings)
    sys.stdout.flush()
    raise typer.Exit(EXIT_ERROR if failed else EXIT_FOUND if found else EXIT_CLEAN)


def register(app: typer.Typer) -> None:
    """Add the ``scan`` subcommand to *app*."""
    app.command("scan")(scan)


__all__ = ["Finding", "redact_file", "register", "scan", "scan_file"]
