"""Span attributes read from a LiteLLM response, stream chunk or exception.

Everything is read with ``getattr`` from named fields of LiteLLM's response
types (``ModelResponse``, ``EmbeddingResponse``, ``TextCompletionResponse``,
``ModelResponseStream``) and type-checked; a field that is missing or of the
wrong type is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import error_attributes, http_attributes

__all__ = [
    "StreamAccumulator",
    "Usage",
    "error_attributes_of",
    "error_type_of",
    "response_attributes_of",
    "status_code_of",
    "usage_of",
]

Attributes = dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider (or LiteLLM, when ``estimated``) reported them."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    reasoning_tokens: int | None = None

    def attributes(self) -> Attributes:
        # Zero cached or reasoning counts are left out: LiteLLM fills in zeros
        # the provider never sent, so a zero there says nothing.
        pairs = (
            (gen_ai.GEN_AI_USAGE_INPUT_TOKENS, self.input_tokens, True),
            (gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS, self.output_tokens, True),
            (
                gen_ai.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
                self.cache_read_tokens,
                False,
            ),
            (
                gen_ai.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
                self.cache_creation_tokens,
                False,
            ),
            (
                gen_ai.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
                self.reasoning_tokens,
                False,
            ),
        )
        return {
            key: value
            for key, value, keep_zero in pairs
            if value is not None and (keep_zero or value > 0)
        }


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


_MISSING = object()


def _field(container: object, name: str) -> object:
    # The Mapping check is an ABC check, measurable on every field of every
    # chunk: LiteLLM's objects have their fields as attributes and skip it.
    if type(container) is dict:
        return container.get(name)
    value = getattr(container, name, _MISSING)
    if value is not _MISSING:
        return value
    return container.get(name) if isinstance(container, Mapping) else None


def usage_of(usage: object, *, with_output: bool = True) -> Usage | None:
    """Token counts of a LiteLLM ``Usage`` object (or dict); None when absent."""
    if usage is None:
        return None
    input_tokens = _count(_field(usage, "prompt_tokens"))
    output_tokens = _count(_field(usage, "completion_tokens")) if with_output else None
    if input_tokens is None and output_tokens is None:
        return None
    prompt_details = _field(usage, "prompt_tokens_details")
    completion_details = _field(usage, "completion_tokens_details")
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=_count(_field(prompt_details, "cached_tokens")),
        cache_creation_tokens=_count(_field(usage, "cache_creation_input_tokens")),
        reasoning_tokens=_count(_field(completion_details, "reasoning_tokens")),
    )


def _response_model(response: object) -> str | None:
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, Mapping):
        provider_model = hidden.get("provider_response_model")
        if isinstance(provider_model, str) and provider_model:
            return provider_model
    model = getattr(response, "model", None)
    return model if isinstance(model, str) and model else None


def _finish_reasons(choices: object) -> tuple[str, ...]:
    if not isinstance(choices, (list, tuple)):
        return ()
    reasons = (_field(choice, "finish_reason") for choice in choices)
    return tuple(reason for reason in reasons if isinstance(reason, str))


def response_attributes_of(response: object, usage: Usage | None) -> Attributes:
    """Model, id, finish reasons and usage of a complete (non-stream) response.

    ``usage`` is the response's, as ``usage_of`` read it.
    """
    attributes: Attributes = {}
    model = _response_model(response)
    if model:
        attributes[gen_ai.GEN_AI_RESPONSE_MODEL] = model
    response_id = getattr(response, "id", None)
    if isinstance(response_id, str) and response_id:
        attributes[gen_ai.GEN_AI_RESPONSE_ID] = response_id
    reasons = _finish_reasons(getattr(response, "choices", None))
    if reasons:
        attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = reasons
    if usage is not None:
        attributes.update(usage.attributes())
    return attributes


def status_code_of(exception: BaseException) -> int | None:
    """The HTTP status a LiteLLM or openai exception carries, if any."""
    for candidate in (
        getattr(exception, "status_code", None),
        getattr(getattr(exception, "response", None), "status_code", None),
    ):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None


def error_type_of(exception: BaseException) -> str:
    """The ``error.type`` of *exception*: its fully qualified class name."""
    cls = type(exception)
    return f"{cls.__module__}.{cls.__qualname__}"


def error_attributes_of(exception: BaseException) -> Attributes:
    """``error.type`` (the exception's qualified class) and the HTTP status."""
    attributes: Attributes = {error_attributes.ERROR_TYPE: error_type_of(exception)}
    status = status_code_of(exception)
    if status is not None:
        attributes[http_attributes.HTTP_RESPONSE_STATUS_CODE] = status
    return attributes


class StreamAccumulator:
    """What a stream's chunks said, gathered one chunk at a time.

    Per chunk it keeps only what finalisation needs: the first id and model
    seen, finish reasons, the last usage object (parsed at the end) and, when
    captured, text. Not thread-safe: one stream is consumed by one consumer at
    a time.
    """

    __slots__ = ("_usage", "finish_reasons", "response_id", "response_model", "text")

    def __init__(self) -> None:
        self.response_id: str | None = None
        self.response_model: str | None = None
        self._usage: object = None
        self.finish_reasons: dict[int, str] = {}
        self.text: list[str] = []

    def add(self, chunk: object, *, capture_text: bool) -> None:
        if self.response_id is None:
            chunk_id = getattr(chunk, "id", None)
            if isinstance(chunk_id, str) and chunk_id:
                self.response_id = chunk_id
        if self.response_model is None:
            self.response_model = _response_model(chunk)
        choices = getattr(chunk, "choices", None)
        if choices:
            for position, choice in enumerate(choices):
                self._add_choice(position, choice, capture_text)
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self._usage = usage

    def _add_choice(self, position: int, choice: object, capture_text: bool) -> None:
        reason = _field(choice, "finish_reason")
        if isinstance(reason, str):
            index = _field(choice, "index")
            self.finish_reasons[index if isinstance(index, int) else position] = reason
        if capture_text:
            delta = _field(choice, "delta")
            content = _field(delta, "content") if delta is not None else None
            content = content if content is not None else _field(choice, "text")
            if isinstance(content, str):
                self.text.append(content)

    @property
    def usage(self) -> Usage | None:
        """Token counts of the last chunk that carried usable ones."""
        return usage_of(self._usage)

    def attributes(self) -> Attributes:
        attributes: Attributes = {}
        if self.response_model:
            attributes[gen_ai.GEN_AI_RESPONSE_MODEL] = self.response_model
        if self.response_id:
            attributes[gen_ai.GEN_AI_RESPONSE_ID] = self.response_id
        if self.finish_reasons:
            ordered = sorted(self.finish_reasons.items())
            attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] = tuple(
                reason for _, reason in ordered
            )
        usage = self.usage
        if usage is not None:
            attributes.update(usage.attributes())
        return attributes
