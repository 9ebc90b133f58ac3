"""Deciding the reply to a request, before anything is sent.

A reply is planned statelessly from the request body: the script step is the
number of assistant messages the request already holds (so a retry after a
429 gets the same reply, and each round of an agent loop gets the next step),
and the token counts come from the request's and reply's text. The plan also
knows what the request is charged against the rate-limit budget.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from otel_agent.server import _payloads
from otel_agent.server._config import ScriptStep
from otel_agent.server._deployments import Deployment
from otel_agent.server._payloads import ReplyIdentity
from otel_agent.server._tokens import (
    count_chat_prompt_tokens,
    count_input_tokens,
    count_text_tokens,
    count_tool_call_tokens,
)


class InvalidRequest(Exception):
    """The request cannot be answered; carries Azure's status, code, message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad_request(message: str) -> InvalidRequest:
    return InvalidRequest(400, "BadRequest", message)


@dataclass(frozen=True)
class Reply:
    """A planned reply: its usage, its charge and how to render it."""

    operation: str
    deployment: Deployment
    charge: int
    usage: dict[str, Any]
    include_usage: bool
    step: ScriptStep | None = None
    step_index: int = 0
    embedding_keys: tuple[str, ...] = ()
    dimensions: int = 0
    encoding_format: str = "float"

    @property
    def stream_usage(self) -> dict[str, Any] | None:
        """The usage a stream sends: only with ``include_usage``."""
        return self.usage if self.include_usage else None

    def identity(self, request_id: str, azure: bool) -> ReplyIdentity:
        prefix = "cmpl-" if self.operation == "completions" else "chatcmpl-"
        model = self.deployment.model
        fingerprint = "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]
        return ReplyIdentity(
            response_id=prefix + uuid.UUID(request_id).hex[:29],
            created=int(time.time()),
            model=model,
            system_fingerprint=fingerprint,
            azure=azure,
        )

    def _call_ids(self) -> list[str]:
        assert self.step is not None
        return [
            _payloads.tool_call_id(self.deployment.name, self.step_index, index)
            for index in range(len(self.step.tool_calls))
        ]

    def body(self, identity: ReplyIdentity) -> dict[str, Any]:
        """The non-streaming JSON body."""
        if self.operation == "embeddings":
            return _payloads.embeddings_list(
                self.embedding_keys,
                identity.model,
                self.dimensions,
                self.encoding_format,
                self.usage["prompt_tokens"],
            )
        assert self.step is not None
        if self.operation == "completions":
            return _payloads.text_completion(
                identity, self.step.content or "", self.usage
            )
        return _payloads.chat_completion(
            identity, self.step, self._call_ids(), self.usage
        )

    def stream_events(self, identity: ReplyIdentity) -> list[dict[str, Any]]:
        """The SSE events of a streamed reply (``[DONE]`` not included)."""
        assert self.step is not None
        if self.operation == "completions":
            events = _payloads.text_completion_chunks(
                identity, self.step.content or "", self.stream_usage
            )
        else:
            events = _payloads.chat_completion_chunks(
                identity, self.step, self._call_ids(), self.stream_usage
            )
        return list(events)


def plan_reply(operation: str, body: Any, deployment: Deployment) -> Reply:
    """Plan the reply of *deployment* to a request *body*.

    Raises:
        InvalidRequest: The body is not a valid request for *operation*.
    """
    if not isinstance(body, dict):
        raise _bad_request("The request body must be a JSON object.")
    if operation == "embeddings":
        return _plan_embeddings(body, deployment)
    if operation == "completions":
        return _plan_completion(body, deployment)
    return _plan_chat(body, deployment)


def _plan_chat(body: Mapping[str, Any], deployment: Deployment) -> Reply:
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(message, dict) for message in messages)
    ):
        raise _bad_request("'messages' must be a non-empty array of objects.")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise _bad_request("'tools' must be an array.")

    step_index = sum(1 for message in messages if message.get("role") == "assistant")
    prompt_tokens = count_chat_prompt_tokens(messages, tools)
    step = _pick_step(deployment, step_index, prompt_tokens)
    completion_tokens = count_text_tokens(step.content or "") + sum(
        count_tool_call_tokens(call.name, call.arguments_json)
        for call in step.tool_calls
    )

    return Reply(
        operation="chat",
        deployment=deployment,
        charge=prompt_tokens + _max_tokens(body, deployment),
        usage=_payloads.make_usage(prompt_tokens, completion_tokens),
        include_usage=_include_usage(body),
        step=step,
        step_index=step_index,
    )


def _plan_completion(body: Mapping[str, Any], deployment: Deployment) -> Reply:
    prompt = body.get("prompt")
    if not isinstance(prompt, (str, list)) or not prompt:
        raise _bad_request("'prompt' must be a non-empty string or array.")
    prompt_tokens = count_input_tokens(prompt)
    step = _pick_step(deployment, 0, prompt_tokens)
    if step.content is None:
        step = _default_step(deployment, 0, prompt_tokens)
    return Reply(
        operation="completions",
        deployment=deployment,
        charge=prompt_tokens + _max_tokens(body, deployment),
        usage=_payloads.make_usage(
            prompt_tokens, count_text_tokens(step.content or "")
        ),
        include_usage=_include_usage(body),
        step=step,
    )


def _plan_embeddings(body: Mapping[str, Any], deployment: Deployment) -> Reply:
    raw = body.get("input")
    if isinstance(raw, str) or (
        isinstance(raw, list) and raw and all(isinstance(item, int) for item in raw)
    ):
        inputs: list[Any] = [raw]
    elif (
        isinstance(raw, list)
        and raw
        and all(isinstance(item, (str, list)) for item in raw)
    ):
        inputs = list(raw)
    else:
        raise _bad_request(
            "'input' must be a string, an array of strings or an array of token arrays."
        )
    dimensions = body.get("dimensions") or deployment.config.embedding_dimensions
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise _bad_request("'dimensions' must be an integer from 1 to 4096.")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise _bad_request("'encoding_format' must be 'float' or 'base64'.")

    prompt_tokens = sum(count_input_tokens(item) for item in inputs)
    keys = tuple(item if isinstance(item, str) else json.dumps(item) for item in inputs)
    return Reply(
        operation="embeddings",
        deployment=deployment,
        charge=prompt_tokens,
        usage={"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
        include_usage=False,
        embedding_keys=keys,
        dimensions=dimensions,
        encoding_format=encoding,
    )


def _pick_step(deployment: Deployment, index: int, prompt_tokens: int) -> ScriptStep:
    script = deployment.config.script
    if not script:
        return _default_step(deployment, index, prompt_tokens)
    return script[min(index, len(script) - 1)]


def _default_step(deployment: Deployment, index: int, prompt_tokens: int) -> ScriptStep:
    return ScriptStep(
        content=f"Reply {index + 1} from deployment {deployment.name}: "
        f"your prompt was {prompt_tokens} tokens long."
    )


def _max_tokens(body: Mapping[str, Any], deployment: Deployment) -> int:
    for key in ("max_tokens", "max_completion_tokens"):
        value = body.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _bad_request(f"'{key}' must be a positive integer.")
        return value
    return deployment.config.default_max_tokens


def _include_usage(body: Mapping[str, Any]) -> bool:
    options = body.get("stream_options")
    return bool(
        body.get("stream")
        and isinstance(options, dict)
        and options.get("include_usage")
    )
