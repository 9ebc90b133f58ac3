"""RedactingLoggingFilter on a plain FileHandler, fed by a child logger."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from otel_agent.redaction import (
    RedactingLoggingFilter,
    Redactor,
    install_logging_filter,
)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "app.log"


@pytest.fixture
def file_handler(log_path: Path) -> Iterator[logging.FileHandler]:
    """A FileHandler on the root logger, as applications configure it."""
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(previous_level)
    handler.close()


@pytest.fixture
def litellm_logger() -> Iterator[logging.Logger]:
    """LiteLLM's logger without the handler and logger filter (both scrubbing)
    LiteLLM adds on import, so these tests see only this package's redaction."""
    logger = logging.getLogger("LiteLLM")
    previous = (logger.level, logger.propagate, list(logger.handlers))
    filters = list(logger.filters)
    for existing_filter in filters:
        logger.removeFilter(existing_filter)
    for handler in previous[2]:
        logger.removeHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = True
    yield logger
    logger.setLevel(previous[0])
    logger.propagate = previous[1]
    for handler in previous[2]:
        logger.addHandler(handler)
    for existing_filter in filters:
        logger.addFilter(existing_filter)


def test_logging_filter_child_logger_message_and_traceback_redacted(
    file_handler: logging.FileHandler,
    litellm_logger: logging.Logger,
    log_path: Path,
    credentials: dict[str, str],
) -> None:
    install_logging_filter([file_handler], Redactor())

    litellm_logger.debug(
        "Request headers: %s",
        {"Ocp-Apim-Subscription-Key": credentials["hex32"], "x-request-id": "r-1"},
    )
    litellm_logger.debug("extra_body=%r", {"azure_ad_token": credentials["jwt"]})
    try:
        raise ValueError("Incorrect API key provided: " + credentials["openai_test"])
    except ValueError:
        litellm_logger.exception("Call failed after %d tokens", 7325)
    file_handler.flush()
    lines = log_path.read_text().splitlines()

    text = "\n".join(lines)
    for name in ("hex32", "jwt", "jwt_signature", "openai_test"):
        assert credentials[name] not in text, name
    assert lines[:3] == [
        "LiteLLM DEBUG Request headers: {'Ocp-Apim-Subscription-Key': "
        "'[REDACTED:sensitive_key]', 'x-request-id': 'r-1'}",
        "LiteLLM DEBUG extra_body={'azure_ad_token': '[REDACTED:sensitive_key]'}",
        "LiteLLM ERROR Call failed after 7325 tokens",
    ]
    assert lines[3] == "Traceback (most recent call last):"
    assert lines[-1] == (
        "ValueError: Incorrect API key provided: [REDACTED:openai_api_key]"
    )


def test_logging_filter_stack_info_and_extra_redacted(
    file_handler: logging.FileHandler,
    litellm_logger: logging.Logger,
    log_path: Path,
    credentials: dict[str, str],
) -> None:
    file_handler.setFormatter(logging.Formatter("%(message)s %(api_key)s"))
    install_logging_filter([file_handler], Redactor())
    record = litellm_logger.makeRecord(
        "LiteLLM",
        logging.INFO,
        __file__,
        1,
        "calling",
        (),
        None,
        extra={"api_key": credentials["hex32"]},
        sinfo="Stack (most recent call last):\n  token=" + credentials["jwt"],
    )

    litellm_logger.handle(record)
    file_handler.flush()

    assert log_path.read_text() == (
        "calling [REDACTED:sensitive_key]\n"
        "Stack (most recent call last):\n  token=[REDACTED:jwt]\n"
    )


def test_install_logging_filter_twice_attaches_one_filter(
    file_handler: logging.FileHandler,
) -> None:
    first = install_logging_filter()
    second = install_logging_filter()

    assert first is second
    assert [
        f for f in file_handler.filters if isinstance(f, RedactingLoggingFilter)
    ] == [first]


@pytest.fixture
def isolated_logger(
    log_path: Path,
) -> Iterator[tuple[logging.Logger, logging.FileHandler]]:
    """A LiteLLM child logger and its own FileHandler, without propagation.

    Only records logged here reach the handler, and the handler starts with
    no filter: the distro's shared filter, which an earlier in-process set-up
    attaches to every handler added later, counts records from everywhere.
    """
    logger = logging.getLogger("LiteLLM.redaction_fault_test")
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    for inherited in list(handler.filters):
        handler.removeFilter(inherited)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, handler
    logger.removeHandler(handler)
    logger.setLevel(previous[0])
    logger.propagate = previous[1]
    handler.close()


def test_logging_filter_redaction_error_drops_record_and_counts(
    isolated_logger: tuple[logging.Logger, logging.FileHandler],
    log_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    credentials: dict[str, str],
) -> None:
    logger, handler = isolated_logger
    redacting_filter = install_logging_filter([handler], Redactor())

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal redaction fault")

    monkeypatch.setattr(Redactor, "redact_text", fail)
    logger.warning("key %s", credentials["hex32"])
    handler.flush()

    assert redacting_filter.dropped_records == 1
    assert log_path.read_text() == ""
