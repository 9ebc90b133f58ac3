"""Obviously fake credentials, built at run time for tests.

Nothing here is a real secret, and no credential-shaped literal is committed:
every value is assembled when a test runs, with random parts, so that tests can
check that exactly these values never reach an exporter or a log.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

FAKE_AUDIENCE = "https://cognitiveservices.azure.com"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fake_jwt(length: int = 2000) -> str:
    """Return a JWT-shaped fake Azure AD token of about *length* characters.

    Three base64url segments (header, claims, signature) like a real access
    token, with a random signature, so each call gives a different value. It
    is not signed by anyone and grants nothing.
    """
    header = {"typ": "JWT", "alg": "RS256", "kid": "fake-test-key"}
    claims = {
        "aud": FAKE_AUDIENCE,
        "iss": "https://login.example.invalid/fake-tenant/",
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
        "oid": secrets.token_hex(16),
        "scp": "fake.test.scope",
    }
    head = _b64url(json.dumps(header, separators=(",", ":")).encode())
    signature = _b64url(secrets.token_bytes(256))
    body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    padding = length - len(head) - len(body) - len(signature) - 2
    if padding > 0:
        # Real tokens carry many claims; pad with a filler claim to the size
        # of a real Azure AD access token (about 2,000 characters).
        claims["fake_filler"] = secrets.token_hex(max(1, padding * 3 // 8))
        body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{head}.{body}.{signature}"


def fake_api_key() -> str:
    """Return an obviously fake OpenAI-style key: ``sk-test-`` and random hex."""
    return "sk-test-" + secrets.token_hex(16)
