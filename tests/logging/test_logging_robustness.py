"""The logging set-up never breaks the application's own logging calls."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _fakes import fake_jwt
from opentelemetry import trace

from otel_agent._logging import OtelAgentLoggingHandler
from otel_agent._span_events import add_log_event


class _BrokenLoggerProvider:
    def get_logger(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("logger provider exploded")


@pytest.fixture
def broken_handler() -> OtelAgentLoggingHandler:
    return OtelAgentLoggingHandler(logger_provider=_BrokenLoggerProvider())


@pytest.fixture
def broken_logger(broken_handler: OtelAgentLoggingHandler) -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.logging.broken")
    logger.addHandler(broken_handler)
    logger.propagate = False
    yield logger
    logger.removeHandler(broken_handler)
    logger.propagate = True


def test_handler_export_failure_logging_call_returns_normally(
    broken_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    broken_logger.info("order %s looked up", "NW-1")

    assert "Traceback" not in capsys.readouterr().err


class _ExplodingSpan:
    def is_recording(self) -> bool:
        return True

    @property
    def attributes(self) -> Any:
        raise RuntimeError("attributes exploded")


def test_add_log_event_span_failure_returns_false(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(trace, "get_current_span", lambda: _ExplodingSpan())
    record = logging.makeLogRecord(
        {"name": "harbor", "msg": "slow", "levelno": logging.WARNING}
    )

    assert add_log_event(record) is False


APP_CONFIGURING_LOGGING = """
    import logging, logging.config, os

    class OddHandler(logging.StreamHandler):
        @property
        def filters(self):
            raise RuntimeError("no filters here")

        @filters.setter
        def filters(self, value):
            pass

    try:
        logging.basicConfig(filename="app.log", level=logging.DEBUG, unknown=1)
    except ValueError as error:
        print("basicConfig raised", type(error).__name__)
    logging.getLogger("odd").addHandler(OddHandler())
    rate_limit = logging.getLogger("otel_agent.rate_limit")
    logging.config.dictConfig({"version": 1, "loggers": {"harbor": {}}})
    root_types = sorted(type(h).__name__ for h in logging.getLogger().handlers)
    print("root handlers", root_types)
    print("rate limit logger disabled", rate_limit.disabled)
    params = {"api_key": os.environ["FAKE_TOKEN"]}
    logging.getLogger("harbor").debug("params %s", params)
"""


def test_application_logging_setup_keeps_behaviour_and_bridge(
    run_instrumented: Callable[..., Any], tmp_path: Path
) -> None:
    token = fake_jwt()

    result = run_instrumented(
        APP_CONFIGURING_LOGGING,
        FAKE_TOKEN=token,
        OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="litellm",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "basicConfig raised ValueError",
        "root handlers ['FileHandler', 'OtelAgentLoggingHandler']",
        "rate limit logger disabled False",
    ]
    exported = (tmp_path / "otel-output" / "logs.jsonl").read_text()
    assert "params {'api_key': '[REDACTED:" in exported
    app_log = (tmp_path / "app.log").read_text()
    assert "params {'api_key': '[REDACTED:" in app_log
    assert token not in exported and token not in app_log
