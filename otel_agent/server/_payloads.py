"""JSON bodies of the local server's answers, shaped like Azure OpenAI's.

Pure functions from a reply (script step, usage, identity of the answer) to the
dictionaries sent as JSON or as SSE events. On the Azure layout they carry
Azure's extras: ``prompt_filter_results``, per-choice
``content_filter_results`` and, when streaming, Azure's leading chunk with no
choices and only the prompt filter results.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from otel_agent.server._config import ScriptStep, ToolCall

_WORDS = re.compile(r"\s*\S+")
_ARGUMENT_PIECES = 3


@dataclass(frozen=True)
class ReplyIdentity:
    """What identifies one answer: id, creation time, model and layout."""

    response_id: str
    created: int
    model: str
    system_fingerprint: str
    azure: bool


def make_usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """The ``usage`` object of a chat or text completion."""
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def error_body(code: str, message: str) -> dict[str, Any]:
    """Azure's error JSON: ``{"error": {"code": ..., "message": ...}}``."""
    return {"error": {"code": code, "message": message}}


def tool_call_id(deployment: str, step_index: int, call_index: int) -> str:
    """A stable tool call id, so a retried request gets the same reply."""
    digest = hashlib.sha256(f"{deployment}/{step_index}/{call_index}".encode())
    return "call_" + digest.hexdigest()[:24]


def _filter_results(prompt: bool) -> dict[str, Any]:
    safe = {"filtered": False, "severity": "safe"}
    results: dict[str, Any] = {
        name: dict(safe) for name in ("hate", "self_harm", "sexual", "violence")
    }
    if prompt:
        results["jailbreak"] = {"filtered": False, "detected": False}
    else:
        results["protected_material_code"] = {"filtered": False, "detected": False}
        results["protected_material_text"] = {"filtered": False, "detected": False}
    return results


def _prompt_filter_results() -> list[dict[str, Any]]:
    return [{"prompt_index": 0, "content_filter_results": _filter_results(True)}]


def _tool_calls_json(
    calls: Sequence[ToolCall], ids: Sequence[str]
) -> list[dict[str, Any]]:
    return [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments_json},
        }
        for call, call_id in zip(calls, ids, strict=True)
    ]


def _finish_reason(step: ScriptStep) -> str:
    return "tool_calls" if step.tool_calls else "stop"


def chat_completion(
    identity: ReplyIdentity,
    step: ScriptStep,
    call_ids: Sequence[str],
    usage: dict[str, Any],
) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` body."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": step.content,
        "refusal": None,
    }
    if step.tool_calls:
        message["tool_calls"] = _tool_calls_json(step.tool_calls, call_ids)
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "logprobs": None,
        "finish_reason": _finish_reason(step),
    }
    return _completion_body(identity, "chat.completion", choice, usage)


def chat_completion_chunks(
    identity: ReplyIdentity,
    step: ScriptStep,
    call_ids: Sequence[str],
    usage: dict[str, Any] | None,
) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` events of a streamed reply.

    *usage* is given only when the request set
    ``stream_options.include_usage``: every chunk then has ``"usage": null``
    and a last chunk with ``"choices": []`` carries the usage.
    """
    if identity.azure:
        yield {
            "id": "",
            "object": "",
            "created": 0,
            "model": "",
            "choices": [],
            "prompt_filter_results": _prompt_filter_results(),
        }

    with_usage = usage is not None
    opening = {"role": "assistant", "content": "" if step.content else None}
    yield _chunk(identity, {**opening, "refusal": None}, with_usage)
    for word in _WORDS.findall(step.content or ""):
        yield _chunk(identity, {"content": word}, with_usage)
    for delta in _tool_call_deltas(step.tool_calls, call_ids):
        yield _chunk(identity, delta, with_usage)
    yield _chunk(identity, {}, with_usage, _finish_reason(step))

    if usage is not None:
        final = _chunk(identity, {}, with_usage)
        final["choices"] = []
        final["usage"] = usage
        yield final


def _chunk(
    identity: ReplyIdentity,
    delta: dict[str, Any],
    with_usage: bool,
    finish: str | None = None,
) -> dict[str, Any]:
    choice: dict[str, Any] = {
        "index": 0,
        "delta": delta,
        "logprobs": None,
        "finish_reason": finish,
    }
    if identity.azure:
        has_content = bool(delta.get("content"))
        choice["content_filter_results"] = _filter_results(False) if has_content else {}
    body: dict[str, Any] = {
        "id": identity.response_id,
        "object": "chat.completion.chunk",
        "created": identity.created,
        "model": identity.model,
        "system_fingerprint": identity.system_fingerprint,
        "choices": [choice],
    }
    if with_usage:
        body["usage"] = None
    return body


def _tool_call_deltas(
    calls: Sequence[ToolCall], call_ids: Sequence[str]
) -> Iterator[dict[str, Any]]:
    # The first delta of a call names it; its arguments follow in pieces, as
    # OpenAI streams them.
    for index, (call, call_id) in enumerate(zip(calls, call_ids, strict=True)):
        function = {"name": call.name, "arguments": ""}
        opening = {"index": index, "id": call_id, "type": "function"}
        yield {"tool_calls": [{**opening, "function": function}]}
        for piece in _split(call.arguments_json, _ARGUMENT_PIECES):
            yield {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}


def _split(text: str, pieces: int) -> list[str]:
    size = max(1, -(-len(text) // pieces))
    return [text[start : start + size] for start in range(0, len(text), size)]


def text_completion(
    identity: ReplyIdentity, text: str, usage: dict[str, Any]
) -> dict[str, Any]:
    """A non-streaming ``text_completion`` body."""
    choice: dict[str, Any] = {
        "text": text,
        "index": 0,
        "logprobs": None,
        "finish_reason": "stop",
    }
    return _completion_body(identity, "text_completion", choice, usage)


def _completion_body(
    identity: ReplyIdentity,
    object_name: str,
    choice: dict[str, Any],
    usage: dict[str, Any],
) -> dict[str, Any]:
    """A one-choice completion body; Azure adds its content-filter results."""
    body: dict[str, Any] = {
        "id": identity.response_id,
        "object": object_name,
        "created": identity.created,
        "model": identity.model,
        "system_fingerprint": identity.system_fingerprint,
        "choices": [choice],
        "usage": usage,
    }
    if identity.azure:
        choice["content_filter_results"] = _filter_results(False)
        body["prompt_filter_results"] = _prompt_filter_results()
    return body


def text_completion_chunks(
    identity: ReplyIdentity, text: str, usage: dict[str, Any] | None
) -> Iterator[dict[str, Any]]:
    """The events of a streamed text completion (usage last, if asked)."""
    words = _WORDS.findall(text)
    for position, word in enumerate(words):
        last = position == len(words) - 1
        body = text_completion(identity, word, usage or {})
        body["choices"][0]["finish_reason"] = "stop" if last else None
        body.pop("prompt_filter_results", None)
        if usage is None:
            body.pop("usage")
        else:
            body["usage"] = None
        yield body
    if usage is not None:
        final = text_completion(identity, "", usage)
        final["choices"] = []
        final.pop("prompt_filter_results", None)
        yield final


def embedding(text_key: str, dimensions: int) -> list[float]:
    """A deterministic unit vector for *text_key*."""
    seed = int.from_bytes(hashlib.sha256(text_key.encode()).digest()[:8], "big")
    generator = random.Random(seed)
    vector = [generator.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = sum(value * value for value in vector) ** 0.5 or 1.0
    return [value / norm for value in vector]


def embeddings_list(
    keys: Sequence[str],
    model: str,
    dimensions: int,
    encoding_format: str,
    prompt_tokens: int,
) -> dict[str, Any]:
    """An embeddings ``list`` body; ``base64`` packs float32 little-endian."""
    data = []
    for index, key in enumerate(keys):
        vector: Any = embedding(key, dimensions)
        if encoding_format == "base64":
            packed = struct.pack(f"<{len(vector)}f", *vector)
            vector = base64.b64encode(packed).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": vector})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }
