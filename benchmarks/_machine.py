"""Describe the machine and software a benchmark run used."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata

__all__ = ["BENCHMARKED_PACKAGES", "describe_machine", "describe_other_load"]

BENCHMARKED_PACKAGES = (
    "otel-agent",
    "litellm",
    "openai",
    "opentelemetry-sdk",
    "opentelemetry-exporter-otlp-proto-http",
    "opentelemetry-exporter-otlp-proto-grpc",
    "openinference-instrumentation-litellm",
    "opentelemetry-instrumentation-litellm",
    "logfire",
    "google-re2",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine() -> list[tuple[str, str]]:
    """Rows of (item, value) naming the CPU, cores, OS, Python and packages."""
    rows = [
        ("CPU", _cpu_model()),
        ("Cores (nproc)", str(len(os.sched_getaffinity(0)))),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", sys.version.split()[0]),
    ]
    rows.extend((package, _version(package)) for package in BENCHMARKED_PACKAGES)
    return rows


def _own_tree(rows: list[tuple[int, int]]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in rows:
        children.setdefault(ppid, []).append(pid)
    own, stack = set(), [os.getpid()]
    while stack:
        pid = stack.pop()
        own.add(pid)
        stack.extend(children.get(pid, []))
    return own


def describe_other_load() -> str:
    """One line: the load average and other processes using CPU right now.

    Processes started by this benchmark run are left out. ``%CPU`` is ``ps``'s
    (CPU time over the process's lifetime).
    """
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    try:
        listing = subprocess.run(
            ["ps", "-eo", "pid=,ppid=,pcpu=,comm="],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        listing = []
    rows = [line.split(None, 3) for line in listing if len(line.split(None, 3)) == 4]
    own = _own_tree([(int(pid), int(ppid)) for pid, ppid, _, _ in rows])
    busy = sorted(
        ((float(cpu), name) for pid, _, cpu, name in rows if int(pid) not in own),
        reverse=True,
    )
    shown = [f"{name} {cpu:.0f}%" for cpu, name in busy[:6] if cpu >= 5.0]
    return f"load average {load}; other busy processes: {', '.join(shown) or 'none'}"
