"""The shared fake credentials look like the real thing and differ per call."""

from __future__ import annotations

import base64
import json

from _fakes import FAKE_AUDIENCE, fake_api_key, fake_jwt


def _decode(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def test_fake_jwt_is_three_base64url_segments_of_incident_size() -> None:
    token = fake_jwt()

    header, claims, signature = token.split(".")
    assert 1900 <= len(token) <= 2100
    assert token.startswith("eyJ")
    assert _decode(header)["typ"] == "JWT"
    assert _decode(claims)["aud"] == FAKE_AUDIENCE
    assert len(base64.urlsafe_b64decode(signature + "==")) == 256


def test_fake_credentials_are_fresh_each_call() -> None:
    assert fake_jwt() != fake_jwt()
    assert fake_api_key() != fake_api_key()
    assert fake_api_key().startswith("sk-test-")
