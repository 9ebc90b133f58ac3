"""``otel-agent scan``: exit codes, output without values, safe in-place rewrite."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from otel_agent.cli import _scan


@pytest.fixture
def cli() -> typer.Typer:
    """A Typer app with only the scan subcommand, as the real CLI registers it."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """otel-agent (test)."""

    _scan.register(app)
    return app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def leaky_log(tmp_path: Path, credentials: dict[str, str]) -> Path:
    path = tmp_path / "app.log"
    path.write_text(
        "INFO started\n"
        f"DEBUG extra_body={{'azure_ad_token': '{credentials['jwt']}'}}\n"
        "INFO used 7,325 tokens; x-request-id: r-1\n"
        f"DEBUG GET https://h.test/v1?key={credentials['google']}&alt=json "
        f"Authorization: Bearer {credentials['bearer']}\n"
        f"{credentials['pem']}\n"
        "INFO done",
        encoding="utf-8",
    )
    path.chmod(0o640)
    return path


def test_scan_credentials_found_reports_rules_not_values(
    cli: typer.Typer,
    runner: CliRunner,
    leaky_log: Path,
    credentials: dict[str, str],
) -> None:
    before = leaky_log.read_bytes()

    result = runner.invoke(cli, ["scan", str(leaky_log)])

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{leaky_log}:2:sensitive_key",
        f"{leaky_log}:4:sensitive_key",
        f"{leaky_log}:4:url_query_secret",
        f"{leaky_log}:5:private_key",
        f"{leaky_log}:6:private_key",
        f"{leaky_log}:7:private_key",
        f"{leaky_log}:8:private_key",
        f"{leaky_log}:9:private_key",
        f"{leaky_log}:10:private_key",
    ]
    for value in credentials.values():
        assert value not in result.output
    assert leaky_log.read_bytes() == before


def test_scan_redact_rewrites_in_place_keeping_permissions(
    cli: typer.Typer,
    runner: CliRunner,
    leaky_log: Path,
    credentials: dict[str, str],
) -> None:
    result = runner.invoke(cli, ["scan", "--redact", str(leaky_log)])

    assert result.exit_code == 1
    assert stat.S_IMODE(leaky_log.stat().st_mode) == 0o640
    assert leaky_log.read_text() == (
        "INFO started\n"
        "DEBUG extra_body={'azure_ad_token': '[REDACTED:sensitive_key]'}\n"
        "INFO used 7,325 tokens; x-request-id: r-1\n"
        "DEBUG GET https://h.test/v1?key=[REDACTED:url_query_secret]&alt=json "
        "Authorization: [REDACTED:sensitive_key]\n"
        + "[REDACTED:private_key]\n" * 6
        + "INFO done"
    )
    assert [p.name for p in leaky_log.parent.iterdir()] == ["app.log"]
    rescan = runner.invoke(cli, ["scan", str(leaky_log)])
    assert (rescan.exit_code, rescan.output) == (0, "")


def test_scan_clean_directory_exits_zero(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "clean.log").write_text("INFO 7,325 tokens\n")
    (tmp_path / "binary.bin").write_bytes(b"\x00\xff\xfe binary \x80")

    result = runner.invoke(cli, ["scan", str(tmp_path)])

    assert (result.exit_code, result.output) == (0, "")


def test_scan_missing_file_one_line_error_exit_two(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path, leaky_log: Path
) -> None:
    missing = tmp_path / "missing.log"

    result = runner.invoke(cli, ["scan", str(missing), str(leaky_log)])

    assert result.exit_code == 2
    assert result.stderr == (
        f"otel-agent scan: cannot process {missing}: No such file or directory\n"
    )
    assert f"{leaky_log}:2:sensitive_key" in result.stdout


def test_scan_without_paths_is_usage_error(cli: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["scan"])

    assert result.exit_code == 2


def test_scan_large_file_line_by_line(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path, credentials: dict[str, str]
) -> None:
    path = tmp_path / "big.log"
    filler = "INFO request finished in 12 ms, 7,325 tokens\n" * 20_000
    path.write_text(filler + f"DEBUG api_key={credentials['hex32']}\n" + filler)

    result = runner.invoke(cli, ["scan", "--redact", str(path)])

    assert (result.exit_code, result.stdout) == (1, f"{path}:20001:sensitive_key\n")
    assert credentials["hex32"] not in path.read_text()
    assert path.stat().st_size == 2 * len(filler) + len(
        "DEBUG api_key=[REDACTED:sensitive_key]\n"
    )
