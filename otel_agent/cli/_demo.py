"""``otel-agent demo``: the example agent under ``opentelemetry-instrument``.

Starts the local Azure OpenAI-compatible server with a scripted reply for each
step of the example agent and a budget the agent is bound to exceed, runs
``opentelemetry-instrument python examples/agent.py`` against it with the
embedded default (OTLP JSON files), then reads the files back and prints the
agent's LLM calls, checks every token count against what the server sent, and
says how to send the same telemetry to a collector and Jaeger instead.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final

import typer

import otel_agent
from otel_agent.environment_variables import OTEL_AGENT_OUTPUT_DIR
from otel_agent.query import LlmCall, load_calls_from_files, render_calls
from otel_agent.server import (
    DeploymentConfig,
    LocalAzureServer,
    ServerConfig,
    load_scripts,
)

__all__ = ["demo_server_config", "find_example_agent", "register", "run_demo"]

DEPLOYMENT: Final = "gpt-4o"
API_VERSION: Final = "2024-10-21"
TOKENS_PER_MINUTE: Final = 10_000
REQUESTS_PER_MINUTE: Final = 60
# Azure's window is 60 s; the demo's is short so that a 429 clears in seconds.
WINDOW_SECONDS: Final = 6.0
AGENT_TIMEOUT_SECONDS: Final = 110.0
SERVER_CALLS_FILE: Final = "server-calls.json"
AGENT_OUTPUT_FILE: Final = "agent-output.txt"
AGENT_SERVICE_NAME: Final = "harbor-agent"
"""``OTEL_SERVICE_NAME`` the demo gives the example agent."""

SCRIPT_FILE: Final = "agent_script.json"
"""The server's replies to the example agent, next to ``agent.py``: two tool
calls, then the final answer (``otel-agent serve --script`` reads it too)."""

# Variables that would send telemetry elsewhere than the demo's own files.
_OTEL_DESTINATION_VARIABLES: Final = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_METRICS_EXPORTER",
    "OTEL_LOGS_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
    "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
    "OTEL_PYTHON_CONFIGURATOR",
    "OTEL_PYTHON_DISTRO",
)


def demo_server_config() -> ServerConfig:
    """The demo's server: one deployment with a 10,000 tokens/minute budget.

    Raises:
        ValueError: The script file is missing or invalid.
    """
    script = load_scripts(find_example_agent().parent / SCRIPT_FILE)
    if isinstance(script, dict):
        script = script[DEPLOYMENT]
    deployment = DeploymentConfig(
        tokens_per_minute=TOKENS_PER_MINUTE,
        requests_per_minute=REQUESTS_PER_MINUTE,
        script=script,
    )
    return ServerConfig(
        deployments={DEPLOYMENT: deployment},
        window_seconds=WINDOW_SECONDS,
        auto_create_deployments=False,
    )


def find_example_agent() -> Path:
    """Locate ``agent.py``: in a checkout (editable install) or in the wheel.

    Raises:
        FileNotFoundError: Neither place has it.
    """
    package_dir = Path(otel_agent.__file__).resolve().parent
    for candidate in (
        package_dir.parent / "examples" / "agent.py",
        package_dir / "_examples" / "agent.py",
    ):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("the example agent (examples/agent.py) is not installed")


def _fake_azure_ad_token() -> str:
    """A JWT-shaped fake about 2,000 characters long, new on every run."""

    def segment(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    header = segment(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    claims = {
        "aud": "https://cognitiveservices.azure.com",
        "demo": "otel-agent demo, not a real token",
        "filler": secrets.token_hex(600),
    }
    return ".".join(
        (
            header,
            segment(json.dumps(claims).encode()),
            segment(secrets.token_bytes(256)),
        )
    )


def _agent_environment(server: LocalAzureServer, work_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _OTEL_DESTINATION_VARIABLES}
    env.update(
        AZURE_API_BASE=server.base_url,
        AZURE_API_VERSION=API_VERSION,
        AZURE_AD_TOKEN=_fake_azure_ad_token(),
        AZURE_DEPLOYMENT=DEPLOYMENT,
        OTEL_SERVICE_NAME=AGENT_SERVICE_NAME,
        # LiteLLM downloads its price list at import unless told not to.
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        PYTHONUNBUFFERED="1",
    )
    env[OTEL_AGENT_OUTPUT_DIR] = str(work_dir / "otel-output")
    return env


def _instrument_command(agent: Path) -> list[str]:
    bin_dir = Path(sys.executable).parent
    launcher = shutil.which("opentelemetry-instrument", path=str(bin_dir))
    launcher = launcher or shutil.which("opentelemetry-instrument")
    if launcher is None:
        raise FileNotFoundError("opentelemetry-instrument is not installed")
    return [launcher, sys.executable, str(agent)]


def _run_agent(server: LocalAzureServer, work_dir: Path) -> tuple[int, str]:
    command = _instrument_command(find_example_agent())
    output_path = work_dir / AGENT_OUTPUT_FILE
    with output_path.open("w", encoding="utf-8") as output:
        completed = subprocess.run(
            command,
            cwd=work_dir,
            env=_agent_environment(server, work_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=AGENT_TIMEOUT_SECONDS,
            check=False,
        )
    return completed.returncode, output_path.read_text(encoding="utf-8")


def _save_server_calls(
    server: LocalAzureServer, work_dir: Path
) -> list[dict[str, Any]]:
    records = [
        {
            "request_id": call.request_id,
            "status": call.status,
            "usage": dict(call.usage) if call.usage else None,
            "remaining_tokens": call.headers.get("x-ratelimit-remaining-tokens"),
        }
        for call in server.calls
    ]
    (work_dir / SERVER_CALLS_FILE).write_text(json.dumps(records, indent=2))
    return records


def _usage_mismatches(
    calls: Sequence[LlmCall], server_records: Sequence[dict[str, Any]]
) -> list[str]:
    sent = [
        (r["usage"]["prompt_tokens"], r["usage"]["completion_tokens"])
        for r in server_records
        if r["status"] == 200 and r["usage"]
    ]
    seen = [
        (c.input_tokens, c.output_tokens)
        for c in sorted(calls, key=lambda c: c.start_ns)
        if c.input_tokens is not None
    ]
    if sent == seen:
        return []
    return [f"server sent {sent}, telemetry recorded {seen}"]


def _answer_line(agent_output: str) -> str:
    lines = [ln for ln in agent_output.splitlines() if ln.startswith("Answer: ")]
    return lines[-1] if lines else "(the agent printed no answer)"


def _print_next_steps(work_dir: Path) -> None:
    out = work_dir / "otel-output"
    typer.echo(
        f"\nTelemetry files (OTLP JSON, one export request per line):\n"
        f"  {out / 'traces.jsonl'}\n  {out / 'logs.jsonl'}\n"
        f"  {out / 'metrics.jsonl'}\n"
        f"The agent's own log: {work_dir / 'logs' / 'app.log'}  "
        f"(its output: {work_dir / AGENT_OUTPUT_FILE})\n"
        f"Query them again:  otel-agent query calls {out}\n\n"
        "Send the same telemetry to a collector and Jaeger instead (from a "
        'checkout of otel-agent; README section "Collector and Jaeger"):\n'
        "  mkdir -p collector-output\n"
        '  OTELCOL_USER="$(id -u):$(id -g)" '
        "docker compose -f collector/compose.yaml up -d\n"
        "  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317\n"
        f"  export OTEL_SERVICE_NAME={AGENT_SERVICE_NAME}   "
        "# the name the demo gave its agent\n"
        "  opentelemetry-instrument python your_agent.py\n"
        "  otel-agent query calls --jaeger http://127.0.0.1:16686 "
        f"--service {AGENT_SERVICE_NAME}   # or open that URL in a browser"
    )


def run_demo(work_dir: Path) -> int:
    """Run the whole demo in *work_dir*; return the exit status."""
    work_dir = work_dir.resolve()
    shutil.rmtree(work_dir / "otel-output", ignore_errors=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    typer.echo(
        f"Local Azure OpenAI server: deployment {DEPLOYMENT}, "
        f"{TOKENS_PER_MINUTE:,} tokens per {WINDOW_SECONDS:g} s window "
        "(the incident's budget, on a short clock)."
    )
    typer.echo("Running: opentelemetry-instrument python examples/agent.py ...")
    started = time.monotonic()
    with LocalAzureServer(demo_server_config()) as server:
        status, agent_output = _run_agent(server, work_dir)
        server_records = _save_server_calls(server, work_dir)
    typer.echo(f"Agent finished in {time.monotonic() - started:.1f} s, exit {status}.")
    typer.echo(_answer_line(agent_output))
    if status != 0:
        tail = "\n".join(agent_output.splitlines()[-20:])
        typer.echo(f"The agent failed; the end of its output:\n{tail}", err=True)

    calls = load_calls_from_files([work_dir / "otel-output"])
    typer.echo("")
    render_calls(calls, view="calls", fmt="table", file=sys.stdout)
    render_calls(calls, view="models", fmt="table", file=sys.stdout)

    rejected = sum(1 for r in server_records if r["status"] == 429)
    mismatches = _usage_mismatches(calls, server_records)
    typer.echo(
        f"Server: {len(server_records)} requests, {rejected} answered 429. "
        + ("Token counts match the server's usage." if not mismatches else "")
    )
    for mismatch in mismatches:
        typer.echo(f"Token counts differ: {mismatch}", err=True)
    _print_next_steps(work_dir)
    return 0 if status == 0 and calls and not mismatches else 1


def register(app: typer.Typer) -> None:
    """Add the ``demo`` subcommand to *app*."""

    @app.command()
    def demo(
        directory: Annotated[
            Path,
            typer.Option(
                "--dir",
                help="Where the agent runs and the telemetry files go.",
            ),
        ] = Path("otel-agent-demo"),
    ) -> None:
        """Run the example agent against a local rate-limited Azure OpenAI server
        under opentelemetry-instrument, then show its LLM calls."""
        try:
            status = run_demo(directory)
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            typer.echo(f"otel-agent demo: {error}", err=True)
            raise typer.Exit(1) from None
        raise typer.Exit(status)
