"""What a deployment adds to the redaction catalogue: keys, patterns, safe keys."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import re2

from otel_agent import environment_variables as env
from otel_agent.redaction._rules import PatternRule

_logger = logging.getLogger(__name__)

_RULE_NAME = re2.compile(r"[a-z0-9_]{1,40}")
# RE2 would otherwise print a rejected pattern to stderr itself.
_QUIET = re2.Options()
_QUIET.log_errors = False


def normalise_key(key: str) -> str:
    """Return *key* in catalogue spelling: lower case, ``-`` and ``.`` as ``_``."""
    return key.strip().lower().replace("-", "_").replace(".", "_")


def check_pattern_rule(rule: PatternRule) -> PatternRule:
    """Return *rule* if it is usable, else raise ``ValueError`` naming the rule.

    Usable means: a short ``[a-z0-9_]`` name, an RE2 regex that compiles and has
    at most one capturing group (group 1 is the secret).
    """
    if not _RULE_NAME.fullmatch(rule.name):
        raise ValueError(f"Redaction rule name must match [a-z0-9_]+: {rule.name!r}")
    try:
        groups = re2.compile(rule.regex, options=_QUIET).groups
    except re2.error:
        message = f"Redaction rule {rule.name!r} is not a valid RE2 regex"
        raise ValueError(message) from None
    if groups > 1:
        raise ValueError(
            f"Redaction rule {rule.name!r} has {groups} capturing groups; use (?:...)"
        )
    return rule


@dataclass(frozen=True)
class RedactionConfig:
    """Additions to the built-in catalogue; validated on construction.

    Args:
        extra_keys: Key names to treat as sensitive (any spelling).
        extra_patterns: More credential shapes, checked by
            :func:`check_pattern_rule`.
        safe_keys: Keys whose values are never redacted (``prefix.*`` allowed).

    Raises:
        ValueError: A pattern does not compile, has more than one capturing
            group, or has a bad name; or a key is empty.
    """

    extra_keys: frozenset[str] = field(default_factory=frozenset)
    extra_patterns: tuple[PatternRule, ...] = ()
    safe_keys: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        keys = frozenset(normalise_key(key) for key in self.extra_keys)
        safe = frozenset(normalise_key(key) for key in self.safe_keys)
        if "" in keys or "" in safe:
            raise ValueError("Redaction keys must not be empty")
        patterns = tuple(
            check_pattern_rule(PatternRule(*rule)) for rule in self.extra_patterns
        )
        object.__setattr__(self, "extra_keys", keys)
        object.__setattr__(self, "safe_keys", safe)
        object.__setattr__(self, "extra_patterns", patterns)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RedactionConfig:
        """Read ``OTEL_AGENT_REDACT_*`` variables; never raises.

        A malformed pattern is skipped with one warning naming the variable and
        the pattern's position (never its regex); the others still apply. The
        result is cached per distinct set of values, so the warning is given
        once however many components read the environment.
        """
        environ = os.environ if environ is None else environ
        return _config_from_values(
            environ.get(env.OTEL_AGENT_REDACT_EXTRA_KEYS),
            environ.get(env.OTEL_AGENT_REDACT_EXTRA_PATTERNS),
            environ.get(env.OTEL_AGENT_REDACT_SAFE_KEYS),
        )


@functools.lru_cache(maxsize=8)
def _config_from_values(
    keys: str | None, patterns: str | None, safe_keys: str | None
) -> RedactionConfig:
    return RedactionConfig(
        extra_keys=frozenset(_split(keys)),
        extra_patterns=tuple(_parse_patterns(patterns)),
        safe_keys=frozenset(_split(safe_keys)),
    )


def _split(value: str | None) -> Iterable[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _parse_patterns(value: str | None) -> Iterable[PatternRule]:
    for index, item in enumerate(
        item for item in (value or "").split(";") if item.strip()
    ):
        name, sep, regex = item.partition("=")
        try:
            if not sep:
                raise ValueError("expected name=regex")
            yield check_pattern_rule(PatternRule(name.strip(), regex.strip()))
        except ValueError:
            _logger.warning(
                "Redaction pattern %d in %s is invalid and was skipped",
                index + 1,
                env.OTEL_AGENT_REDACT_EXTRA_PATTERNS,
            )


__all__ = ["RedactionConfig", "check_pattern_rule", "normalise_key"]
