"""Fixtures for the Collector configuration tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def config_path() -> Path:
    return REPO_ROOT / "collector" / "otelcol-config.yaml"


@pytest.fixture(scope="session")
def config(config_path: Path) -> dict[str, Any]:
    return yaml.safe_load(config_path.read_text(encoding="utf-8"))


def _merge(base: Any, overlay: Any) -> Any:
    # The Collector's rule for several --config files: maps merge, anything
    # else (lists included) is replaced by the later file.
    if isinstance(base, dict) and isinstance(overlay, dict):
        merged = dict(base)
        for key, value in overlay.items():
            merged[key] = _merge(base[key], value) if key in base else value
        return merged
    return overlay


@pytest.fixture(scope="session")
def phoenix_overlay() -> dict[str, Any]:
    path = REPO_ROOT / "collector" / "phoenix.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", params=["base", "with_phoenix_overlay"])
def any_config(
    request: pytest.FixtureRequest,
    config: dict[str, Any],
    phoenix_overlay: dict[str, Any],
) -> dict[str, Any]:
    """The config as the Collector sees it, alone and with the Phoenix overlay."""
    if request.param == "base":
        return config
    return _merge(config, phoenix_overlay)


@pytest.fixture(scope="session", params=["compose.yaml", "compose.phoenix.yaml"])
def compose_path(request: pytest.FixtureRequest) -> Path:
    return REPO_ROOT / "collector" / request.param


@pytest.fixture(scope="session")
def compose(compose_path: Path) -> dict[str, Any]:
    return yaml.safe_load(compose_path.read_text(encoding="utf-8"))
