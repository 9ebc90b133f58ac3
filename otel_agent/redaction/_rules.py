"""The redaction catalogue: which keys, which value shapes, which keys to keep.

This module is data only. The in-process redactor
(:class:`otel_agent.redaction.Redactor`) compiles it once, and the collector
configuration in ``collector/`` is generated from it, so both lines of defence
apply the same rules.

Three collections:

``SENSITIVE_KEYS``
    Key names whose whole value is a credential: an attribute or mapping key,
    a JSON or Python-repr key inside a string, a header name in a header dump
    or a ``curl -H`` line, a ``key=value`` pair. Stored normalised: lower case,
    with ``-`` and ``.`` written as ``_``. A key matches when, normalised the
    same way, it equals an entry or ends with ``_`` plus an entry
    (``http.request.header.authorization`` matches ``authorization``). Generic
    words such as ``token`` or ``key`` are deliberately absent: ``max_tokens``
    and ``gen_ai.usage.input_tokens`` are not secrets.

``PATTERN_RULES``
    Credential shapes found anywhere in a string, each a :class:`PatternRule`
    with a short ``name`` (it appears in the ``[REDACTED:<name>]`` marker and in
    ``otel_agent.redaction.rules``) and an RE2 ``regex``. Every regex compiles
    with google-re2 and with Go's ``regexp`` (no look-around, no
    back-references), runs in linear time, and uses only non-capturing groups
    ``(?:...)`` apart from at most one capturing group: when present, group 1
    is the secret and only it is replaced (``Bearer <token>`` keeps
    ``Bearer``); otherwise the whole match is the secret.

``SAFE_KEYS``
    Keys whose values are never redacted: token counts, rate-limit headroom,
    request and trace ids, model names. An entry ending in ``.*`` is a prefix.
    Matched exactly (after the same normalisation), never by suffix. URLs are
    not safe: a URL's secret query parameters are redacted, the rest kept.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

from otel_agent import attributes


class PatternRule(NamedTuple):
    """A named credential shape.

    Attributes:
        name: Short rule name, ``[a-z0-9_]``; shown in markers, never the value.
        regex: RE2 (and Go ``regexp``) syntax. Group 1, if present, is the
            secret; otherwise the whole match is.
    """

    name: str
    regex: str


SENSITIVE_KEYS: Final[frozenset[str]] = frozenset(
    {
        # HTTP authentication headers and cookies.
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        # API keys as headers, parameters or config fields.
        "api_key",
        "apikey",
        "x_api_key",
        "x_goog_api_key",
        "ocp_apim_subscription_key",
        "subscription_key",
        "x_functions_key",
        "x_amz_security_token",
        # OAuth, OIDC and Azure AD.
        "azure_ad_token",
        "azure_ad_token_provider",
        "access_token",
        "refresh_token",
        "id_token",
        "bearer_token",
        "auth_token",
        "session_token",
        "client_secret",
        # Passwords and generic secrets.
        "password",
        "passwd",
        "pwd",
        "secret",
        "secret_key",
        "private_key",
        "passphrase",
        "credentials",
        # Cloud provider credentials.
        "aws_secret_access_key",
        "aws_session_token",
        "secret_access_key",
        # camelCase spellings (STS and SDK responses, JavaScript-style JSON),
        # which normalise without a separator.
        "secretaccesskey",
        "sessiontoken",
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "account_key",
        "sas_token",
        "connection_string",
    }
)

# Query parameters whose value is a credential in a URL (``?key=…&sig=…``);
# ``code`` is an OAuth authorisation code. Lower case, as in URLs.
_QUERY_KEYS: Final = (
    "key|api[-_]?key|subscription-key|access_token|refresh_token|id_token|token"
    "|code|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token"
    "|x-goog-signature|client_secret|password|secret"
)

# Base64url alphabet, as in JWT segments and most opaque tokens.
_B64URL: Final = "A-Za-z0-9_-"

PATTERN_RULES: Final[tuple[PatternRule, ...]] = (
    # PEM private keys, also with escaped newlines (``\n`` inside JSON). The
    # END line is optional so that a truncated key is still removed.
    PatternRule(
        "private_key",
        r"-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s\\]*"
        r"(?:-----END[A-Z ]{0,40}PRIVATE KEY-----)?",
    ),
    # JSON Web Tokens (Azure AD tokens among them): header.payload.signature,
    # the header always a base64url JSON object, so it starts with ``eyJ``.
    # The signature is optional: a token cut by an attribute length limit
    # still carries its claims.
    PatternRule(
        "jwt",
        rf"eyJ[{_B64URL}]{{8,}}\.[{_B64URL}]{{8,}}(?:\.[{_B64URL}]*)?",
    ),
    # Bearer and Basic credentials; the scheme stays. Requiring a digit, a
    # symbol or an inner capital keeps prose ("Basic authentication") intact.
    PatternRule(
        "bearer_token",
        r"\b(?i:bearer)\s+([A-Za-z0-9._~+/-]*(?:[0-9_~+/]|[a-z][A-Z])"
        r"[A-Za-z0-9._~+/-]*=*)",
    ),
    PatternRule(
        "basic_auth",
        r"\b[Bb]asic\s+([A-Za-z0-9+/]*(?:[0-9+/]|[a-z][A-Z])[A-Za-z0-9+/]*={0,2})",
    ),
    # Vendor API keys. Anthropic before OpenAI: both start with ``sk-``.
    PatternRule("anthropic_api_key", rf"\bsk-ant-[{_B64URL}]{{20,}}"),
    PatternRule("openai_api_key", rf"\bsk-[{_B64URL}]{{20,}}"),
    PatternRule("google_api_key", rf"\bAIza[{_B64URL}]{{30,}}"),
    PatternRule("aws_access_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    PatternRule(
        "github_token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})",
    ),
    PatternRule("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}"),
    PatternRule("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    PatternRule("stripe_key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    # Connection strings (Azure Storage, Service Bus, ADO.NET): the value only.
    PatternRule(
        "connection_string_secret",
        r"(?i:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)"
        r"\s*=\s*([^;\"'\s]+)",
    ),
    # ``scheme://user:password@host``: the password only. Raw base64 passwords
    # (Azure Redis keys) hold ``/``; a port followed by a path is digits then
    # ``/`` and is not taken for one (``https://h:443/@scope/pkg`` is kept).
    PatternRule(
        "url_password",
        r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@\"']*:"
        r"([0-9]*[^0-9/\s@\"'?#][^\s@\"'?#]*|/[^\s@\"'?#]*|[0-9]+)@",
    ),
    # Secret query parameters: the value only, the rest of the URL is kept.
    # Also at the very start of a value, for a bare query (``url.query``), and
    # after ``\u0026``, the ``&`` of JSON written by Go's encoder.
    PatternRule(
        "url_query_secret",
        rf"(?:^|[?&]|\\u0026)(?i:{_QUERY_KEYS})=([^&#\s\"'\\]+)",
    ),
    # ``curl -u user:password``.
    PatternRule(
        "cli_user_password", r"(?:^|\s)(?:-u|--user)[ =]['\"]?[^\s:'\"]+:([^\s'\"]+)"
    ),
)

SAFE_KEYS: Final[frozenset[str]] = frozenset(
    {
        # Token usage and the other GenAI semantic-convention numbers.
        "gen_ai.usage.*",
        gen_ai.GEN_AI_REQUEST_MODEL,
        gen_ai.GEN_AI_RESPONSE_MODEL,
        gen_ai.GEN_AI_RESPONSE_ID,
        gen_ai.GEN_AI_REQUEST_MAX_TOKENS,
        gen_ai.GEN_AI_SYSTEM,
        gen_ai.GEN_AI_PROVIDER_NAME,
        gen_ai.GEN_AI_OPERATION_NAME,
        # Everything otel-agent records itself.
        attributes.RATE_LIMIT_PREFIX + "*",
        attributes.USAGE_ESTIMATED,
        attributes.REQUEST_ATTEMPTS,
        attributes.REDACTION_COUNT,
        attributes.REDACTION_RULES,
        # Request and trace correlation ids.
        "x_request_id",
        "apim_request_id",
        "x_ms_request_id",
        "x_ms_client_request_id",
        "http.request.header.x_request_id",
        "http.response.header.x_request_id",
        "http.response.header.apim_request_id",
        "trace_id",
        "span_id",
        "trace_flags",
        "model",
        "max_tokens",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "prompt_tokens",
        "completion_tokens",
    }
)
"""Keys kept as they are. Entries use the attribute spelling; matching
normalises both sides, so ``x-request-id`` and ``x_request_id`` are one key."""

REDACTED_MARKER: Final = "[REDACTED:{rule}]"
"""Replacement text; ``{rule}`` is the rule name, never any part of the value."""

SENSITIVE_KEY_RULE: Final = "sensitive_key"
"""Rule name used when a key name, not the value's shape, gave the secret away."""

__all__ = [
    "PATTERN_RULES",
    "REDACTED_MARKER",
    "SAFE_KEYS",
    "SENSITIVE_KEYS",
    "SENSITIVE_KEY_RULE",
    "PatternRule",
]
