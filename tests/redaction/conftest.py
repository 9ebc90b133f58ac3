"""Fixtures for the redaction tests: fake credentials built at run time.

No credential-shaped literal lives in the repository; every value below is
assembled from random bytes when the tests run, in the shape of the real thing.
"""

from __future__ import annotations

import base64
import json
import secrets
import string

import pytest

_ALNUM = string.ascii_letters + string.digits


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def build_jwt(payload_padding: int = 1400) -> tuple[str, str]:
    """Return a JWT-shaped token (about 2,000 chars, like an Azure AD token)
    and its signature segment."""
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = {"aud": "https://cognitiveservices.azure.com", "oid": "test-object"}
    claims["pad"] = _random(_ALNUM, payload_padding)
    payload = _b64url(json.dumps(claims).encode())
    signature = _b64url(secrets.token_bytes(256))
    return f"{header}.{payload}.{signature}", signature


def build_credentials() -> dict[str, str]:
    """One fake credential of every shape in the catalogue, keyed by a name."""
    jwt, signature = build_jwt()
    password = "pw" + _random(_ALNUM, 14)
    begin, end = "-----BEGIN " + "PRIVATE KEY-----", "-----END " + "PRIVATE KEY-----"
    pem_body = "\n".join(_random(_ALNUM + "+/", 64) for _ in range(4))
    return {
        "jwt": jwt,
        "jwt_signature": signature,
        "openai": "sk-" + "proj-" + _random(_ALNUM, 48),
        "openai_test": "sk-" + "test-" + _random(_ALNUM, 32),
        "anthropic": "sk-" + "ant-api03-" + _random(_ALNUM, 40),
        "google": "AI" + "za" + _random(_ALNUM, 35),
        "aws_id": "AK" + "IA" + _random(string.ascii_uppercase + string.digits, 16),
        "aws_secret": _random(_ALNUM + "/+", 40),
        "github": "gh" + "p_" + _random(_ALNUM, 36),
        "github_pat": "github" + "_pat_" + _random(_ALNUM, 60),
        "huggingface": "hf" + "_" + _random(_ALNUM, 34),
        "slack": "xo" + "xb-" + _random(string.digits, 12) + "-" + _random(_ALNUM, 24),
        "stripe": "sk" + "_live_" + _random(_ALNUM, 24),
        "hex32": secrets.token_hex(16),
        "password": password,
        "bearer": "tok" + secrets.token_hex(16) + "Ab",
        "basic": base64.b64encode(f"admin:{password}".encode()).decode(),
        "pem": f"{begin}\n{pem_body}\n{end}",
        "sig": secrets.token_hex(20),
        "account_key": base64.b64encode(secrets.token_bytes(48)).decode(),
    }


@pytest.fixture(scope="session")
def credentials() -> dict[str, str]:
    return build_credentials()


@pytest.fixture(scope="session")
def prose() -> str:
    """About 25 KB of prompt-like text that mentions sessions and tokens."""
    sentence = (
        "In this session the agent summarised 7,325 tokens of meeting notes; "
        "the rate limit left 42,000 tokens for the next call. "
    )
    return sentence * (25_000 // len(sentence))


@pytest.fixture
def clean_redaction_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from otel_agent import environment_variables as env

    for name in (
        env.OTEL_AGENT_REDACT_EXTRA_KEYS,
        env.OTEL_AGENT_REDACT_EXTRA_PATTERNS,
        env.OTEL_AGENT_REDACT_SAFE_KEYS,
    ):
        monkeypatch.delenv(name, raising=False)
