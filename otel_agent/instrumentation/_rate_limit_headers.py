"""Rate-limit headers: find them on LiteLLM's objects and normalise them.

Providers report headroom in two header families, OpenAI/Azure
(``x-ratelimit-*``, ``retry-after``, ``retry-after-ms``, Azure's ``policy-id``)
and Anthropic (``anthropic-ratelimit-*``). Both become one set of typed scalars
under ``otel_agent.rate_limit.*``: counts as ``int``, durations as ``float``
seconds, the policy id as ``str``.

LiteLLM keeps a response's headers in several places. They are read in this
order, and the first place that has a header wins:

1. an exception's ``litellm_response_headers``, then its ``response.headers``;
2. the response's (or stream's) ``_response_headers``;
3. ``_hidden_params["additional_headers"]``, then ``_hidden_params["headers"]``;
4. the headers of the last HTTP attempt the openai SDK made (see ``_attempts``).

Keys are compared lowercased, with LiteLLM's ``llm_provider-`` prefix removed,
so a prefixed copy and the original count as the same header.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from otel_agent.attributes import (
    RATE_LIMIT_LIMIT_REQUESTS,
    RATE_LIMIT_LIMIT_TOKENS,
    RATE_LIMIT_POLICY_ID,
    RATE_LIMIT_REMAINING_REQUESTS,
    RATE_LIMIT_REMAINING_TOKENS,
    RATE_LIMIT_RESET_REQUESTS,
    RATE_LIMIT_RESET_TOKENS,
    RATE_LIMIT_RETRY_AFTER,
)

__all__ = [
    "collect_headers",
    "headers_of_exception",
    "headers_of_response",
    "normalise_headers",
    "parse_duration",
]

RateLimitAttributes = dict[str, "int | float | str"]

_PROVIDER_PREFIX = "llm_provider-"
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: str) -> float | None:
    """Seconds in an OpenAI reset value: ``"6ms"``, ``"1s"``, ``"6m0s"``, ``"20"``.

    Returns None for anything else.
    """
    text = value.strip().lower()
    try:
        return _non_negative(float(text))
    except ValueError:
        pass
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


def _parse_count(value: str) -> int | None:
    text = value.strip()
    if not text.isdigit():
        return None
    return int(text)


def _parse_seconds_or_date(value: str) -> float | None:
    """``retry-after``: delay seconds, or an HTTP date."""
    try:
        return _non_negative(float(value.strip()))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _parse_milliseconds(value: str) -> float | None:
    try:
        milliseconds = _non_negative(float(value.strip()))
    except ValueError:
        return None
    return None if milliseconds is None else milliseconds / 1000.0


def _parse_timestamp(value: str) -> float | None:
    """Anthropic resets: an RFC 3339 instant, as seconds from now."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - time.time())


def _parse_text(value: str) -> str | None:
    text = value.strip()
    return text[:128] if text else None


def _non_negative(number: float) -> float | None:
    if number != number or number < 0 or number == float("inf"):
        return None
    return number


# (header, attribute, parser) in preference order: for each attribute the first
# header present and parseable wins, so OpenAI/Azure values beat Anthropic's
# and ``retry-after-ms`` beats the coarser ``retry-after``.
_RULES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("x-ratelimit-limit-tokens", RATE_LIMIT_LIMIT_TOKENS, _parse_count),
    ("anthropic-ratelimit-tokens-limit", RATE_LIMIT_LIMIT_TOKENS, _parse_count),
    ("x-ratelimit-limit-requests", RATE_LIMIT_LIMIT_REQUESTS, _parse_count),
    ("anthropic-ratelimit-requests-limit", RATE_LIMIT_LIMIT_REQUESTS, _parse_count),
    ("x-ratelimit-remaining-tokens", RATE_LIMIT_REMAINING_TOKENS, _parse_count),
    (
        "anthropic-ratelimit-tokens-remaining",
        RATE_LIMIT_REMAINING_TOKENS,
        _parse_count,
    ),
    ("x-ratelimit-remaining-requests", RATE_LIMIT_REMAINING_REQUESTS, _parse_count),
    (
        "anthropic-ratelimit-requests-remaining",
        RATE_LIMIT_REMAINING_REQUESTS,
        _parse_count,
    ),
    ("x-ratelimit-reset-tokens", RATE_LIMIT_RESET_TOKENS, parse_duration),
    ("anthropic-ratelimit-tokens-reset", RATE_LIMIT_RESET_TOKENS, _parse_timestamp),
    ("x-ratelimit-reset-requests", RATE_LIMIT_RESET_REQUESTS, parse_duration),
    (
        "anthropic-ratelimit-requests-reset",
        RATE_LIMIT_RESET_REQUESTS,
        _parse_timestamp,
    ),
    ("retry-after-ms", RATE_LIMIT_RETRY_AFTER, _parse_milliseconds),
    ("retry-after", RATE_LIMIT_RETRY_AFTER, _parse_seconds_or_date),
    ("policy-id", RATE_LIMIT_POLICY_ID, _parse_text),
)

RELEVANT_HEADERS = frozenset(header for header, _, _ in _RULES)
# Lowercased key, plain or with LiteLLM's prefix -> the header it stands for.
_HEADER_NAMES = {
    **{header: header for header in RELEVANT_HEADERS},
    **{_PROVIDER_PREFIX + header: header for header in RELEVANT_HEADERS},
}


def normalise_headers(
    headers: Mapping[str, str], *, rate_limited: bool = False
) -> RateLimitAttributes:
    """Typed ``otel_agent.rate_limit.*`` attributes from lowercased headers.

    When ``rate_limited`` (a 429) and no ``retry-after`` header came, the retry
    delay is the reset time of the budget that ran out (Azure sends only those).
    Unparseable values are left out. Never raises for string input.
    """
    attributes: RateLimitAttributes = {}
    for header, attribute, parse in _RULES:
        if attribute in attributes or header not in headers:
            continue
        value = parse(str(headers[header]))
        if value is not None:
            attributes[attribute] = value
    if rate_limited and RATE_LIMIT_RETRY_AFTER not in attributes:
        delay = _delay_from_resets(attributes)
        if delay is not None:
            attributes[RATE_LIMIT_RETRY_AFTER] = delay
    return attributes


def _delay_from_resets(attributes: RateLimitAttributes) -> float | None:
    resets = {
        RATE_LIMIT_RESET_TOKENS: RATE_LIMIT_REMAINING_TOKENS,
        RATE_LIMIT_RESET_REQUESTS: RATE_LIMIT_REMAINING_REQUESTS,
    }
    known = {
        reset: float(value)
        for reset in resets
        if isinstance(value := attributes.get(reset), (int, float))
    }
    exhausted = [r for r in known if attributes.get(resets[r]) == 0]
    chosen = exhausted or list(known)
    return max(known[r] for r in chosen) if chosen else None


def collect_headers(sources: Iterable[object]) -> dict[str, str]:
    """Merge header mappings, earliest source first, keeping rate-limit keys only.

    Each source may be None, a dict, or any object with ``items()`` (httpx
    ``Headers``). Keys are compared lowercased and without LiteLLM's
    ``llm_provider-`` prefix. Only the headers ``normalise_headers`` reads are
    kept; every other header is skipped with one dict lookup.
    """
    merged: dict[str, str] = {}
    for source in sources:
        for key, value in _items(source):
            name = _HEADER_NAMES.get(key)
            if name is None and type(key) is str:
                name = _HEADER_NAMES.get(key.lower())
            if name is not None and name not in merged:
                merged[name] = str(value)
    return merged


def _items(source: object) -> Iterable[tuple[str, object]]:
    if source is None:
        return ()
    if type(source) is dict:  # any key type is safe with collect_headers
        return source.items()
    items = getattr(source, "items", None)
    if items is None:
        return ()
    try:
        return [(k, v) for k, v in items() if isinstance(k, str)]
    except Exception:  # a foreign mapping that cannot be read gives nothing
        return ()


def headers_of_exception(exception: BaseException) -> list[object]:
    """Header sources on a LiteLLM or openai exception, in priority order."""
    response = getattr(exception, "response", None)
    return [
        getattr(exception, "litellm_response_headers", None),
        getattr(response, "headers", None),
        getattr(exception, "headers", None),
    ]


def headers_of_response(response: object) -> list[object]:
    """Header sources on a LiteLLM response or stream wrapper, in priority order."""
    hidden = getattr(response, "_hidden_params", None)
    if not isinstance(hidden, Mapping):
        hidden = {}
    return [
        getattr(response, "_response_headers", None),
        hidden.get("additional_headers"),
        hidden.get("headers"),
    ]
