"""Fixtures for the leak tests: fake credentials and raw-bytes OTLP receivers.

Every credential is assembled at run time from random bytes; the receivers keep
the request bodies exactly as they arrived, so a test can look for a secret in
what actually left the process.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from _fakes import fake_jwt
from _otlp_receiver import OtlpHttpReceiver
from leaks_helpers import RawCapture

_ALNUM = string.ascii_letters + string.digits


@pytest.fixture
def http_receiver() -> Iterator[OtlpHttpReceiver]:
    """An OTLP/HTTP receiver on 127.0.0.1; ``endpoint`` is its base URL and
    ``data()`` the raw request bytes (not gunzipped), as for ``grpc_receiver``."""
    with OtlpHttpReceiver(decompress=False) as receiver:
        yield receiver


class _GrpcHandler(grpc.GenericRpcHandler):
    def __init__(self, capture: RawCapture) -> None:
        self._capture = capture

    def service(self, handler_call_details: object) -> grpc.RpcMethodHandler:
        def export(request: bytes, context: object) -> bytes:
            self._capture.add(request)
            return b""  # an empty Export*ServiceResponse

        return grpc.unary_unary_rpc_method_handler(
            export,
            request_deserializer=lambda body: body,
            response_serializer=lambda body: body,
        )


@pytest.fixture
def grpc_receiver() -> Iterator[RawCapture]:
    """An OTLP/gRPC receiver on 127.0.0.1 for every service; raw request bytes."""
    capture = RawCapture()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    server.add_generic_rpc_handlers((_GrpcHandler(capture),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    capture.endpoint = f"127.0.0.1:{port}"
    yield capture
    server.stop(0)


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.fixture
def fake_secrets() -> dict[str, str]:
    """One fake credential per shape the attacks plant, keyed by a name."""
    jwt = fake_jwt()
    return {
        "jwt": jwt,
        "jwt_claims": jwt.split(".")[1],
        "jwt_signature": jwt.split(".")[2],
        "openai": "sk-" + "test-" + secrets.token_hex(16),
        "subscription_key": secrets.token_hex(16),
        "bearer": "tok" + secrets.token_hex(16) + "Ab",
        "google": "AI" + "za" + _random(_ALNUM, 35),
        "password": "pw" + _random(_ALNUM, 14),
        "aws_id": "AK" + "IA" + _random(string.ascii_uppercase + string.digits, 16),
        "aws_secret": _random(_ALNUM + "/+", 40),
        "github": "gh" + "p_" + _random(_ALNUM, 36),
    }
