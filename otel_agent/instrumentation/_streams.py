"""A transparent proxy around LiteLLM's stream objects.

``TracedStream`` hands every chunk to the consumer unchanged, sync
(``__next__``) and async (``__anext__``) alike, and forwards every other
attribute to the wrapped ``CustomStreamWrapper`` / ``TextCompletionStreamWrapper``.
It ends the call's span exactly once: when the stream is exhausted, raises,
is closed, leaves a ``with`` block, or is garbage-collected unfinished.

Observing a chunk and finishing the span are each guarded on their own: a fault
there is logged at debug level and the consumer gets the chunk (or the end of
the stream, or the stream's own exception) exactly as without the proxy.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import wrapt

from otel_agent.instrumentation._call import CallRecord
from otel_agent.instrumentation._response_attributes import StreamAccumulator

__all__ = ["TracedStream"]

_logger = logging.getLogger(__name__)


class TracedStream(wrapt.ObjectProxy):  # type: ignore[misc]
    """Proxy of a LiteLLM stream that traces its consumption."""

    def __init__(self, stream: Any, call: CallRecord) -> None:
        super().__init__(stream)
        self._self_call = call
        self._self_accumulator = StreamAccumulator()

    # Telemetry steps, each guarded.

    def _self_observe(self, chunk: object) -> None:
        try:
            self._self_call.observe_chunk(self._self_accumulator, chunk)
        except Exception:
            _logger.debug("LiteLLM instrumentation: chunk not observed", exc_info=True)

    def _self_finish(
        self, exception: BaseException | None = None, abandoned: bool = False
    ) -> None:
        try:
            if not self._self_call.finished:
                self._self_call.finish_stream(
                    self.__wrapped__, self._self_accumulator, exception, abandoned
                )
        except Exception:
            _logger.debug("LiteLLM instrumentation: stream not recorded", exc_info=True)
            self._self_call.discard()

    # Sync iteration.

    def __iter__(self) -> TracedStream:
        return self

    def __next__(self) -> Any:
        try:
            chunk = next(self.__wrapped__)
        except StopIteration:
            self._self_finish()
            raise
        except BaseException as exception:
            self._self_finish(exception)
            raise
        self._self_observe(chunk)
        return chunk

    def __enter__(self) -> TracedStream:
        enter = getattr(self.__wrapped__, "__enter__", None)
        if enter is not None:
            enter()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        exit_ = getattr(self.__wrapped__, "__exit__", None)
        try:
            return exit_(*exc_info) if exit_ is not None else None
        finally:
            self._self_finish(abandoned=True)

    def close(self) -> Any:
        close = getattr(self.__wrapped__, "close", None)
        try:
            return close() if close is not None else None
        finally:
            self._self_finish(abandoned=True)

    # Async iteration.

    def __aiter__(self) -> TracedStream:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            self._self_finish()
            raise
        except BaseException as exception:
            self._self_finish(exception)
            raise
        self._self_observe(chunk)
        return chunk

    async def __aenter__(self) -> TracedStream:
        enter = getattr(self.__wrapped__, "__aenter__", None)
        if enter is not None:
            await enter()
        return self

    async def __aexit__(self, *exc_info: Any) -> Any:
        exit_ = getattr(self.__wrapped__, "__aexit__", None)
        try:
            return await exit_(*exc_info) if exit_ is not None else None
        finally:
            self._self_finish(abandoned=True)

    async def aclose(self) -> Any:
        close = getattr(self.__wrapped__, "aclose", None)
        try:
            return await close() if close is not None else None
        finally:
            self._self_finish(abandoned=True)

    def __del__(self) -> None:
        # A consumer that breaks out of its loop and drops the stream still
        # gets its span ended, with what had arrived by then.
        with contextlib.suppress(Exception):  # interpreter shutdown
            self._self_finish(abandoned=True)
