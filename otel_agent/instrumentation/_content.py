"""Prompt and completion content, recorded only when the user opted in.

``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (read once, at
``instrument()``) turns it on. Content becomes ``gen_ai.input.messages`` and
``gen_ai.output.messages`` on the span, as JSON in the semantic conventions'
message shape (role, parts, finish reason); the span then passes through the
same redaction processors as everything else.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

from otel_agent.environment_variables import (
    OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
)

__all__ = [
    "content_capture_enabled",
    "input_messages_attribute",
    "output_messages_attribute",
    "stream_output_attribute",
]

_logger = logging.getLogger(__name__)

_ON = frozenset({"true", "1", "yes", "span_only", "span_and_event", "event_only"})
_OFF = frozenset({"", "false", "0", "no", "no_content"})


def content_capture_enabled() -> bool:
    """Whether the environment turns content capture on; a bad value means off."""
    value = os.environ.get(OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, "")
    normalised = value.strip().lower()
    if normalised in _ON:
        return True
    if normalised not in _OFF:
        _logger.warning(
            "Ignoring %s: unrecognised value; message content stays off",
            OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
        )
    return False


def _field(container: object, name: str) -> object:
    if isinstance(container, Mapping):
        return container.get(name)
    return getattr(container, name, None)


def _text_parts(content: object) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}]
    if isinstance(content, list):
        return [
            {"type": "text", "content": item["text"]}
            for item in content
            if isinstance(item, Mapping) and isinstance(item.get("text"), str)
        ]
    return []


def _tool_call_parts(tool_calls: object) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for call in tool_calls if isinstance(tool_calls, list) else ():
        function = _field(call, "function")
        parts.append(
            {
                "type": "tool_call",
                "id": _field(call, "id"),
                "name": _field(function, "name"),
                "arguments": _field(function, "arguments"),
            }
        )
    return parts


def input_messages_attribute(
    operation: str, kwargs: Mapping[str, object]
) -> dict[str, str]:
    """``gen_ai.input.messages`` for a chat or text-completion request."""
    messages: list[dict[str, Any]] = []
    if operation == gen_ai.GenAiOperationNameValues.CHAT.value:
        # Only a list or tuple is read: iterating anything else (a generator)
        # would consume the caller's messages.
        requested = kwargs.get("messages")
        for message in requested if isinstance(requested, (list, tuple)) else ():
            parts = _text_parts(_field(message, "content"))
            parts += _tool_call_parts(_field(message, "tool_calls"))
            messages.append({"role": _field(message, "role"), "parts": parts})
    elif operation == gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value:
        prompt = kwargs.get("prompt")
        prompts = [prompt] if isinstance(prompt, str) else prompt
        for text in prompts if isinstance(prompts, list) else ():
            messages.append({"role": "user", "parts": _text_parts(text)})
    if not messages:
        return {}
    return {gen_ai.GEN_AI_INPUT_MESSAGES: json.dumps(messages, default=str)}


def output_messages_attribute(response: object) -> dict[str, str]:
    """``gen_ai.output.messages`` of a complete chat or text-completion response."""
    messages: list[dict[str, Any]] = []
    for choice in getattr(response, "choices", None) or ():
        message = _field(choice, "message")
        if message is not None:
            parts = _text_parts(_field(message, "content"))
            parts += _tool_call_parts(_field(message, "tool_calls"))
        else:
            parts = _text_parts(_field(choice, "text"))
        messages.append(
            {
                "role": "assistant",
                "parts": parts,
                "finish_reason": _field(choice, "finish_reason"),
            }
        )
    if not messages:
        return {}
    return {gen_ai.GEN_AI_OUTPUT_MESSAGES: json.dumps(messages, default=str)}


def stream_output_attribute(
    text: list[str], finish_reason: str | None
) -> dict[str, str]:
    """``gen_ai.output.messages`` from a stream's concatenated text deltas."""
    if not text:
        return {}
    message = {
        "role": "assistant",
        "parts": [{"type": "text", "content": "".join(text)}],
        "finish_reason": finish_reason,
    }
    return {gen_ai.GEN_AI_OUTPUT_MESSAGES: json.dumps([message])}
