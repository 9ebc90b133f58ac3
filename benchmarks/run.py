"""Run otel-agent's benchmarks and write ``benchmarks/results.md``.

Use ``bash benchmarks/run.sh`` (it creates the benchmark's own virtualenv,
``benchmarks/.venv``, and runs this file in it). Options:

``--quick``
    Few repetitions, for checking that the harness works; figures are not
    meaningful and nothing is written unless ``--output`` is given.
``--only NAME[,NAME...]``
    Run some suites only: ``redaction``, ``calls``, ``export``, ``memory``.
``--output PATH``
    Where to write the Markdown report (default ``benchmarks/results.md`` for
    a full run).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from _machine import describe_machine, describe_other_load
from _report import Section, TargetCheck, markdown_table

_HERE = Path(__file__).resolve().parent
_COMMAND = "bash benchmarks/run.sh"


def _suites() -> dict[str, Callable[[bool], Section]]:
    # Imported lazily: each suite imports heavy packages.
    import bench_calls
    import bench_export
    import bench_memory
    import bench_redaction

    return {
        "redaction": bench_redaction.run,
        "calls": bench_calls.run,
        "export": bench_export.run,
        "memory": bench_memory.run,
    }


def _run_suite(name: str, suite: Callable[[bool], Section], quick: bool) -> Section:
    """Run one suite; a suite that fails becomes a section saying so."""
    try:
        return suite(quick)
    except Exception as error:  # noqa: BLE001 - report it, run the other suites
        traceback.print_exc()
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else ""
        return Section(
            title=f"{name}: failed",
            method=f"The {name} suite failed in this run: "
            f"{type(error).__name__}: {reason}",
            checks=[TargetCheck(f"{name} suite", "failed", None)],
        )


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run otel-agent's benchmarks.")
    parser.add_argument("--quick", action="store_true", help="few repetitions")
    parser.add_argument("--only", default="", help="comma-separated suite names")
    parser.add_argument("--output", type=Path, default=None, help="report path")
    return parser.parse_args(argv)


def _targets_table(sections: list[Section]) -> str:
    rows = [
        [check.target, check.measured, check.verdict]
        for section in sections
        for check in section.checks
    ]
    return markdown_table(["Target (issue 7)", "Measured in this run", "Verdict"], rows)


def _report(
    sections: list[Section],
    command: str,
    started: datetime.datetime,
    elapsed: float,
    load: list[str],
) -> str:
    machine = markdown_table(["", ""], describe_machine())
    parts = [
        "# otel-agent benchmark results",
        "",
        f"Reproduce with `{command}` from the repository root. Run started "
        f"{started:%Y-%m-%d %H:%M} UTC and took {elapsed / 60:.1f} minutes.",
        "",
        "## Machine",
        "",
        machine,
        "",
        "Other load on the machine during the run (sampled before each suite and at "
        "the end; this is a shared machine and other processes were running):",
        "",
        *(f"- {line}" for line in load),
        "",
        "## Targets",
        "",
        _targets_table(sections),
        "",
    ]
    parts.extend(section.to_markdown() for section in sections)
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    """Run the selected suites, print the report and write it."""
    options = _parse(argv)
    suites = _suites()
    selected = [
        name.strip() for name in options.only.split(",") if name.strip()
    ] or list(suites)
    unknown = [name for name in selected if name not in suites]
    if unknown:
        print(
            f"Unknown suite(s): {', '.join(unknown)}; choose from {', '.join(suites)}",
            file=sys.stderr,
        )
        return 2
    started = datetime.datetime.now(datetime.timezone.utc)
    start = time.monotonic()
    sections: list[Section] = []
    load: list[str] = []
    for name in selected:
        load.append(f"before {name}: {describe_other_load()}")
        print(f"Running {name} benchmarks...", file=sys.stderr, flush=True)
        suite_start = time.monotonic()
        sections.append(_run_suite(name, suites[name], options.quick))
        print(
            f"  {name} took {time.monotonic() - suite_start:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    load.append(f"at the end: {describe_other_load()}")
    command = _COMMAND + "".join(f" {arg}" for arg in argv)
    report = _report(sections, command, started, time.monotonic() - start, load)
    print(report)
    output = options.output
    if output is None and not options.quick and not options.only:
        output = _HERE / "results.md"
    if output is not None:
        output.write_text(report, encoding="utf-8")
        print(f"Wrote {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
