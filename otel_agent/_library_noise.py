"""Quiet the libraries an LLM agent runs on: LiteLLM, openai, httpx, httpcore.

Left alone, these loggers follow an application's DEBUG root level and write
every request, header and retry to its log file, and LiteLLM prints a
"Give Feedback / Get Help" banner to stdout on every failure. By default
otel-agent sets their loggers to WARNING and turns the banner off
(``litellm.suppress_debug_info``); ``OTEL_AGENT_LIBRARY_DEBUG=true`` sets the
loggers to DEBUG instead and leaves the banner alone, for troubleshooting.
Whatever they log is still redacted on export.
"""

from __future__ import annotations

import logging
import os
from types import ModuleType
from typing import Final

import wrapt

from otel_agent.environment_variables import OTEL_AGENT_LIBRARY_DEBUG

__all__ = ["LIBRARY_LOGGERS", "library_debug_enabled", "quiet_library_logging"]

_logger = logging.getLogger(__name__)

LIBRARY_LOGGERS: Final = (
    "LiteLLM",
    "LiteLLM Router",
    "LiteLLM Proxy",
    "litellm",
    "openai",
    "httpx",
    "httpcore",
)
"""Loggers set to WARNING by default (DEBUG with ``OTEL_AGENT_LIBRARY_DEBUG``)."""

_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off", ""})

_banner_hook_registered = False
_invalid_warned = False


def library_debug_enabled() -> bool:
    """Read ``OTEL_AGENT_LIBRARY_DEBUG``; a malformed value means off.

    A malformed value is warned about once per process.
    """
    raw = os.environ.get(OTEL_AGENT_LIBRARY_DEBUG, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        _warn_invalid_once()
    return False


def _warn_invalid_once() -> None:
    # The distro and the post-instrument hook both apply the defaults.
    global _invalid_warned
    if not _invalid_warned:
        _invalid_warned = True
        _logger.warning("Invalid %s; library debug stays off", OTEL_AGENT_LIBRARY_DEBUG)


def quiet_library_logging() -> None:
    """Apply the library logging defaults; idempotent, never raises.

    Sets the levels of :data:`LIBRARY_LOGGERS` now, and turns LiteLLM's stdout
    banners off when ``litellm`` is imported (immediately if it already is),
    without importing it.
    """
    debug = library_debug_enabled()
    level = logging.DEBUG if debug else logging.WARNING
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(level)
    if not debug:
        _suppress_litellm_banners()


def _suppress_litellm_banners() -> None:
    global _banner_hook_registered
    if _banner_hook_registered:
        return
    wrapt.register_post_import_hook(_on_litellm_import, "litellm")
    _banner_hook_registered = True


def _on_litellm_import(module: ModuleType) -> None:
    try:
        module.suppress_debug_info = True  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - a read-only module attribute is not our fault
        _logger.debug("Cannot turn LiteLLM banners off", exc_info=True)
