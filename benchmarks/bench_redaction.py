"""Redaction cost per span and per log record: otel-agent against Logfire's scrubber.

Both scrubbers see the same finished SDK spans and log records, in one process,
interleaved round by round. otel-agent runs as installed: its
``RedactingSpanProcessor`` / ``RedactingLogRecordProcessor`` building the
redacted copy and forwarding it to a processor that discards it. Logfire runs
the scrubbing part of its own span processor (``span_to_dict``,
``Scrubber.scrub_span``, ``ReadableSpan(**dict)``) and ``Scrubber.scrub_log``.
Each output is also OTLP-encoded once to check whether the planted JWT survived.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from _inputs import adversarial_text, fake_jwt, log_record, prompt_with_jwt, readable_span
from _interleave import Interleaved, run_interleaved
from _report import Section, TargetCheck, markdown_table
from _stats import format_ratio, format_seconds
from logfire._internal.scrubbing import Scrubber
from logfire._internal.utils import span_to_dict
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from otel_agent.redaction import Redactor
from otel_agent.redaction._log_processor import RedactingLogRecordProcessor
from otel_agent.redaction._span_processor import RedactingSpanProcessor

__all__ = ["run"]

_PROMPT_SIZE = 50_000
_JWT_LENGTH = 2_000
_GROWTH_SIZES = (100_000, 200_000, 400_000, 1_000_000)
# The attribute where OpenInference puts a call's parameters as a JSON string:
# a key neither scrubber treats as safe.
_PARAMETERS_KEY = "input.value"


class _DiscardSpans(SpanProcessor):
    def on_end(self, span: ReadableSpan) -> None:
        del span


class _DiscardLogs(LogRecordProcessor):
    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        del log_record

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


@dataclass(frozen=True)
class _Case:
    name: str
    span: ReadableSpan
    record: ReadWriteLogRecord
    target_seconds: float | None


def _call_parameters(jwt: str) -> str:
    """LiteLLM call parameters as one JSON string: a 50 KB prompt and a JWT."""
    prompt = prompt_with_jwt(_PROMPT_SIZE, jwt="")
    messages = [{"role": "user", "content": prompt}]
    return json.dumps({"model": "azure/gpt-4o", "messages": messages, "azure_ad_token": jwt})


def _curl_line(parameters: str) -> str:
    """The debug line LiteLLM logs before a request, body included."""
    return (
        "POST Request Sent from LiteLLM:\ncurl -X POST \\\n"
        "https://myresource.openai.azure.com/openai/deployments/gpt-4o/chat/completions"
        "?api-version=2024-10-21 \\\n-H 'Content-Type: application/json' \\\n"
        f"-d '{parameters}'"
    )


def _cases(jwt: str) -> list[_Case]:
    parameters = _call_parameters(jwt)
    typical_body = "LiteLLM completion() model= gpt-4o; provider = azure"
    adversarial = adversarial_text(1_000_000)
    return [
        _Case("typical, no secrets", readable_span(), log_record(typical_body), 20e-6),
        _Case(
            "50 KB prompt + 2,000-char JWT",
            readable_span({_PARAMETERS_KEY: parameters}),
            log_record(_curl_line(parameters)),
            0.5e-3,
        ),
        _Case(
            "1 MB adversarial",
            readable_span({_PARAMETERS_KEY: adversarial}),
            log_record(adversarial),
            20e-3,
        ),
    ]


class _Scrubbers:
    """The four operations compared: each scrubber on spans and on log records."""

    def __init__(self) -> None:
        redactor = Redactor()
        self.span_processor = RedactingSpanProcessor(_DiscardSpans(), redactor)
        self.log_processor = RedactingLogRecordProcessor(_DiscardLogs(), redactor)
        self.logfire = Scrubber(None)

    def logfire_span(self, span: ReadableSpan) -> ReadableSpan:
        span_dict = span_to_dict(span)
        self.logfire.scrub_span(span_dict)
        return ReadableSpan(**span_dict)

    def logfire_log(self, record: ReadWriteLogRecord) -> ReadWriteLogRecord:
        scrubbed = self.logfire.scrub_log(record.log_record)
        return ReadWriteLogRecord(scrubbed, resource=record.resource)

    def span_variants(self, span: ReadableSpan) -> dict[str, Callable[[], object]]:
        return {
            "otel-agent": lambda: self.span_processor.on_end(span),
            "Logfire": lambda: self.logfire_span(span),
        }

    def log_variants(self, record: ReadWriteLogRecord) -> dict[str, Callable[[], object]]:
        return {
            "otel-agent": lambda: self.log_processor.on_emit(record),
            "Logfire": lambda: self.logfire_log(record),
        }


def _span_leaks(span: ReadableSpan, secret: str) -> bool:
    return secret.encode() in encode_spans([span]).SerializeToString()


def _log_leaks(record: ReadWriteLogRecord, secret: str) -> bool:
    readable = ReadableLogRecord(record.log_record, record.resource)
    return secret.encode() in encode_logs([readable]).SerializeToString()


def _leak_cell(leaked: bool) -> str:
    return "JWT exported" if leaked else "JWT removed"


def _rounds(size: int, quick: bool) -> int:
    if quick:
        return 3
    return 31 if size < 10_000 else 15


def _row(name: str, result: Interleaved, leaks: Mapping[str, bool] | None) -> list[str]:
    ours = result.summary("otel-agent")
    theirs = result.summary("Logfire")
    row = [
        name,
        f"{format_seconds(ours.median)} [{format_seconds(ours.q1)}–{format_seconds(ours.q3)}]",
        f"{format_seconds(theirs.median)} [{format_seconds(theirs.q1)}–{format_seconds(theirs.q3)}]",
        format_ratio(result.ratio("Logfire", "otel-agent")),
    ]
    if leaks is not None:
        row.append(f"{_leak_cell(leaks['otel-agent'])} / {_leak_cell(leaks['Logfire'])}")
    return row


def _measure_cases(
    scrubbers: _Scrubbers, cases: list[_Case], jwt_signature: str, quick: bool
) -> tuple[list[list[str]], list[list[str]], list[TargetCheck]]:
    span_rows: list[list[str]] = []
    log_rows: list[list[str]] = []
    checks: list[TargetCheck] = []
    for case in cases:
        rounds = _rounds(len(str(case.span.attributes.get(_PARAMETERS_KEY, ""))), quick)
        span_result = run_interleaved(scrubbers.span_variants(case.span), rounds=rounds)
        log_result = run_interleaved(scrubbers.log_variants(case.record), rounds=rounds)
        span_leaks = {
            "otel-agent": _span_leaks(scrubbers.span_processor.redact_span(case.span), jwt_signature),
            "Logfire": _span_leaks(scrubbers.logfire_span(case.span), jwt_signature),
        }
        log_leaks = {
            "otel-agent": _log_leaks(scrubbers.log_processor.redact_log_record(case.record), jwt_signature),
            "Logfire": _log_leaks(scrubbers.logfire_log(case.record), jwt_signature),
        }
        has_jwt = "JWT" in case.name
        span_rows.append(_row(case.name, span_result, span_leaks if has_jwt else None) + ([] if has_jwt else ["-"]))
        log_rows.append(_row(case.name, log_result, log_leaks if has_jwt else None) + ([] if has_jwt else ["-"]))
        if case.target_seconds is not None:
            for kind, result in (("span", span_result), ("log record", log_result)):
                median = result.summary("otel-agent").median
                checks.append(
                    TargetCheck(
                        f"Redaction, {case.name}, per {kind} < {format_seconds(case.target_seconds)}",
                        format_seconds(median),
                        median < case.target_seconds,
                    )
                )
    return span_rows, log_rows, checks


def _measure_growth(scrubbers: _Scrubbers, quick: bool) -> tuple[list[list[str]], TargetCheck]:
    rows: list[list[str]] = []
    per_kb: dict[str, list[float]] = {"otel-agent": [], "Logfire": []}
    for size in _GROWTH_SIZES:
        span = readable_span({_PARAMETERS_KEY: adversarial_text(size)})
        result = run_interleaved(scrubbers.span_variants(span), rounds=3 if quick else 9)
        row = [f"{size // 1000} KB"]
        for variant in ("otel-agent", "Logfire"):
            median = result.summary(variant).median
            per_kb[variant].append(median / (size / 1000))
            row.append(f"{format_seconds(median)} ({format_seconds(median / (size / 1000))}/KB)")
        rows.append(row)
    ours = per_kb["otel-agent"]
    spread = max(ours) / min(ours)
    check = TargetCheck(
        "Linear growth with input size (cost per KB, 100 KB to 1 MB, within ×1.5)",
        f"cost per KB varies ×{spread:.2f} across sizes",
        spread <= 1.5,
    )
    return rows, check


def run(quick: bool = False) -> Section:
    """Measure and return the redaction section of the report."""
    jwt = fake_jwt(_JWT_LENGTH)
    jwt_signature = jwt.rsplit(".", 1)[1]
    scrubbers = _Scrubbers()
    cases = _cases(jwt)
    span_rows, log_rows, checks = _measure_cases(scrubbers, cases, jwt_signature, quick)
    growth_rows, growth_check = _measure_growth(scrubbers, quick)
    checks.append(growth_check)
    header = ["Input", "otel-agent median [IQR]", "Logfire median [IQR]", "Logfire / otel-agent", "JWT in OTLP bytes (otel-agent / Logfire)"]
    section = Section(
        title="Redaction cost: otel-agent vs Logfire's scrubber",
        method=__doc__.split("\n\n", 1)[1].replace("\n", " "),
    )
    section.tables.append("**Per span**\n\n" + markdown_table(header, span_rows))
    section.tables.append("**Per log record**\n\n" + markdown_table(header, log_rows))
    section.tables.append(
        "**Growth with input size (1 MB adversarial string at four sizes, per span)**\n\n"
        + markdown_table(["Size", "otel-agent", "Logfire"], growth_rows)
    )
    section.checks.extend(checks)
    section.notes.append(
        "Logfire's scrubber decides by key names and a few words (`session`, `api_key`, "
        "`auth` ...) and replaces a whole value; it has no JWT or key shapes, so its "
        "cost and its catch differ by design. The last column shows what reached the "
        "OTLP bytes."
    )
    return section


if __name__ == "__main__":
    import sys

    print(run(quick="--quick" in sys.argv).to_markdown())
