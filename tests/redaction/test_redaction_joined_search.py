"""The joined "anything to redact?" search agrees with redacting value by value."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_agent.redaction import Redactor

_REDACTOR = Redactor()


def _changes_something(texts: list[Any], attributes: dict[str, Any]) -> bool:
    return any(_REDACTOR.redact(text).count for text in texts) or any(
        _REDACTOR.redact(key).count or _REDACTOR.redact(value, key).count
        for key, value in attributes.items()
    )


@pytest.mark.parametrize(
    ("texts", "attributes", "unchanged", "redacted"),
    [
        # Intentionally kept.
        ([], {"gen_ai.request.model": "gpt-4o", "server.port": 443}, True, False),
        (["chat gpt-4o", None], {"gen_ai.usage.input_tokens": 7325}, True, False),
        ([], {"x": ("stop", "length"), "y": None, "z": 0.5}, True, False),
        ([], {}, True, False),
        # Secrets that only match at the very start of their own text, where
        # a joined search sees a separator instead.
        (["plain"], {"url.query": "sig=SECRET0123456789"}, False, True),
        (["plain"], {"cmd": "-u admin:SECRET0123456789"}, False, True),
        (["plain", "api_key=SECRET0123456789"], {}, False, True),
        # A key that gives its value away, and a key that is itself a secret.
        ([], {"azure_ad_token": "opaque"}, False, True),
        ([], {"url.query": "x", "token=SECRET0123456789": "x"}, False, True),
        # What the joined search does not look into is "maybe".
        ([{"nested": "mapping"}], {}, False, False),
        ([], {"body": b"bytes"}, False, False),
        ([], {"prompt": "a" * 5000}, False, False),
    ],
)
def test_leaves_unchanged_table_agrees_with_redact(
    texts: list[Any], attributes: dict[str, Any], unchanged: bool, redacted: bool
) -> None:
    result = _REDACTOR.leaves_unchanged(texts, [attributes])

    assert (result, _changes_something(texts, attributes)) == (unchanged, redacted)


def test_leaves_unchanged_same_keys_new_values_scanned_again() -> None:
    clean = {"model.name": "gpt-4o", "url.query": "page=2"}
    dirty = {"model.name": "gpt-4o", "url.query": "sig=SECRET0123456789"}

    assert _REDACTOR.leaves_unchanged(attributes=[clean])
    assert not _REDACTOR.leaves_unchanged(attributes=[dirty])


_keys = st.one_of(
    st.sampled_from(["api_key", "url.query", "model", "input.value", "Cookie"]),
    st.text(alphabet=string.ascii_lowercase + "._-=", min_size=1, max_size=10),
)
_fragments = st.sampled_from(
    ["key=", "sig=", "-u ", "a:b@", "://u:", "Bearer ", "sk-", "eyJ", "\n", "'", '"']
)
_texts = st.lists(
    st.one_of(_fragments, st.text(alphabet=string.ascii_letters + "0123456789./:=")),
    max_size=6,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(_texts, max_size=3),
    attributes=st.dictionaries(_keys, st.one_of(_texts, st.integers()), max_size=5),
)
def test_leaves_unchanged_true_means_redact_changes_nothing(
    texts: list[str], attributes: dict[str, Any]
) -> None:
    if _REDACTOR.leaves_unchanged(texts, [attributes]):
        assert not _changes_something(texts, attributes)
