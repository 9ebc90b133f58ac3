"""Apply the catalogue to values: one RE2 pass over text, a walk over structures.

All pattern rules and the sensitive-key forms (``"key": "…"``, ``'key': '…'``,
``Key: …`` header lines, ``key=…``) are combined into one RE2 alternation, so a
string is scanned once, in time linear in its length, whatever it contains.
Only the secret part of a match is replaced, by ``[REDACTED:<rule>]``.
"""

from __future__ import annotations

import enum
import functools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import re2

from otel_agent.redaction._config import RedactionConfig, normalise_key
from otel_agent.redaction._rules import (
    PATTERN_RULES,
    REDACTED_MARKER,
    SAFE_KEYS,
    SENSITIVE_KEY_RULE,
    SENSITIVE_KEYS,
    PatternRule,
)

# Cookies hold several ``name=value;`` pairs: their value runs to the end of
# the line instead of stopping at ``;``.
_WHOLE_LINE_KEYS = frozenset({"cookie", "set_cookie"})
_DEPTH_RULE = "depth_limit"
# Unquoted values after a sensitive key that are not secrets; replacing them
# would also break the JSON they sit in (``"password": null``).
_LITERALS = frozenset({b"null", b"None", b"true", b"false", b"True", b"False"})
_MAX_DEPTH = 32
_MARKER_PREFIX = b"[REDACTED:"
_SCHEMES = frozenset({b"bearer", b"basic", b"digest", b"token", b"negotiate", b"ntlm"})
_ALREADY_REDACTED = re2.compile(rb"(?:[A-Za-z]+\s+)?\[REDACTED:[a-z0-9_]+\]")

# The text around a key: a key starts after a non-word character and may carry
# prefix segments (``llm_api_key``, ``http.request.header.authorization``); a
# closing quote, possibly JSON-escaped (at any depth), and ``:`` or ``=``
# follow it, or a quote and a comma (a ``('api-key', '…')`` header pair); a
# list or tuple of values (captured headers) has its first value redacted.
# Quoted values may be Python bytes (``b'…'``); a double-quoted value ends
# before the escaped quote that closes it, however deeply it is escaped.
_KEY_START = r"(?:^|[^A-Za-z0-9])(?:[A-Za-z0-9]+[-_.])*"
_KEY_END = r"\\*(?:[\"']?\s*[:=]|[\"']\s*,)\s*(?:[\[(]\s*)?"
_DOUBLE_QUOTED = r"\\*\"((?:(?:\\\\)*(?:\\[^\"\\]|[^\"\\]))*)"
_SINGLE_QUOTED = r"'((?:\\.|[^'\\])*)"
# An unquoted value is one token, optionally after a scheme word ("Bearer x").
_UNQUOTED = r"((?:[A-Za-z]+[ \t]+)?[^\s\"'\\,;&<>(){}\[\]]+)"
_TO_LINE_END = r"([^\r\n\"'\\]+)"


_KEY_CACHE_SIZE = 4096
# Texts longer than this are left out of the joined "anything to redact?"
# search: when one holds a secret, searching it twice would double the cost.
JOINED_TEXT_LIMIT = 4096


class _KeyKind(enum.Enum):
    PLAIN = "plain"
    SAFE = "safe"
    SENSITIVE = "sensitive"


class RedactionResult(NamedTuple):
    """A redacted value and what was redacted in it (rule names, never values)."""

    value: Any
    counts: Mapping[str, int]

    @property
    def count(self) -> int:  # type: ignore[override]  # shadows tuple.count
        """How many values were replaced."""
        return sum(self.counts.values())

    @property
    def rules(self) -> tuple[str, ...]:
        """Names of the rules that matched, sorted."""
        return tuple(sorted(self.counts))


class _Alternative(NamedTuple):
    rule: str
    secret_groups: tuple[int, ...]


class Redactor:
    """Redacts credentials from strings, bytes, mappings and sequences.

    Built once (it compiles the catalogue plus *config*); afterwards thread-safe
    and stateless. Linear in input size. :meth:`redact` does not raise for any
    value an OpenTelemetry attribute or log body can hold; the processors still
    guard it.

    Args:
        config: Additions to the catalogue; default none.
    """

    def __init__(self, config: RedactionConfig | None = None) -> None:
        config = config or RedactionConfig()
        self._sensitive = SENSITIVE_KEYS | config.extra_keys
        safe = {normalise_key(key) for key in SAFE_KEYS} | config.safe_keys
        self._safe_exact = frozenset(key for key in safe if not key.endswith("_*"))
        self._safe_prefixes = tuple(key[:-1] for key in safe if key.endswith("_*"))
        # Attribute keys repeat endlessly; classifying each once saves most of
        # the per-item cost. Bounded, and safe to share between threads.
        self._key_kinds: dict[str, _KeyKind] = {}
        # Spans of one kind carry the same attribute keys; per key set, the
        # keys whose values the joined search must see (False: "maybe").
        self._scanned_keys: dict[tuple[str, ...], tuple[str, ...] | Literal[False]] = {}
        # A key made safe by configuration is not looked for inside text either.
        pattern, self._alternatives = _compile(
            PATTERN_RULES + config.extra_patterns, self._sensitive - self._safe_exact
        )
        self._regex = re2.compile(pattern)
        # The same search over several texts joined by newlines: multi-line
        # ``^`` also matches after each separator, so every match a text has
        # on its own is still found (and a few harmless extra ones).
        self._joined_regex = re2.compile(b"(?m)" + pattern)

    @classmethod
    def from_env(cls) -> Redactor:
        """Return a redactor for the catalogue plus ``OTEL_AGENT_REDACT_*``.

        Never raises (bad values are skipped with one warning). Redactors are
        stateless, so one is shared per distinct configuration.
        """
        return _shared_redactor(RedactionConfig.from_env())

    def redact(self, value: Any, key: str | None = None) -> RedactionResult:
        """Return a redacted copy of *value* (the original is not changed).

        Args:
            value: A string, bytes, number, mapping or sequence, nested freely.
            key: The attribute or field name *value* is stored under, if any:
                a sensitive key redacts the whole value, a safe key keeps it.
        """
        counts: Counter[str] = Counter()
        redacted = self._value(value, key, counts, 0)
        return RedactionResult(redacted, dict(counts))

    def redact_text(self, text: str) -> RedactionResult:
        """Return *text* with every credential replaced; a shortcut for strings."""
        counts: Counter[str] = Counter()
        return RedactionResult(self._text(text, counts), dict(counts))

    def leaves_unchanged(
        self,
        texts: Iterable[Any] = (),
        attributes: Iterable[Mapping[str, Any] | None] = (),
    ) -> bool:
        """Whether redacting *texts* and *attributes* would change nothing.

        Costs one RE2 search over all the values joined, instead of one per
        value. Conservative: a sensitive key, a text longer than 4 KiB, bytes
        or a structure beyond a flat sequence give False ("maybe").
        Thread-safe.

        Args:
            texts: Values redacted without a key (a span name, a log body).
            attributes: Mappings redacted key by key (keys included).
        """
        found: list[str] = []
        if not all(_collect_texts(value, found) for value in texts):
            return False
        for mapping in attributes:
            if mapping and not self._collect_attribute_texts(mapping, found):
                return False
        if not found:
            return True
        joined = "\n".join(found).encode("utf-8", "surrogatepass")
        return self._joined_regex.search(joined) is None

    def is_sensitive_key(self, key: str) -> bool:
        """Whether *key*, in any spelling, names a value that is a credential.

        True when the normalised key equals a sensitive name or ends with
        ``_`` plus one (``http.request.header.authorization``), unless the
        key is safe.
        """
        return self._key_kind(key) is _KeyKind.SENSITIVE

    def is_safe_key(self, key: str) -> bool:
        """Whether *key* is on the allowlist, so its value is kept as is."""
        return self._key_kind(key) is _KeyKind.SAFE

    def _collect_attribute_texts(
        self, attributes: Mapping[str, Any], found: list[str]
    ) -> bool:
        keys = tuple(attributes)
        scanned = self._scanned_keys.get(keys)
        if scanned is None:
            scanned = self._keys_to_scan(keys)
            if len(self._scanned_keys) >= _KEY_CACHE_SIZE:
                self._scanned_keys.clear()
            self._scanned_keys[keys] = scanned
        if scanned is False:
            return False
        for key in scanned:
            value = attributes[key]
            if isinstance(value, str):
                if len(value) > JOINED_TEXT_LIMIT:
                    return False
                found.append(value)
            elif not _collect_texts(value, found):
                return False
        return True

    def _keys_to_scan(self, keys: tuple[str, ...]) -> tuple[str, ...] | Literal[False]:
        if any(
            self._regex.search(key.encode("utf-8", "surrogatepass")) for key in keys
        ):
            return False
        kinds = [self._key_kind(key) for key in keys]
        if _KeyKind.SENSITIVE in kinds:
            return False
        return tuple(
            key for key, kind in zip(keys, kinds, strict=True) if kind is _KeyKind.PLAIN
        )

    def _key_kind(self, key: str) -> _KeyKind:
        kind = self._key_kinds.get(key)
        if kind is None:
            kind = self._classify(normalise_key(key))
            if len(self._key_kinds) >= _KEY_CACHE_SIZE:
                self._key_kinds.clear()
            self._key_kinds[key] = kind
        return kind

    def _classify(self, normal: str) -> _KeyKind:
        if normal in self._safe_exact or normal.startswith(self._safe_prefixes):
            return _KeyKind.SAFE
        if normal in self._sensitive or any(
            normal[index + 1 :] in self._sensitive
            for index, char in enumerate(normal)
            if char == "_"
        ):
            return _KeyKind.SENSITIVE
        return _KeyKind.PLAIN

    def _value(
        self, value: Any, key: str | None, counts: Counter[str], depth: int
    ) -> Any:
        if key is not None:
            kind = self._key_kind(key)
            if kind is _KeyKind.SAFE:
                return value
            if kind is _KeyKind.SENSITIVE:
                return _whole(value, counts)
        if isinstance(value, str):
            return self._text(value, counts)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, (bytes, bytearray)):
            # Matched as raw bytes: binary data passes through unchanged.
            return self._bytes(bytes(value), counts)
        if depth >= _MAX_DEPTH:
            counts[_DEPTH_RULE] += 1
            return REDACTED_MARKER.format(rule=_DEPTH_RULE)
        if isinstance(value, Mapping):
            return self._mapping(value, counts, depth + 1)
        if isinstance(value, (Sequence, set, frozenset)):
            items = [self._value(item, None, counts, depth + 1) for item in value]
            return tuple(items) if isinstance(value, tuple) else items
        return self._text(str(value), counts)

    def _mapping(
        self, value: Mapping[Any, Any], counts: Counter[str], depth: int
    ) -> dict:
        result = {}
        for key, item in value.items():
            new_key = self._text(key, counts) if isinstance(key, str) else key
            name = key if isinstance(key, str) else None
            result[new_key] = self._value(item, name, counts, depth)
        return result

    def _text(self, text: str, counts: Counter[str]) -> str:
        # RE2 works on UTF-8 bytes; encoding once here (surrogatepass keeps
        # lone surrogates) avoids the wrapper's per-match offset translation.
        data = text.encode("utf-8", "surrogatepass")
        redacted = self._bytes(data, counts)
        if redacted is data:
            return text
        try:
            return redacted.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            # A match ended inside an invalid sequence; keep what decodes.
            return redacted.decode("utf-8", "replace")

    def _bytes(self, data: bytes, counts: Counter[str]) -> bytes:
        pieces: list[bytes] = []
        position = 0
        for start, end, rule in self._secrets(data):
            pieces.append(data[position:start])
            pieces.append(REDACTED_MARKER.format(rule=rule).encode())
            counts[rule] += 1
            position = end
        if not pieces:
            return data
        pieces.append(data[position:])
        return b"".join(pieces)

    def _secrets(self, data: bytes) -> Iterator[tuple[int, int, str]]:
        for match in self._regex.finditer(data):
            alternative = self._alternatives[_matched_group(match, self._alternatives)]
            start, end = _secret_span(match, alternative)
            if start == end or _is_marker(data, start, end):
                continue
            if alternative.rule == SENSITIVE_KEY_RULE and data[start:end] in _LITERALS:
                continue
            yield start, end, alternative.rule


@functools.lru_cache(maxsize=8)
def _shared_redactor(config: RedactionConfig) -> Redactor:
    return Redactor(config)


def redact(value: Any) -> Any:
    """Return a redacted copy of *value* with the default rules.

    Uses :meth:`Redactor.from_env` (catalogue plus ``OTEL_AGENT_REDACT_*``);
    thread-safe.
    """
    return Redactor.from_env().redact(value).value


def _whole(value: Any, counts: Counter[str]) -> Any:
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_whole(item, counts) for item in value)
    if isinstance(value, str) and _ALREADY_REDACTED.fullmatch(
        value.encode(errors="replace")
    ):
        return value
    counts[SENSITIVE_KEY_RULE] += 1
    return REDACTED_MARKER.format(rule=SENSITIVE_KEY_RULE)


def _collect_texts(value: Any, texts: list[str]) -> bool:
    if isinstance(value, (tuple, list)):
        return all(_collect_scalar_text(item, texts) for item in value)
    return _collect_scalar_text(value, texts)


def _collect_scalar_text(value: Any, texts: list[str]) -> bool:
    if isinstance(value, str):
        texts.append(value)
        return len(value) <= JOINED_TEXT_LIMIT
    return value is None or isinstance(value, (bool, int, float))


def _matched_group(match: Any, alternatives: Mapping[int, _Alternative]) -> int:
    # Each alternative's outer group closes last, so lastindex names it.
    index = match.lastindex
    if index in alternatives:
        return index
    return next(group for group in alternatives if match.start(group) != -1)


def _secret_span(match: Any, alternative: _Alternative) -> tuple[int, int]:
    for group in alternative.secret_groups:
        if match.start(group) != -1:
            return match.span(group)
    return match.span()


def _is_marker(data: bytes, start: int, end: int) -> bool:
    # Text redacted before (by the logging filter, say) is not counted again:
    # a marker, or a scheme word with a marker after it ("Bearer [REDACTED:…]").
    secret = data[start:end]
    # (start - 1: the ``[`` of a marker can be taken for an opening bracket.)
    if data.startswith(_MARKER_PREFIX, start) or (
        start > 0 and data.startswith(_MARKER_PREFIX, start - 1)
    ):
        return True
    if secret.lower() in _SCHEMES:
        following = data[end : end + 2 + len(_MARKER_PREFIX)].lstrip(b" \t")
        return following.startswith(_MARKER_PREFIX)
    return _MARKER_PREFIX in secret and _ALREADY_REDACTED.fullmatch(secret) is not None


def _key_alternation(keys: frozenset[str]) -> str:
    spelled = sorted((re2.escape(key).replace("_", "[-_.]") for key in keys), key=len)
    return "(?i:" + "|".join(reversed(spelled)) + ")"


def _compile(
    rules: tuple[PatternRule, ...], sensitive: frozenset[str]
) -> tuple[bytes, dict[int, _Alternative]]:
    parts: list[str] = []
    alternatives: dict[int, _Alternative] = {}
    group = 1

    def add(rule: str, body: str, inner: int) -> None:
        nonlocal group
        parts.append(f"({body})")
        alternatives[group] = _Alternative(
            rule, tuple(range(group + 1, group + 1 + inner))
        )
        group += 1 + inner

    for rule in rules:
        add(rule.name, rule.regex, re2.compile(rule.regex).groups)

    line_keys = _key_alternation(sensitive & _WHOLE_LINE_KEYS)
    add(SENSITIVE_KEY_RULE, _keyed(line_keys, _TO_LINE_END), 3)
    add(SENSITIVE_KEY_RULE, _keyed(_key_alternation(sensitive), _UNQUOTED), 3)

    return "|".join(parts).encode(), alternatives


def _keyed(keys: str, unquoted: str) -> str:
    return (
        f"{_KEY_START}{keys}{_KEY_END}"
        f"(?:b?{_DOUBLE_QUOTED}|b?{_SINGLE_QUOTED}|{unquoted})"
    )


__all__ = ["RedactionResult", "Redactor", "redact"]
