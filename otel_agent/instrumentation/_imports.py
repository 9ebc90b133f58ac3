"""Run a callback when a module is imported, without importing it; tell wrapped
functions from plain ones.

Instrumenting must not import the libraries it instruments: importing LiteLLM
costs seconds at start-up (and, offline, warnings about its price list) in
programs that never use it. :func:`when_imported` calls the callback now when
the module is already loaded, otherwise from a post-import hook that runs
as soon as the module finishes loading, before the importing statement binds
any of its names (so ``from litellm import completion`` gets the wrapped
function).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import ModuleType

import wrapt

__all__ = ["is_wrapped", "when_imported"]

# wrapt 2 moved its function wrappers under BaseObjectProxy; wrapt 1 has only
# ObjectProxy.
_PROXY_TYPES: tuple[type, ...] = (
    getattr(wrapt, "BaseObjectProxy", wrapt.ObjectProxy),
    wrapt.ObjectProxy,
)

_lock = threading.Lock()
# (module, callback) pairs with a hook registered. A wrapt hook cannot be
# unregistered, so each pair is registered once and the callback itself checks
# whether it is still wanted.
_registered: set[tuple[str, Callable[[ModuleType], None]]] = set()


def when_imported(module: str, callback: Callable[[ModuleType], None]) -> None:
    """Call *callback(module)* now if *module* is loaded, else once it is.

    Registers at most one hook per (module, callback) pair, however often it
    is called. *callback* must not raise (it runs inside the application's
    import) and must decide for itself whether it still has work to do.
    """
    loaded = sys.modules.get(module)
    if loaded is not None:
        callback(loaded)
        return
    with _lock:
        if (module, callback) in _registered:
            return
        _registered.add((module, callback))
    wrapt.register_post_import_hook(callback, module)


def is_wrapped(value: object) -> bool:
    """Whether *value* is already a wrapt wrapper (so wrapping again would nest)."""
    return isinstance(value, _PROXY_TYPES)
