"""Configuration of the local Azure OpenAI-compatible server.

Plain dataclasses, validated when constructed: a bad value raises ``ValueError``
at once rather than surfacing as a confusing HTTP error later. Reply scripts can
also be read from a JSON file (see :func:`load_scripts`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TOKENS_PER_MINUTE = 10_000
DEFAULT_REQUESTS_PER_MINUTE = 60
DEFAULT_WINDOW_SECONDS = 60.0
# What a request without ``max_tokens`` is charged for its reply. Azure charges
# an estimate of the largest possible reply; a fixed, documented number keeps
# the budget arithmetic predictable.
DEFAULT_MAX_TOKENS = 500
DEFAULT_EMBEDDING_DIMENSIONS = 1536

# Azure answers with the dated model behind a deployment, not the deployment's
# name. Deployments named after these models report the dated version.
_DATED_MODELS: Mapping[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4": "gpt-4-0613",
    "gpt-35-turbo": "gpt-35-turbo-0125",
    "gpt-3.5-turbo-instruct": "gpt-3.5-turbo-instruct-0914",
}


@dataclass(frozen=True)
class ToolCall:
    """One function call the scripted assistant makes.

    Args:
        name: The function (tool) name.
        arguments: The call's arguments, a mapping serialised to JSON or a
            string sent verbatim (which lets a test send arguments that are not
            valid JSON).
    """

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError("ToolCall name must be a non-empty string")
        if not isinstance(self.arguments, (str, Mapping)):
            raise ValueError("ToolCall arguments must be a mapping or a string")
        try:
            self.arguments_json  # noqa: B018 - fail now, not mid-request
        except (TypeError, ValueError):
            raise ValueError("ToolCall arguments must be JSON-serialisable") from None

    @property
    def arguments_json(self) -> str:
        """The arguments as the JSON string the API carries."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), separators=(",", ":"))


@dataclass(frozen=True)
class ScriptStep:
    """One scripted assistant turn: text content, tool calls, or both.

    Tool calls may be given as :class:`ToolCall` objects or as mappings with
    ``name`` and ``arguments`` keys (the JSON file form).
    """

    content: str | None = None
    tool_calls: Sequence[ToolCall] = ()

    def __post_init__(self) -> None:
        calls = tuple(_to_tool_call(call) for call in self.tool_calls)
        object.__setattr__(self, "tool_calls", calls)
        if self.content is None and not calls:
            raise ValueError("ScriptStep needs content or at least one tool call")
        if self.content is not None and not isinstance(self.content, str):
            raise ValueError("ScriptStep content must be a string")


def _to_tool_call(call: ToolCall | Mapping[str, Any]) -> ToolCall:
    if isinstance(call, ToolCall):
        return call
    if isinstance(call, Mapping) and set(call) <= {"name", "arguments"}:
        return ToolCall(name=call.get("name", ""), arguments=call.get("arguments", {}))
    raise ValueError("a tool call must be a ToolCall or a {name, arguments} mapping")


@dataclass(frozen=True)
class DeploymentConfig:
    """Budgets, replies and extras of one deployment.

    Budgets apply per rate-limit window (:attr:`ServerConfig.window_seconds`),
    which is a minute unless configured shorter for tests.

    Args:
        tokens_per_minute: Token budget per window (prompt tokens plus
            ``max_tokens`` charged per request).
        requests_per_minute: Request budget per window.
        script: Replies, picked by how many assistant messages the request
            already holds; past the end the last step repeats. Empty means a
            short deterministic text reply.
        extra_headers: Headers added to every response of this deployment;
            they override the server's own headers of the same name.
        model: Model name reported in responses; default: the dated model for
            well-known deployment names, else the deployment name.
        default_max_tokens: Reply tokens charged when a request sets neither
            ``max_tokens`` nor ``max_completion_tokens``.
        embedding_dimensions: Length of embedding vectors when the request does
            not ask for ``dimensions``.
        stream_interval_seconds: Pause between the events of a stream, to
            make time-to-first-chunk and slow streams observable.
    """

    tokens_per_minute: int = DEFAULT_TOKENS_PER_MINUTE
    requests_per_minute: int = DEFAULT_REQUESTS_PER_MINUTE
    script: Sequence[ScriptStep] = ()
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    model: str | None = None
    default_max_tokens: int = DEFAULT_MAX_TOKENS
    embedding_dimensions: int = DEFAULT_EMBEDDING_DIMENSIONS
    stream_interval_seconds: float = 0.0

    def __post_init__(self) -> None:
        for name in ("tokens_per_minute", "requests_per_minute"):
            _require_positive_int(name, getattr(self, name))
        _require_positive_int("embedding_dimensions", self.embedding_dimensions)
        if not isinstance(self.default_max_tokens, int) or self.default_max_tokens < 0:
            raise ValueError("default_max_tokens must be a non-negative integer")
        interval = self.stream_interval_seconds
        if not isinstance(interval, (int, float)) or not 0 <= interval < math.inf:
            raise ValueError("stream_interval_seconds must be a non-negative number")
        steps = tuple(self.script)
        if not all(isinstance(step, ScriptStep) for step in steps):
            raise ValueError("script must be a sequence of ScriptStep")
        object.__setattr__(self, "script", steps)
        headers = {str(k).lower(): str(v) for k, v in dict(self.extra_headers).items()}
        object.__setattr__(self, "extra_headers", headers)

    def response_model(self, deployment: str) -> str:
        """The model name this deployment reports in its responses."""
        if self.model:
            return self.model
        return _DATED_MODELS.get(deployment, deployment)


@dataclass(frozen=True)
class ServerConfig:
    """Configuration of a :class:`LocalAzureServer`.

    Args:
        deployments: Named deployments. A request for a name not listed here
            gets a deployment created from ``default_deployment`` on first
            use, unless ``auto_create_deployments`` is false (then 404
            ``DeploymentNotFound``, as Azure answers).
        window_seconds: Length of the sliding rate-limit window.
        default_deployment: Template for auto-created deployments.
        auto_create_deployments: See ``deployments``.
        api_keys: When set, only these keys (``api-key`` header or bearer
            token) are accepted; otherwise any non-empty credential is.
    """

    deployments: Mapping[str, DeploymentConfig] = field(default_factory=dict)
    window_seconds: float = DEFAULT_WINDOW_SECONDS
    default_deployment: DeploymentConfig = field(default_factory=DeploymentConfig)
    auto_create_deployments: bool = True
    api_keys: frozenset[str] | None = None

    def __post_init__(self) -> None:
        window = self.window_seconds
        if not isinstance(window, (int, float)) or not math.isfinite(window):
            raise ValueError("window_seconds must be a finite number")
        if window <= 0:
            raise ValueError("window_seconds must be positive")
        deployments = dict(self.deployments)
        for name, deployment in deployments.items():
            if not isinstance(name, str) or not name or "/" in name:
                raise ValueError("deployment names must be non-empty, without '/'")
            if not isinstance(deployment, DeploymentConfig):
                raise ValueError("deployments must map names to DeploymentConfig")
        object.__setattr__(self, "deployments", deployments)
        if self.api_keys is not None:
            object.__setattr__(self, "api_keys", frozenset(self.api_keys))


def _require_positive_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer")


def parse_script(data: object) -> list[ScriptStep]:
    """Build a reply script from its JSON form: a list of step objects.

    Each step is ``{"content": "..."}`` and/or
    ``{"tool_calls": [{"name": "...", "arguments": {...}}]}``.

    Raises:
        ValueError: The data is not a valid script.
    """
    if not isinstance(data, list):
        raise ValueError("a script must be a JSON list of steps")
    steps = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not set(item) <= {"content", "tool_calls"}:
            raise ValueError(
                f"script step {index} must be an object with "
                "'content' and/or 'tool_calls'"
            )
        try:
            steps.append(
                ScriptStep(
                    content=item.get("content"), tool_calls=item.get("tool_calls") or ()
                )
            )
        except ValueError as error:
            raise ValueError(f"script step {index}: {error}") from None
    return steps


def load_scripts(path: str | Path) -> dict[str, list[ScriptStep]] | list[ScriptStep]:
    """Read reply scripts from a JSON file.

    The file holds either one script (a list of steps, for every deployment
    named on the command line) or an object mapping deployment names to
    scripts.

    Raises:
        ValueError: The file cannot be read or is not a valid script file;
            the message names the file and the problem on one line.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read script file {path}: {error}") from None
    try:
        if isinstance(data, dict):
            return {str(name): parse_script(script) for name, script in data.items()}
        return parse_script(data)
    except ValueError as error:
        raise ValueError(f"invalid script file {path}: {error}") from None
