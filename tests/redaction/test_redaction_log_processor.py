"""RedactingLogRecordProcessor: what a real LoggerProvider exports, as bytes."""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from opentelemetry._logs import LogRecord

# The logs exporter is only exported from its private module in 0.66b1.
from opentelemetry.exporter.otlp.json.file._log_exporter import FileLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from redaction_helpers import otlp_attributes, otlp_value

from otel_agent import attributes
from otel_agent.redaction import RedactingLogRecordProcessor, Redactor


@pytest.fixture
def logs_path(tmp_path: Path) -> Path:
    return tmp_path / "logs.jsonl"


@pytest.fixture
def processor(logs_path: Path) -> RedactingLogRecordProcessor:
    return RedactingLogRecordProcessor(
        SimpleLogRecordProcessor(FileLogExporter(path=logs_path)), Redactor()
    )


@pytest.fixture
def provider(processor: RedactingLogRecordProcessor) -> Iterator[LoggerProvider]:
    provider = LoggerProvider(resource=Resource({"service.name": "agent"}))
    provider.add_log_record_processor(processor)
    yield provider
    provider.shutdown()


@pytest.fixture
def litellm_logger(provider: LoggerProvider) -> Iterator[logging.Logger]:
    """LiteLLM's own logger, bridged to OpenTelemetry at DEBUG.

    The handler and logger filter LiteLLM adds on import (both scrub some
    shapes) are detached, so only this package's redaction is under test."""
    logger = logging.getLogger("LiteLLM")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(level=logging.DEBUG, logger_provider=provider)
    previous = (logger.level, logger.propagate, list(logger.handlers))
    filters = list(logger.filters)
    for existing_filter in filters:
        logger.removeFilter(existing_filter)
    for existing in previous[2]:
        logger.removeHandler(existing)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger
    logger.removeHandler(handler)
    logger.setLevel(previous[0])
    logger.propagate = previous[1]
    for existing in previous[2]:
        logger.addHandler(existing)
    for existing_filter in filters:
        logger.addFilter(existing_filter)


@pytest.fixture
def litellm_exceptions(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm.exceptions

    return litellm.exceptions


def _exported_records(path: Path) -> list[dict]:
    records = []
    for line in path.read_text().splitlines():
        for resource_logs in json.loads(line)["resourceLogs"]:
            for scope_logs in resource_logs["scopeLogs"]:
                records.extend(scope_logs["logRecords"])
    return records


def test_redacting_log_processor_field1_debug_header_line_redacted(
    litellm_logger: logging.Logger,
    provider: LoggerProvider,
    logs_path: Path,
    credentials: dict[str, str],
) -> None:
    litellm_logger.debug(
        "POST Request Sent from LiteLLM:\ncurl -X POST \\\n%s \\\n-H '%s: %s' \\\n",
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions",
        "Ocp-Apim-Subscription-Key",
        credentials["hex32"],
    )
    provider.force_flush()

    (record,) = _exported_records(logs_path)
    assert credentials["hex32"] not in logs_path.read_text()
    assert otlp_value(record["body"]) == (
        "POST Request Sent from LiteLLM:\ncurl -X POST \\\n"
        "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        " \\\n-H 'Ocp-Apim-Subscription-Key: [REDACTED:sensitive_key]' \\\n"
    )
    exported = otlp_attributes(record["attributes"])
    assert exported[attributes.REDACTION_COUNT] == 1
    assert exported[attributes.REDACTION_RULES] == ("sensitive_key",)


def test_redacting_log_processor_field2_exception_attributes_redacted(
    litellm_exceptions: ModuleType,
    litellm_logger: logging.Logger,
    provider: LoggerProvider,
    logs_path: Path,
    credentials: dict[str, str],
) -> None:
    # LiteLLM scrubs some shapes from its messages itself, not this header.
    key = credentials["hex32"]
    try:
        raise litellm_exceptions.AuthenticationError(
            message=f"AzureException - 401. headers={{'Ocp-Apim-Subscription-Key': "
            f"'{key}'}}",
            llm_provider="azure",
            model="gpt-4o",
        )
    except litellm_exceptions.AuthenticationError:
        litellm_logger.exception("Call failed")
    provider.force_flush()

    text = logs_path.read_text()
    assert key not in text
    (record,) = _exported_records(logs_path)
    exported = otlp_attributes(record["attributes"])
    assert exported["exception.type"] == "AuthenticationError"
    assert exported["exception.message"] == (
        "litellm.AuthenticationError: AzureException - 401. "
        "headers={'Ocp-Apim-Subscription-Key': '[REDACTED:sensitive_key]'}"
    )
    assert "'[REDACTED:sensitive_key]'}" in exported["exception.stacktrace"]
    assert exported[attributes.REDACTION_COUNT] == 2


def test_redacting_log_processor_mapping_body_event_name_and_attributes(
    provider: LoggerProvider, logs_path: Path, credentials: dict[str, str]
) -> None:
    provider.get_logger("otel_agent.test").emit(
        LogRecord(
            event_name="gen_ai.call " + credentials["github"],
            body={
                "api_key": credentials["hex32"],
                "usage": {"total_tokens": 7425},
                "messages": ["hi", "token " + credentials["jwt"]],
            },
            attributes={
                "gen_ai.usage.input_tokens": 7325,
                attributes.RATE_LIMIT_REMAINING_REQUESTS: 99,
                "http.request.header.authorization": "Bearer " + credentials["bearer"],
            },
        )
    )
    provider.force_flush()

    text = logs_path.read_text()
    for name in ("hex32", "jwt", "jwt_signature", "bearer", "github"):
        assert credentials[name] not in text, name
    (record,) = _exported_records(logs_path)
    assert record["eventName"] == "gen_ai.call [REDACTED:github_token]"
    assert otlp_value(record["body"]) == {
        "api_key": "[REDACTED:sensitive_key]",
        "usage": {"total_tokens": 7425},
        "messages": ("hi", "token [REDACTED:jwt]"),
    }
    assert otlp_attributes(record["attributes"]) == {
        "gen_ai.usage.input_tokens": 7325,
        attributes.RATE_LIMIT_REMAINING_REQUESTS: 99,
        "http.request.header.authorization": "[REDACTED:sensitive_key]",
        attributes.REDACTION_COUNT: 4,
        attributes.REDACTION_RULES: ("github_token", "jwt", "sensitive_key"),
    }


def test_redacting_log_processor_redaction_error_drops_and_counts(
    litellm_logger: logging.Logger,
    provider: LoggerProvider,
    processor: RedactingLogRecordProcessor,
    logs_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    credentials: dict[str, str],
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal redaction fault")

    # Every redaction path goes through one of these.
    for method in ("redact", "leaves_unchanged"):
        monkeypatch.setattr(Redactor, method, fail)

    litellm_logger.warning("key %s", credentials["hex32"])
    provider.force_flush()

    assert processor.dropped_records == 1
    assert not logs_path.exists() or logs_path.read_text() == ""
