"""LiteLLM's own ``otel`` callback, which would trace every call a second time.

When a user (or a config file) sets ``litellm.callbacks = ["otel"]``, LiteLLM
emits its own span per call alongside ours. Each traced call first takes the
callback (the ``"otel"`` name, or the ``OpenTelemetry`` logger LiteLLM builds
from it) out of LiteLLM's callback lists, and the first time it does so logs one
warning saying so. ``restore_litellm_otel`` (called by ``uninstrument()``) puts
the removed entries back.
"""

from __future__ import annotations

import logging
import sys
import threading

__all__ = ["disable_litellm_otel", "restore_litellm_otel"]

_logger = logging.getLogger(__name__)

_CALLBACK_LISTS = (
    "callbacks",
    "success_callback",
    "failure_callback",
    "_async_success_callback",
    "_async_failure_callback",
    "input_callback",
    "service_callback",
)
_OTEL_NAME = "otel"
_OTEL_MODULE = "litellm.integrations.opentelemetry"

_lock = threading.Lock()
_removed: dict[str, list[object]] = {}
_warned = False


def _is_litellm_otel(callback: object) -> bool:
    if isinstance(callback, str):
        return callback == _OTEL_NAME
    return type(callback).__module__.startswith(_OTEL_MODULE)


def disable_litellm_otel() -> None:
    """Remove LiteLLM's ``otel`` callback from its lists; warn the first time.

    Cheap when absent (a scan of a few short lists). Thread-safe; the lock is
    never held while logging. May raise on an unexpected LiteLLM layout: the
    wrappers call it inside their pre-call guard.
    """
    global _warned
    litellm = sys.modules.get("litellm")
    if litellm is None:
        return
    found = False
    with _lock:
        for name in _CALLBACK_LISTS:
            callbacks = getattr(litellm, name, None)
            if not isinstance(callbacks, list):
                continue
            otel = [cb for cb in callbacks if _is_litellm_otel(cb)]
            if not otel:
                continue
            found = True
            callbacks[:] = [cb for cb in callbacks if not _is_litellm_otel(cb)]
            _removed.setdefault(name, []).extend(otel)
        warn = found and not _warned
        if warn:
            _warned = True
    # Logged outside the lock: handlers run arbitrary code and may log again.
    if warn:
        _logger.warning(
            "LiteLLM's own 'otel' callback is on; otel-agent removed it so "
            "each call is traced once"
        )


def restore_litellm_otel() -> None:
    """Put back the callbacks ``disable_litellm_otel`` removed."""
    global _warned
    litellm = sys.modules.get("litellm")
    with _lock:
        removed = dict(_removed)
        _removed.clear()
        _warned = False
    if litellm is None:
        return
    for name, callbacks in removed.items():
        current = getattr(litellm, name, None)
        if isinstance(current, list):
            current.extend(cb for cb in callbacks if cb not in current)
