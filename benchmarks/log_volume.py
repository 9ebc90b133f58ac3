"""Bytes of log output for the demo's agent run: the incident's set-up vs otel-agent.

Runs the example agent twice against the demo's local server (same script, same
budget, so the same 429s):

``incident``
    ``python examples/agent.py`` with ``LITELLM_LOG=DEBUG``: LiteLLM's debug
    logging on, and the application's plain ``logging.basicConfig`` file at
    DEBUG, as in the incident.
``otel-agent``
    ``opentelemetry-instrument python examples/agent.py``, same environment:
    library loggers at WARNING, logs also exported to the embedded OTLP JSON
    file.

Log output counted: the application's ``logs/app.log``, what the process wrote
to stderr, the log records and banners LiteLLM printed to stdout and, for
otel-agent, the exported ``otel-output/logs.jsonl``. The agent's own display on
stdout (its steps and answer) is the same in both runs and is not counted.

Usage (project virtualenv)::

    python benchmarks/log_volume.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from otel_agent.cli._demo import (
    _agent_environment,
    demo_server_config,
    find_example_agent,
)
from otel_agent.server import LocalAzureServer

# Console lines that are log output: LiteLLM's own handler ("12:00:01 -
# LiteLLM:DEBUG: ...", continuation lines included) and its failure banners.
_CONSOLE_LOG = re.compile(r"^(\d\d:\d\d:\d\d - LiteLLM|Give Feedback|LiteLLM\.Info:)")
_AGENT_DISPLAY = re.compile(r"^[━╭│╰\[]|^(Observations|Final answer|Answer): ")


def _console_log_bytes(stdout: str) -> int:
    """Bytes of LiteLLM log records on stdout, multi-line records included."""
    total, in_record = 0, False
    for line in stdout.splitlines():
        if _CONSOLE_LOG.match(line):
            in_record = True
        elif _AGENT_DISPLAY.match(line):
            in_record = False
        if in_record:
            total += len(line.encode()) + 1
    return total


def _run(mode: str, work_dir: Path) -> dict[str, int]:
    agent = str(find_example_agent())
    bin_dir = Path(sys.executable).parent
    command = [sys.executable, agent]
    if mode == "otel-agent":
        command = [str(bin_dir / "opentelemetry-instrument"), *command]
    work_dir.mkdir(parents=True)
    with LocalAzureServer(demo_server_config()) as server:
        env = _agent_environment(server, work_dir)
        env["LITELLM_LOG"] = "DEBUG"
        result = subprocess.run(
            command,
            cwd=work_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        statuses = [call.status for call in server.calls]
    if result.returncode != 0:
        raise SystemExit(f"{mode} run failed with exit {result.returncode}")
    exported = work_dir / "otel-output" / "logs.jsonl"
    return {
        "app_log": (work_dir / "logs" / "app.log").stat().st_size,
        "stderr": len(result.stderr.encode()),
        "stdout_log": _console_log_bytes(result.stdout),
        "otlp_logs_jsonl": exported.stat().st_size if exported.exists() else 0,
        "requests": len(statuses),
        "rate_limited": statuses.count(429),
    }


def _total(sizes: dict[str, int]) -> int:
    return sum(
        sizes[key] for key in ("app_log", "stderr", "stdout_log", "otlp_logs_jsonl")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    root = Path(tempfile.mkdtemp(prefix="otel-agent-log-volume-"))
    try:
        results = {mode: _run(mode, root / mode) for mode in ("incident", "otel-agent")}
    finally:
        shutil.rmtree(root, ignore_errors=True)

    ratio = _total(results["incident"]) / max(1, _total(results["otel-agent"]))
    print(f"{'':18}{'incident':>12}{'otel-agent':>12}")
    for key in results["incident"]:
        row = (results["incident"][key], results["otel-agent"][key])
        print(f"{key:18}{row[0]:>12,}{row[1]:>12,}")
    totals = (_total(results["incident"]), _total(results["otel-agent"]))
    print(f"{'total log bytes':18}{totals[0]:>12,}{totals[1]:>12,}")
    print(f"ratio incident / otel-agent: {ratio:.1f}x")
    if args.json:
        args.json.write_text(json.dumps({**results, "ratio": ratio}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
