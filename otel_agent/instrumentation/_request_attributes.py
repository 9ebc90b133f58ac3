"""Span attributes known before the call: from an allowlist of request fields.

LiteLLM's keyword arguments carry ``api_key``, ``azure_ad_token``,
``extra_headers`` and ``extra_body``; nothing here iterates over them. Each
attribute is read from one named argument, type-checked, and written only when
the caller sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai
from opentelemetry.semconv.attributes import server_attributes

__all__ = [
    "CallDescription",
    "describe_call",
    "provider_name",
    "server_attributes_of",
]

Attributes = dict[str, Any]

_PROVIDER_NAMES: Mapping[str, str] = {
    "azure": gen_ai.GenAiProviderNameValues.AZURE_AI_OPENAI.value,
    "azure_text": gen_ai.GenAiProviderNameValues.AZURE_AI_OPENAI.value,
    "azure_ai": gen_ai.GenAiProviderNameValues.AZURE_AI_INFERENCE.value,
    "openai": gen_ai.GenAiProviderNameValues.OPENAI.value,
    "text-completion-openai": gen_ai.GenAiProviderNameValues.OPENAI.value,
    "anthropic": gen_ai.GenAiProviderNameValues.ANTHROPIC.value,
    "anthropic_text": gen_ai.GenAiProviderNameValues.ANTHROPIC.value,
    "bedrock": gen_ai.GenAiProviderNameValues.AWS_BEDROCK.value,
    "vertex_ai": gen_ai.GenAiProviderNameValues.GCP_VERTEX_AI.value,
    "vertex_ai_beta": gen_ai.GenAiProviderNameValues.GCP_VERTEX_AI.value,
    "gemini": gen_ai.GenAiProviderNameValues.GCP_GEMINI.value,
    "cohere": gen_ai.GenAiProviderNameValues.COHERE.value,
    "cohere_chat": gen_ai.GenAiProviderNameValues.COHERE.value,
    "mistral": gen_ai.GenAiProviderNameValues.MISTRAL_AI.value,
    "groq": gen_ai.GenAiProviderNameValues.GROQ.value,
    "deepseek": gen_ai.GenAiProviderNameValues.DEEPSEEK.value,
    "xai": gen_ai.GenAiProviderNameValues.X_AI.value,
    "perplexity": gen_ai.GenAiProviderNameValues.PERPLEXITY.value,
    "watsonx": gen_ai.GenAiProviderNameValues.IBM_WATSONX_AI.value,
}

_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class CallDescription:
    """What the span and metrics say about a call before it runs."""

    operation: str
    provider: str | None
    request_model: str | None
    attributes: Attributes

    @property
    def span_name(self) -> str:
        return f"{self.operation} {self.request_model or 'unknown'}".strip()


def provider_name(litellm_provider: str) -> str:
    """The semconv ``gen_ai.provider.name`` for a LiteLLM provider id."""
    return _PROVIDER_NAMES.get(litellm_provider, litellm_provider)


def _split_model(
    model: object, explicit_provider: object, known_providers: frozenset[str]
) -> tuple[str | None, str | None]:
    if not isinstance(model, str) or not model:
        return None, explicit_provider if isinstance(explicit_provider, str) else None
    if isinstance(explicit_provider, str) and explicit_provider:
        prefix = f"{explicit_provider}/"
        bare = model[len(prefix) :] if model.startswith(prefix) else model
        return bare, explicit_provider
    prefix, _, rest = model.partition("/")
    if rest and prefix in known_providers:
        return rest, prefix
    return model, None


def server_attributes_of(api_base: object) -> Attributes:
    """``server.address`` and ``server.port`` of an API base URL; no path, no query."""
    if not isinstance(api_base, str) or not api_base:
        return {}
    try:
        parts = urlsplit(api_base)
        host, port = parts.hostname, parts.port
    except ValueError:
        return {}
    if not host:
        return {}
    port = port or _DEFAULT_PORTS.get(parts.scheme)
    attributes: Attributes = {server_attributes.SERVER_ADDRESS: host}
    if port:
        attributes[server_attributes.SERVER_PORT] = port
    return attributes


def _number(value: object) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _integer(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _strings(value: object) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value) or None
    return None


# (keyword argument, attribute, converter): the complete list of request
# arguments that reach a span.
_PARAMETERS: tuple[tuple[str, str, Callable[[object], Any]], ...] = (
    ("temperature", gen_ai.GEN_AI_REQUEST_TEMPERATURE, _number),
    ("top_p", gen_ai.GEN_AI_REQUEST_TOP_P, _number),
    ("top_k", gen_ai.GEN_AI_REQUEST_TOP_K, _number),
    ("max_tokens", gen_ai.GEN_AI_REQUEST_MAX_TOKENS, _integer),
    ("max_completion_tokens", gen_ai.GEN_AI_REQUEST_MAX_TOKENS, _integer),
    ("frequency_penalty", gen_ai.GEN_AI_REQUEST_FREQUENCY_PENALTY, _number),
    ("presence_penalty", gen_ai.GEN_AI_REQUEST_PRESENCE_PENALTY, _number),
    ("stop", gen_ai.GEN_AI_REQUEST_STOP_SEQUENCES, _strings),
    ("seed", gen_ai.GEN_AI_REQUEST_SEED, _integer),
    ("n", gen_ai.GEN_AI_REQUEST_CHOICE_COUNT, _integer),
    ("encoding_format", gen_ai.GEN_AI_REQUEST_ENCODING_FORMATS, _strings),
)


def _parameter_attributes(kwargs: Mapping[str, object]) -> Attributes:
    attributes: Attributes = {}
    for argument, attribute, convert in _PARAMETERS:
        if attribute in attributes or kwargs.get(argument) is None:
            continue
        value = convert(kwargs[argument])
        if value is not None:
            attributes[attribute] = value
    if kwargs.get("stream") is True:
        attributes[gen_ai.GEN_AI_REQUEST_STREAM] = True
    return attributes


def describe_call(
    operation: str,
    args: tuple[object, ...],
    kwargs: Mapping[str, object],
    known_providers: frozenset[str],
) -> CallDescription:
    """Describe a LiteLLM call from its model argument and the allowlist.

    ``model`` is the first positional argument or the ``model`` keyword; the
    provider comes from ``custom_llm_provider`` or the model's prefix when it
    names a LiteLLM provider.
    """
    model = kwargs.get("model", args[0] if args else None)
    request_model, litellm_provider = _split_model(
        model, kwargs.get("custom_llm_provider"), known_providers
    )
    provider = provider_name(litellm_provider) if litellm_provider else None

    attributes: Attributes = {gen_ai.GEN_AI_OPERATION_NAME: operation}
    if provider:
        attributes[gen_ai.GEN_AI_PROVIDER_NAME] = provider
    if request_model:
        attributes[gen_ai.GEN_AI_REQUEST_MODEL] = request_model
    attributes.update(_parameter_attributes(kwargs))
    attributes.update(server_attributes_of(kwargs.get("api_base")))
    if server_attributes.SERVER_ADDRESS not in attributes:
        attributes.update(server_attributes_of(kwargs.get("base_url")))

    return CallDescription(operation, provider, request_model, attributes)
