"""Any JSON body gets a deliberate answer (200, 4xx), never a server error."""

from __future__ import annotations

import httpx
from _server_http import AUTH
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from otel_agent.server import LocalAzureServer

_scalars = st.none() | st.booleans() | st.integers(-5, 5000) | st.text(max_size=20)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_keys = st.sampled_from(
    [
        "messages",
        "model",
        "stream",
        "stream_options",
        "max_tokens",
        "tools",
        "input",
        "prompt",
        "dimensions",
        "encoding_format",
        "role",
        "content",
        "tool_calls",
        "function",
        "name",
    ]
)
_request_bodies = st.dictionaries(_keys, _json, max_size=6) | _json
_messages = st.lists(
    st.dictionaries(_keys, _json, max_size=4), min_size=1, max_size=3
).map(lambda messages: {"messages": messages, "model": "gpt-4o"})

PATHS = [
    "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
    "/openai/deployments/gpt-4o/completions?api-version=2024-10-21",
    "/openai/deployments/gpt-4o/embeddings?api-version=2024-10-21",
    "/v1/chat/completions",
]


@example(
    # Found by this test: `stream` on an embeddings request once crashed the
    # server, which tried to stream an embeddings reply.
    body={"stream": [None], "input": [False]},
    path="/openai/deployments/gpt-4o/embeddings?api-version=2024-10-21",
)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=_request_bodies | _messages, path=st.sampled_from(PATHS))
def test_arbitrary_json_body_never_gets_server_error(
    azure_server: LocalAzureServer, body, path: str
) -> None:
    response = httpx.post(azure_server.base_url + path, json=body, headers=AUTH)

    assert response.status_code in (200, 400, 404)
    if response.status_code != 200:
        assert set(response.json()["error"]) == {"code", "message"}
