"""A local server that answers like Azure OpenAI, rate limiting included.

For tests and the demo: it speaks Azure's URL layout
(``/openai/deployments/{deployment}/chat/completions?api-version=...``) and
OpenAI's (``/v1/chat/completions``), replies from per-deployment scripts,
counts tokens of the real request and reply text, enforces per-deployment
token and request budgets over a sliding window with Azure's 429 answers and
headers, and can inject faults. It binds 127.0.0.1 only.

Example::

    from otel_agent.server import LocalAzureServer, ServerConfig

    with LocalAzureServer(ServerConfig()) as server:
        litellm.completion(model="azure/gpt-4o", api_base=server.base_url, ...)
        print(server.calls[-1].usage)
"""

from __future__ import annotations

from otel_agent.server._config import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_REQUESTS_PER_MINUTE,
    DEFAULT_TOKENS_PER_MINUTE,
    DEFAULT_WINDOW_SECONDS,
    DeploymentConfig,
    ScriptStep,
    ServerConfig,
    ToolCall,
    load_scripts,
    parse_script,
)
from otel_agent.server._faults import Fault, FaultKind
from otel_agent.server._ratelimit import POLICY_REQUESTS, POLICY_TOKENS
from otel_agent.server._records import CallRecord
from otel_agent.server._server import LocalAzureServer
from otel_agent.server._tokens import count_chat_prompt_tokens, count_text_tokens

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_REQUESTS_PER_MINUTE",
    "DEFAULT_TOKENS_PER_MINUTE",
    "DEFAULT_WINDOW_SECONDS",
    "POLICY_REQUESTS",
    "POLICY_TOKENS",
    "CallRecord",
    "DeploymentConfig",
    "Fault",
    "FaultKind",
    "LocalAzureServer",
    "ScriptStep",
    "ServerConfig",
    "ToolCall",
    "count_chat_prompt_tokens",
    "count_text_tokens",
    "load_scripts",
    "parse_script",
]
