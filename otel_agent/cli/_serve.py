"""The ``otel-agent serve`` subcommand: run the local Azure-compatible server.

Prints the base URL as the only line on standard output (so scripts can read
it), a short description on standard error, and serves until interrupted.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from otel_agent.server import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_TOKENS_PER_MINUTE,
    DEFAULT_WINDOW_SECONDS,
    DeploymentConfig,
    LocalAzureServer,
    ScriptStep,
    ServerConfig,
    load_scripts,
)

# ServerConfig's and LocalAzureServer's validation messages start with the
# parameter name.
_OPTION_FOR_FIELD = {
    "port": "--port",
    "tokens_per_minute": "--tpm",
    "requests_per_minute": "--rpm",
    "window_seconds": "--window",
    "default_max_tokens": "--default-max-tokens",
}


def register(app: typer.Typer) -> None:
    """Add the `serve` subcommand to *app*."""
    app.command("serve")(serve)


def serve(
    port: Annotated[
        int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one.")
    ] = 0,
    tpm: Annotated[
        int, typer.Option(help="Token budget per deployment per window.")
    ] = DEFAULT_TOKENS_PER_MINUTE,
    rpm: Annotated[
        int, typer.Option(help="Request budget per deployment per window.")
    ] = DEFAULT_REQUESTS_PER_MINUTE,
    window: Annotated[
        float, typer.Option(help="Length of the rate-limit window in seconds.")
    ] = DEFAULT_WINDOW_SECONDS,
    script: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="JSON reply script: a list of steps for every deployment, or an "
            "object mapping deployment names to lists of steps.",
        ),
    ] = None,
    deployment: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME",
            help="Deployment to create up front (repeatable). Others are "
            "created on first use with the same budgets.",
        ),
    ] = None,
    default_max_tokens: Annotated[
        int,
        typer.Option(help="Reply tokens charged when a request sets no max_tokens."),
    ] = DEFAULT_MAX_TOKENS,
) -> None:
    """Serve an Azure OpenAI-compatible API with rate limits on 127.0.0.1."""
    try:
        config = _build_config(
            tpm, rpm, window, script, deployment or [], default_max_tokens
        )
        server = LocalAzureServer(config, port=port).start()
    except ValueError as error:
        typer.echo(f"Error: {_name_option(str(error))}", err=True)
        raise typer.Exit(2) from None
    except OSError as error:
        typer.echo(f"Error: cannot listen on port {port}: {error.strerror}", err=True)
        raise typer.Exit(1) from None

    typer.echo(server.base_url)
    sys.stdout.flush()
    names = ", ".join(config.deployments) or "created on first use"
    typer.echo(
        f"Local Azure OpenAI server: deployments {names}; {tpm} tokens and "
        f"{rpm} requests per {window:g} s window. Ctrl-C stops it.",
        err=True,
    )
    _wait_for_interrupt()
    server.stop()


def _name_option(message: str) -> str:
    """Name the command-line option in a ``ServerConfig`` validation message."""
    for field, option in _OPTION_FOR_FIELD.items():
        if message.startswith(f"{field} "):
            return option + message[len(field) :]
    return message


def _build_config(
    tpm: int,
    rpm: int,
    window: float,
    script_path: Path | None,
    names: list[str],
    default_max_tokens: int,
) -> ServerConfig:
    scripts = load_scripts(script_path) if script_path is not None else []
    shared: list[ScriptStep] = scripts if isinstance(scripts, list) else []
    per_name = scripts if isinstance(scripts, dict) else {}

    def deployment(steps: list[ScriptStep]) -> DeploymentConfig:
        return DeploymentConfig(
            tokens_per_minute=tpm,
            requests_per_minute=rpm,
            script=steps,
            default_max_tokens=default_max_tokens,
        )

    deployments = {name: deployment(shared) for name in names}
    deployments.update({name: deployment(steps) for name, steps in per_name.items()})
    return ServerConfig(
        deployments=deployments,
        window_seconds=window,
        default_deployment=deployment(shared),
    )


def _wait_for_interrupt() -> None:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {
        signum: signal.signal(signum, on_signal)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
