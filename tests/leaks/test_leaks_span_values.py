"""Value shapes that slipped past the catalogue, exported as span attributes.

Each case is one attribute value on a span exported through the OTLP JSON file
exporter behind ``RedactingSpanProcessor``; the file's bytes must not hold the
secret, and must hold the marker.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from _fakes import fake_jwt
from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from otel_agent.redaction import RedactingSpanProcessor

_LIMIT = 300


def _export(path: Path, key: str, value: str) -> bytes:
    provider = TracerProvider(span_limits=SpanLimits(max_span_attribute_length=_LIMIT))
    provider.add_span_processor(
        RedactingSpanProcessor(SimpleSpanProcessor(FileSpanExporter(path=path)))
    )
    with provider.get_tracer("tests.leaks").start_as_current_span("call") as span:
        span.set_attribute(key, value)
    provider.shutdown()
    return path.read_bytes()


def _truncated_jwt() -> tuple[str, str, str]:
    token = fake_jwt()
    # What the SDK keeps of it: header, and the claims cut mid-way.
    return "azure.token.debug", f"token {token}", token[: _LIMIT - len("token ")]


def _bytes_repr_headers() -> tuple[str, str, str]:
    key = secrets.token_hex(16)
    return "http.headers", repr({b"api-key": key.encode(), b"host": b"h"}), key


def _header_pairs() -> tuple[str, str, str]:
    key = secrets.token_hex(16)
    pairs = [("Host", "h"), ("Ocp-Apim-Subscription-Key", key)]
    return "http.headers", str(pairs), key


def _camel_case_json() -> tuple[str, str, str]:
    secret = base64.b64encode(secrets.token_bytes(30)).decode()
    body = {"Credentials": {"AccessKeyId": "id", "SecretAccessKey": secret}}
    return "aws.response", json.dumps(body), secret


def _camel_case_client_secret() -> tuple[str, str, str]:
    secret = "cs" + secrets.token_hex(12)
    return "oauth.request", f"{{'clientSecret': '{secret}'}}", secret


def _url_password_with_slash() -> tuple[str, str, str]:
    # Raw base64, as Azure Cache for Redis access keys are.
    password = base64.b64encode(b"\xff\xef" + secrets.token_bytes(30)).decode()
    return "db.connection", f"rediss://:{password}@cache:6380/0", password


def _go_escaped_query() -> tuple[str, str, str]:
    # Go's encoding/json writes ``&`` as ``\u0026``.
    key = secrets.token_hex(16)
    url = f"https://acct.example.net/c?sv=2024\\u0026api-key={key}\\u0026x=1"
    return "upstream.response", f'{{"next":"{url}"}}', key


def _json_three_levels_deep() -> tuple[str, str, str]:
    key = secrets.token_hex(16)
    inner = json.dumps({"Ocp-Apim-Subscription-Key": key, "n": 1})
    return "llm.request", json.dumps({"log": json.dumps({"body": inner})}), key


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(_truncated_jwt, id="jwt_cut_by_attribute_length_limit"),
        pytest.param(_bytes_repr_headers, id="bytes_repr_header_mapping"),
        pytest.param(_header_pairs, id="header_name_value_pairs"),
        pytest.param(_camel_case_json, id="camel_case_secret_access_key"),
        pytest.param(_camel_case_client_secret, id="camel_case_client_secret"),
        pytest.param(_url_password_with_slash, id="url_password_with_slash"),
        pytest.param(_go_escaped_query, id="query_secret_after_json_u0026"),
        pytest.param(_json_three_levels_deep, id="json_escaped_three_levels"),
    ],
)
def test_redacting_span_processor_shape_exported_bytes_hold_no_secret(
    case: Callable[[], tuple[str, str, str]], tmp_path: Path
) -> None:
    key, value, secret = case()

    data = _export(tmp_path / "traces.jsonl", key, value)

    assert secret.encode() not in data
    assert b"[REDACTED:" in data
