"""The catalogue applied to text and structures: what is redacted, what is kept.

Each case is a template filled with fake credentials from ``conftest``; the
expected output is the exact text after redaction (``{M:rule}`` is the marker).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

import pytest
import re2

from otel_agent.redaction import (
    PATTERN_RULES,
    SAFE_KEYS,
    SENSITIVE_KEYS,
    PatternRule,
    RedactionConfig,
    Redactor,
    redact,
)
from otel_agent.redaction._config import _config_from_values

_PLACEHOLDER = re.compile(r"\{(M:)?([a-z0-9_]+)\}")


def _fill(template: str, credentials: dict[str, str], prose: str = "") -> str:
    """Put fake credentials into ``{name}``, markers into ``{M:rule}``."""
    values = {**credentials, "prose": prose}

    def substitute(match: re.Match[str]) -> str:
        if match.group(1):
            return f"[REDACTED:{match.group(2)}]"
        return values[match.group(2)]

    return _PLACEHOLDER.sub(substitute, template)


# (case id, input template, expected output template)
REDACTED = [
    # A bare 32-hex key, given away only by its header name.
    (
        "field1_litellm_curl_subscription_key",
        "POST Request Sent from LiteLLM:\ncurl -X POST \\\n"
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        " \\\n-H 'Ocp-Apim-Subscription-Key: {hex32}' -H 'x-request-id: r-1' \\\n"
        '-d \'{"model": "gpt-4o"}\'',
        "POST Request Sent from LiteLLM:\ncurl -X POST \\\n"
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        " \\\n-H 'Ocp-Apim-Subscription-Key: {M:sensitive_key}' -H 'x-request-id: r-1'"
        ' \\\n-d \'{"model": "gpt-4o"}\'',
    ),
    (
        "field1_header_dump_lines",
        "headers:\nOcp-Apim-Subscription-Key: {hex32}\nx-request-id: r-1\n",
        "headers:\nOcp-Apim-Subscription-Key: {M:sensitive_key}\nx-request-id: r-1\n",
    ),
    # The key inside an authentication error message.
    (
        "field2_auth_error_message",
        "litellm.AuthenticationError: AzureException - Incorrect API key "
        "provided: {openai_test}. You can find your API key at the portal.",
        "litellm.AuthenticationError: AzureException - Incorrect API key "
        "provided: {M:openai_api_key}. You can find your API key at the portal.",
    ),
    # A long prompt with the word "session" and one JWT.
    (
        "field4_long_prompt_one_jwt",
        "{prose} token={jwt} {prose}",
        "{prose} token={M:jwt} {prose}",
    ),
    # The password never reaches the marker.
    (
        "field5_connection_url_password",
        "connecting to postgres://admin:{password}@db:5432/app",
        "connecting to postgres://admin:{M:url_password}@db:5432/app",
    ),
    # Secret query parameters go, the rest of the URL stays.
    (
        "field6_url_secret_query_params",
        "https://gen.googleapis.com/v1/models?key={google}&api-key={hex32}"
        "&sig={sig}&alt=json",
        "https://gen.googleapis.com/v1/models?key={M:url_query_secret}"
        "&api-key={M:url_query_secret}&sig={M:url_query_secret}&alt=json",
    ),
    # A Python repr of extra_body, as LiteLLM's debug log prints a request.
    (
        "incident_repr_azure_ad_token",
        "completion(extra_body={'azure_ad_token': '{jwt}', 'user': 'bob'})",
        "completion(extra_body={'azure_ad_token': '{M:sensitive_key}', 'user': 'bob'})",
    ),
    (
        "json_api_key",
        '{"model": "gpt-4o", "api_key": "{openai}", "max_tokens": 100}',
        '{"model": "gpt-4o", "api_key": "{M:sensitive_key}", "max_tokens": 100}',
    ),
    (
        "json_escaped_inside_json",
        '{"params": "{\\"azure_ad_token\\": \\"{jwt}\\", \\"n\\": 1}"}',
        '{"params": "{\\"azure_ad_token\\": \\"{M:sensitive_key}\\", \\"n\\": 1}"}',
    ),
    (
        "json_prefixed_key",
        '{"llm_api_key": "{hex32}"}',
        '{"llm_api_key": "{M:sensitive_key}"}',
    ),
    (
        "curl_authorization_bearer",
        "curl -H 'Authorization: Bearer {bearer}' https://api.example.test",
        "curl -H 'Authorization: {M:sensitive_key}' https://api.example.test",
    ),
    (
        "curl_double_quoted_api_key",
        'curl -H "api-key: {hex32}" https://api.example.test',
        'curl -H "api-key: {M:sensitive_key}" https://api.example.test',
    ),
    (
        "curl_user_password",
        "curl -u admin:{password} https://api.example.test",
        "curl -u admin:{M:cli_user_password} https://api.example.test",
    ),
    (
        "bare_bearer_token",
        "retrying with Bearer {bearer} now",
        "retrying with Bearer {M:bearer_token} now",
    ),
    (
        "bare_basic_credentials",
        "sent Basic {basic} upstream",
        "sent Basic {M:basic_auth} upstream",
    ),
    ("jwt_in_prose", "session {jwt} ended", "session {M:jwt} ended"),
    ("openai_project_key", "key {openai} used", "key {M:openai_api_key} used"),
    ("anthropic_key", "key {anthropic} used", "key {M:anthropic_api_key} used"),
    ("google_key", "key {google} used", "key {M:google_api_key} used"),
    ("aws_access_key_id", "id {aws_id} used", "id {M:aws_access_key_id} used"),
    (
        "aws_secret_by_key_name",
        "aws_secret_access_key = {aws_secret}\nregion = eu-west-1",
        "aws_secret_access_key = {M:sensitive_key}\nregion = eu-west-1",
    ),
    ("github_token", "token {github} used", "token {M:github_token} used"),
    ("github_pat", "token {github_pat} used", "token {M:github_token} used"),
    ("huggingface_token", "hub {huggingface} ok", "hub {M:huggingface_token} ok"),
    ("slack_token", "slack {slack} ok", "slack {M:slack_token} ok"),
    ("stripe_key", "stripe {stripe} ok", "stripe {M:stripe_key} ok"),
    ("pem_private_key", "key:\n{pem}\nend", "key:\n{M:private_key}\nend"),
    (
        "pem_private_key_escaped_in_json",
        '{"cert": "' + "{pem}" + '"}',
        '{"cert": "{M:private_key}"}',
    ),
    (
        "connection_string_account_key",
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={account_key};"
        "EndpointSuffix=core.windows.net",
        "DefaultEndpointsProtocol=https;AccountName=acct;"
        "AccountKey={M:connection_string_secret};EndpointSuffix=core.windows.net",
    ),
    (
        "connection_string_password",
        "Server=db;User Id=sa;Password={password};Database=app",
        "Server=db;User Id=sa;Password={M:sensitive_key};Database=app",
    ),
    (
        "cookie_header_whole_line",
        "Cookie: session={hex32}; theme=dark\nAccept: */*",
        "Cookie: {M:sensitive_key}\nAccept: */*",
    ),
    (
        "oauth_code_in_url",
        "GET /callback?code={hex32}&state=abc HTTP/1.1",
        "GET /callback?code={M:url_query_secret}&state=abc HTTP/1.1",
    ),
    (
        "presigned_s3_url",
        "https://b.s3.amazonaws.com/o?X-Amz-Date=20260101&X-Amz-Signature={sig}",
        "https://b.s3.amazonaws.com/o?X-Amz-Date=20260101"
        "&X-Amz-Signature={M:url_query_secret}",
    ),
    (
        "header_list_in_repr",
        "{'authorization': ['Bearer abc'], 'api-key': ('{hex32}',)}",
        "{'authorization': ['{M:sensitive_key}'], 'api-key': ('{M:sensitive_key}',)}",
    ),
    (
        "secret_before_earlier_marker",
        "password: {password} [REDACTED:jwt]",
        "password: {M:sensitive_key} [REDACTED:jwt]",
    ),
    (
        "yaml_client_secret",
        "client_id: app-1\nclient_secret: {password}\n",
        "client_id: app-1\nclient_secret: {M:sensitive_key}\n",
    ),
]

KEPT = [
    ("numbers_in_prose", "used 7,325 tokens; 42,000 remaining of 50,000"),
    ("token_counts_kv", "max_tokens=100 input_tokens: 7325 total_tokens=7425"),
    ("request_id_header", "x-request-id: {hex32}\napim-request-id: {hex32}"),
    ("trace_ids", "trace_id={hex32} span_id=0123456789abcdef"),
    ("basic_in_prose", "Basic authentication failed for the proxy"),
    ("bearer_in_prose", "The bearer token expired; the bearer of bad news"),
    ("model_name", "model: gpt-4o-2024-08-06 deployment gpt-4o"),
    ("azure_url_no_secret", "https://res.openai.azure.com/chat?api-version=2024-10-21"),
    ("word_containing_sk", "task-{hex32}"),
    ("eyj_without_dots", "eyJhbGciOiJSUzI1NiJ9 is only a header"),
    ("token_key_not_sensitive", '{"token": "next-page", "tokens": 12}'),
    ("session_prose", "{prose}"),
    ("already_redacted", "Authorization: [REDACTED:sensitive_key] key [REDACTED:jwt]"),
    ("marker_after_scheme", "Authorization: Bearer [REDACTED:bearer_token]"),
    ("empty", ""),
]


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


@pytest.mark.parametrize(
    ("template", "expected"),
    [pytest.param(t, e, id=i) for i, t, e in REDACTED],
)
def test_redact_text_credential_replaced_rest_kept(
    redactor: Redactor,
    credentials: dict[str, str],
    prose: str,
    template: str,
    expected: str,
) -> None:
    text = _fill(template, credentials, prose)

    result = redactor.redact_text(text)

    assert result.value == _fill(expected, credentials, prose)
    assert result.count == expected.count("{M:")
    for name in ("jwt", "jwt_signature", "password", "hex32", "openai", "google"):
        if "{" + name + "}" in template or name == "jwt_signature":
            assert credentials[name] not in result.value


@pytest.mark.parametrize("template", [pytest.param(t, id=i) for i, t in KEPT])
def test_redact_text_no_credential_unchanged(
    redactor: Redactor, credentials: dict[str, str], prose: str, template: str
) -> None:
    text = _fill(template, credentials, prose)

    result = redactor.redact_text(text)

    assert result.value == text
    assert result.counts == {}


def test_redact_attributes_keys_decide_whole_values(
    redactor: Redactor, credentials: dict[str, str]
) -> None:
    attributes = {
        "gen_ai.usage.input_tokens": 7325,
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.request.model": "gpt-4o",
        "otel_agent.rate_limit.remaining_tokens": 42000,
        "otel_agent.rate_limit.policy_id": "DeploymentRatelimit-Token",
        "x-request-id": credentials["hex32"],
        "http.request.header.authorization": ("Bearer " + credentials["bearer"],),
        "http.request.header.api_key": (credentials["hex32"],),
        "url.full": "https://h.test/v1?api-key=" + credentials["hex32"] + "&n=1",
        "url.query": "sig=" + credentials["sig"] + "&n=1",
        "Password": 1234,
        "messages": [{"role": "user", "content": "hi " + credentials["jwt"]}],
        "raw": ("Bearer " + credentials["bearer"]).encode(),
        "binary": b"\xff\xfe\x00 plain",
    }

    result = redactor.redact(attributes)

    assert result.value == {
        "gen_ai.usage.input_tokens": 7325,
        "gen_ai.usage.output_tokens": 120,
        "gen_ai.request.model": "gpt-4o",
        "otel_agent.rate_limit.remaining_tokens": 42000,
        "otel_agent.rate_limit.policy_id": "DeploymentRatelimit-Token",
        "x-request-id": credentials["hex32"],
        "http.request.header.authorization": ("[REDACTED:sensitive_key]",),
        "http.request.header.api_key": ("[REDACTED:sensitive_key]",),
        "url.full": "https://h.test/v1?api-key=[REDACTED:url_query_secret]&n=1",
        "url.query": "sig=[REDACTED:url_query_secret]&n=1",
        "Password": "[REDACTED:sensitive_key]",
        "messages": [{"role": "user", "content": "hi [REDACTED:jwt]"}],
        "raw": b"Bearer [REDACTED:bearer_token]",
        "binary": b"\xff\xfe\x00 plain",
    }
    assert result.counts == {
        "sensitive_key": 3,
        "url_query_secret": 2,
        "jwt": 1,
        "bearer_token": 1,
    }
    assert result.rules == ("bearer_token", "jwt", "sensitive_key", "url_query_secret")


def test_redact_deeply_nested_value_replaced_at_depth_limit(redactor: Redactor) -> None:
    value: list = []
    for _ in range(100):
        value = [value]

    result = redactor.redact(value)

    assert result.counts == {"depth_limit": 1}


_MEGABYTE = 1 << 20
# Inputs on which backtracking engines go quadratic; RE2 is linear. The cost is
# measured in benchmarks/, here only the result is checked.
ADVERSARIAL = [
    ("repeated_eyj", lambda: "eyJ-" * (_MEGABYTE // 4), {}),
    (
        "base64_runs_one_dot",
        lambda: "eyJ" + "A" * (_MEGABYTE // 2) + "." + "B" * (_MEGABYTE // 2),
        {"jwt": 1},
    ),
    (
        "unterminated_quote",
        lambda: "'api_key': '" + "x" * _MEGABYTE,
        {"sensitive_key": 1},
    ),
    (
        "repeated_scheme",
        lambda: '"authorization": "' + "Bearer " * (_MEGABYTE // 7),
        {"sensitive_key": 1},
    ),
    ("endless_key", lambda: "sk-" + "a" * _MEGABYTE, {"openai_api_key": 1}),
    (
        "pem_without_end",
        lambda: "-----BEGIN PRIVATE" + " KEY-----" + "QUJD " * (_MEGABYTE // 5),
        {"private_key": 1},
    ),
    (
        "repeated_query_key",
        lambda: "https://h/?" + "key=" * (_MEGABYTE // 4),
        {"url_query_secret": 1},
    ),
]


@pytest.mark.parametrize(
    ("build", "counts"), [pytest.param(b, c, id=i) for i, b, c in ADVERSARIAL]
)
def test_redact_adversarial_megabyte_handled(
    redactor: Redactor, build: Callable[[], str], counts: dict[str, int]
) -> None:
    text = build()

    result = redactor.redact_text(text)

    assert result.counts == counts
    assert (result.value == text) == (not counts)


@pytest.mark.usefixtures("clean_redaction_env")
def test_redact_function_uses_default_rules(credentials: dict[str, str]) -> None:
    assert redact({"api_key": credentials["hex32"]}) == {
        "api_key": "[REDACTED:sensitive_key]"
    }


def test_redact_function_reads_extra_rules_from_env(
    clean_redaction_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_AGENT_REDACT_EXTRA_PATTERNS", "ticket=TKT-[0-9]{6}")
    monkeypatch.setenv("OTEL_AGENT_REDACT_SAFE_KEYS", "password")

    assert redact({"note": "TKT-123456", "password": "kept"}) == {
        "note": "[REDACTED:ticket]",
        "password": "kept",
    }


def test_catalogue_patterns_compile_in_re2_with_at_most_one_group() -> None:
    for rule in PATTERN_RULES:
        assert re2.compile(rule.regex).groups <= 1, rule.name


@pytest.mark.parametrize("rule", PATTERN_RULES, ids=lambda rule: rule.name)
def test_catalogue_pattern_avoids_syntax_go_regexp_lacks(rule: PatternRule) -> None:
    # Go's regexp (the Collector's) and RE2 share a syntax except for these
    # Perl/Python-only constructs, which google-re2 may accept in some builds.
    for construct in ("(?=", "(?!", "(?<=", "(?<!", "(?P=", "\\Z", "(?#", "*+", "++"):
        assert construct not in rule.regex


def test_catalogue_keys_are_normalised_and_generic_words_absent() -> None:
    for key in SENSITIVE_KEYS:
        assert key == key.lower() and "-" not in key and "." not in key
    assert not {"token", "key", "tokens", "session", "id"} & SENSITIVE_KEYS
    assert "gen_ai.usage.*" in SAFE_KEYS


def test_redactor_extra_config_applies(credentials: dict[str, str]) -> None:
    config = RedactionConfig(
        extra_keys=frozenset({"X-Internal-Auth"}),
        extra_patterns=(PatternRule("ticket", r"TKT-[0-9]{6}"),),
        safe_keys=frozenset({"api_key"}),
    )
    redactor = Redactor(config)
    value = {
        "x_internal_auth": "abc",
        "note": "see TKT-123456",
        "api_key": "kept-by-config",
        "dump": "X-Internal-Auth: abc\napi_key: kept",
    }

    assert redactor.redact(value).value == {
        "x_internal_auth": "[REDACTED:sensitive_key]",
        "note": "see [REDACTED:ticket]",
        "api_key": "kept-by-config",
        "dump": "X-Internal-Auth: [REDACTED:sensitive_key]\napi_key: kept",
    }


@pytest.mark.parametrize(
    "rule",
    [
        PatternRule("bad", "(unclosed"),
        PatternRule("two_groups", "(a)(b)"),
        PatternRule("Bad Name", "x"),
        PatternRule("lookahead", "a(?=b)"),
    ],
    ids=lambda rule: rule.name,
)
def test_redaction_config_invalid_pattern_raises_value_error(rule: PatternRule) -> None:
    with pytest.raises(ValueError):
        RedactionConfig(extra_patterns=(rule,))


def test_redaction_config_from_env_skips_invalid_pattern_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {
        "OTEL_AGENT_REDACT_EXTRA_KEYS": "X-Internal-Auth, session_secret",
        "OTEL_AGENT_REDACT_EXTRA_PATTERNS": "ticket=TKT-[0-9]{6};broken=(x",
        "OTEL_AGENT_REDACT_SAFE_KEYS": "my.safe.key",
    }
    _config_from_values.cache_clear()  # the warning is given once per process
    with caplog.at_level(logging.WARNING):
        config = RedactionConfig.from_env(environ)

    assert config == RedactionConfig(
        extra_keys=frozenset({"x_internal_auth", "session_secret"}),
        extra_patterns=(PatternRule("ticket", "TKT-[0-9]{6}"),),
        safe_keys=frozenset({"my_safe_key"}),
    )
    assert len(caplog.records) == 1
    assert "(x" not in caplog.text


def test_redact_json_string_value_stays_valid_json(
    redactor: Redactor, credentials: dict[str, str]
) -> None:
    document = json.dumps(
        {"api_key": credentials["hex32"], "usage": {"total_tokens": 7425}}
    )

    result = redactor.redact_text(document)

    assert json.loads(result.value) == {
        "api_key": "[REDACTED:sensitive_key]",
        "usage": {"total_tokens": 7425},
    }
