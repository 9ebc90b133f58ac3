"""Property: a fake credential planted anywhere in JSON, repr or prose is gone,
and everything around it is intact."""

from __future__ import annotations

import ast
import base64
import json
import string
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from otel_agent.redaction import Redactor

_REDACTOR = Redactor()
_ALNUM = string.ascii_letters + string.digits
_WORDS = string.ascii_lowercase + " ,.!?"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_jwts = st.tuples(
    st.binary(min_size=8, max_size=300), st.binary(min_size=16, max_size=256)
).map(
    lambda parts: ".".join(
        (
            _b64url(b'{"alg":"RS256","typ":"JWT"}'),
            _b64url(b'{"p":"' + parts[0].hex().encode() + b'"}'),
            _b64url(parts[1]),
        )
    )
)


def _prefixed(prefix: str, size: int, alphabet: str = _ALNUM) -> st.SearchStrategy[str]:
    return st.text(alphabet=alphabet, min_size=size, max_size=size + 20).map(
        lambda body: prefix + body
    )


# Credentials recognisable by their shape alone.
SHAPED = st.one_of(
    _jwts,
    _prefixed("sk-" + "proj-", 40),
    _prefixed("sk-" + "ant-api03-", 40),
    _prefixed("AI" + "za", 35),
    _prefixed("AK" + "IA", 16, string.ascii_uppercase + string.digits).map(
        lambda key: key[:20]
    ),
    _prefixed("gh" + "p_", 36),
    _prefixed("hf" + "_", 34),
    _prefixed("xo" + "xb-", 30),
    _prefixed("Bearer tok9", 20),
)
# Credentials with no recognisable shape: only the key name gives them away.
SHAPELESS = st.one_of(
    st.text(alphabet="0123456789abcdef", min_size=32, max_size=32),
    st.text(alphabet=_ALNUM, min_size=12, max_size=40),
)
SENSITIVE_KEY_SPELLINGS = st.sampled_from(
    [
        "Ocp-Apim-Subscription-Key",
        "api_key",
        "api-key",
        "Authorization",
        "azure_ad_token",
        "x-api-key",
        "client_secret",
        "password",
        "AWS_SECRET_ACCESS_KEY",
    ]
)
plain_keys = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda key: not _REDACTOR.is_sensitive_key(key)
)
plain_values = st.one_of(
    st.integers(), st.booleans(), st.text(alphabet=_WORDS, max_size=40)
)
documents = st.recursive(
    st.dictionaries(plain_keys, plain_values, max_size=4),
    lambda children: (
        st.dictionaries(plain_keys, children, max_size=4)
        | st.lists(children, max_size=3).map(lambda items: {"items": items})
    ),
    max_leaves=12,
)


def _plant(document: dict[str, Any], key: str, value: str, depth: int) -> Any:
    """Return a copy of *document* with *key*: *value* set ``depth`` levels down."""
    copy = dict(document)
    for child_key, child in copy.items():
        if depth > 0 and isinstance(child, dict):
            copy[child_key] = _plant(child, key, value, depth - 1)
            return copy
    copy[key] = value
    return copy


@settings(max_examples=80, deadline=None)
@given(
    document=documents,
    key=st.one_of(plain_keys, SENSITIVE_KEY_SPELLINGS),
    credential=st.one_of(
        SHAPED.map(lambda value: (value, True)),
        SHAPELESS.map(lambda value: (value, False)),
    ),
    depth=st.integers(0, 3),
    as_repr=st.booleans(),
)
def test_redact_text_credential_in_json_or_repr_removed_structure_kept(
    document: dict[str, Any],
    key: str,
    credential: tuple[str, bool],
    depth: int,
    as_repr: bool,
) -> None:
    value, shaped = credential
    # A shapeless value under an ordinary key is not a credential: planted
    # empty, the document must come back unchanged.
    credential = value if shaped or _REDACTOR.is_sensitive_key(key) else ""
    planted = _plant(document, key, credential, depth)
    text = repr(planted) if as_repr else json.dumps(planted)

    result = _REDACTOR.redact_text(text)

    parsed = ast.literal_eval(result.value) if as_repr else json.loads(result.value)
    if credential:
        assert credential not in result.value
        assert result.count == 1
        marker = next(iter(result.counts))
        assert parsed == _plant(document, key, _expected(credential, marker), depth)
    else:
        assert parsed == planted


def _expected(credential: str, rule: str) -> str:
    # Bearer keeps its scheme word; every other shape is replaced whole.
    if credential.startswith("Bearer ") and rule == "bearer_token":
        return f"Bearer [REDACTED:{rule}]"
    return f"[REDACTED:{rule}]"


@settings(max_examples=80, deadline=None)
@given(
    before=st.text(alphabet=_WORDS, max_size=200),
    after=st.text(alphabet=_WORDS, max_size=200),
    credential=SHAPED,
)
def test_redact_text_credential_in_prose_removed_words_kept(
    before: str, after: str, credential: str
) -> None:
    text = f"{before} {credential} {after}"

    result = _REDACTOR.redact_text(text)

    assert credential not in result.value
    assert result.value.startswith(before + " ")
    assert result.value.endswith(" " + after)
    assert result.count == 1
