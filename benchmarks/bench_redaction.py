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
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from _inputs import (
    adversarial_text,
    fake_jwt,
    log_record,
    prompt_with_jwt,
    readable_span,
)
from _interleave import Interleaved, run_interleaved
from _report import Section, TargetCheck, markdown_table
from _stats import format_ratio, format_seconds, format_spread
from logfire._internal.scrubbing import Scrubber
from logfire._internal.utils import span_to_dict
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import (
    LogRecordProcessor,
    ReadableLogRecord,
    ReadWriteLogRecord,
)
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from otel_agent.redaction import (
    RedactingLogRecordProcessor,
    RedactingSpanProcessor,
    Redactor,
)

__all__ = ["run"]

_PROMPT_SIZE = 50_000
_JWT_LENGTH = 2_000
_GROWTH_SIZES = (100_000, 200_000, 400_000, 1_000_000)
# The attribute where OpenInference puts a call's parameters as a JSON string:
# a key neither scrubber treats as safe.
_PARAMETERS_KEY = "input.value"
_VARIANTS = ("otel-agent", "Logfire")


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
    target_seconds: float
    secret: bool


def _call_parameters(jwt: str) -> str:
    """LiteLLM call parameters as one JSON string: a 50 KB prompt and a JWT."""
    prompt = prompt_with_jwt(_PROMPT_SIZE, jwt="")
    messages = [{"role": "user", "content": prompt}]
    return json.dumps(
        {"model": "azure/gpt-4o", "messages": messages, "azure_ad_token": jwt}
    )


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
        _Case(
            "typical, no secrets",
            readable_span(),
            log_record(typical_body),
            20e-6,
            False,
        ),
        _Case(
            "50 KB prompt + 2,000-char JWT",
            readable_span({_PARAMETERS_KEY: parameters}),
            log_record(_curl_line(parameters)),
            0.5e-3,
            True,
        ),
        _Case(
            "1 MB adversarial",
            readable_span({_PARAMETERS_KEY: adversarial}),
            log_record(adversarial),
            20e-3,
            False,
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

    def span_leaks(self, span: ReadableSpan, secret: str) -> dict[str, bool]:
        """Whether ``secret`` is in the OTLP bytes of each scrubber's output."""
        outputs = {
            "otel-agent": self.span_processor.redact_span(span),
            "Logfire": self.logfire_span(span),
        }
        return {
            name: secret.encode() in encode_spans([output]).SerializeToString()
            for name, output in outputs.items()
        }

    def log_leaks(self, record: ReadWriteLogRecord, secret: str) -> dict[str, bool]:
        """Whether ``secret`` is in the OTLP bytes of each scrubber's output."""
        outputs = {
            "otel-agent": self.log_processor.redact_log_record(record),
            "Logfire": self.logfire_log(record),
        }
        return {
            name: secret.encode()
            in encode_logs(
                [ReadableLogRecord(output.log_record, output.resource)]
            ).SerializeToString()
            for name, output in outputs.items()
        }

    def span_variants(self, span: ReadableSpan) -> dict[str, Callable[[], object]]:
        return {
            "otel-agent": lambda: self.span_processor.on_end(span),
            "Logfire": lambda: self.logfire_span(span),
        }

    def log_variants(
        self, record: ReadWriteLogRecord
    ) -> dict[str, Callable[[], object]]:
        return {
            "otel-agent": lambda: self.log_processor.on_emit(record),
            "Logfire": lambda: self.logfire_log(record),
        }


def _leak_cell(leaks: Mapping[str, bool] | None) -> str:
    if leaks is None:
        return "-"
    return " / ".join(
        "JWT exported" if leaks[name] else "JWT removed" for name in _VARIANTS
    )


def _rounds(case: _Case, quick: bool) -> int:
    if quick:
        return 3
    return 31 if case.target_seconds < 1e-3 else 15


def _row(name: str, result: Interleaved, leaks: Mapping[str, bool] | None) -> list[str]:
    return [
        name,
        format_spread(result.summary("otel-agent")),
        format_spread(result.summary("Logfire")),
        format_ratio(result.ratio("Logfire", "otel-agent")),
        _leak_cell(leaks),
    ]


def _check(case: _Case, kind: str, result: Interleaved) -> TargetCheck:
    median = result.summary("otel-agent").median
    target = format_seconds(case.target_seconds)
    return TargetCheck(
        f"Redaction, {case.name}, per {kind} < {target}",
        format_seconds(median),
        median < case.target_seconds,
    )


def _measure_cases(
    scrubbers: _Scrubbers, cases: list[_Case], secret: str, quick: bool
) -> tuple[list[list[str]], list[list[str]], list[TargetCheck]]:
    span_rows: list[list[str]] = []
    log_rows: list[list[str]] = []
    checks: list[TargetCheck] = []
    for case in cases:
        rounds = _rounds(case, quick)
        spans = run_interleaved(scrubbers.span_variants(case.span), rounds=rounds)
        logs = run_interleaved(scrubbers.log_variants(case.record), rounds=rounds)
        span_leaks = scrubbers.span_leaks(case.span, secret) if case.secret else None
        log_leaks = scrubbers.log_leaks(case.record, secret) if case.secret else None
        span_rows.append(_row(case.name, spans, span_leaks))
        log_rows.append(_row(case.name, logs, log_leaks))
        checks.extend([_check(case, "span", spans), _check(case, "log record", logs)])
    return span_rows, log_rows, checks


def _measure_growth(
    scrubbers: _Scrubbers, quick: bool
) -> tuple[list[list[str]], TargetCheck]:
    rows: list[list[str]] = []
    medians: dict[str, list[float]] = {name: [] for name in _VARIANTS}
    for size in _GROWTH_SIZES:
        span = readable_span({_PARAMETERS_KEY: adversarial_text(size)})
        result = run_interleaved(
            scrubbers.span_variants(span), rounds=3 if quick else 9
        )
        row = [f"{size // 1000:,} KB"]
        for name in _VARIANTS:
            median = result.summary(name).median
            medians[name].append(median)
            row.append(
                f"{format_seconds(median)} ({format_seconds(median / size * 1000)}/KB)"
            )
        rows.append(row)
    largest, smallest = _GROWTH_SIZES[-1], _GROWTH_SIZES[0]
    label = f"{largest // 1000:,} KB / {smallest // 1000} KB"
    rows.append(
        [f"{label} (linear: ×{largest / smallest:.0f})"]
        + [f"×{medians[name][-1] / medians[name][0]:.1f}" for name in _VARIANTS]
    )
    per_kb = [
        median / size
        for median, size in zip(medians["otel-agent"], _GROWTH_SIZES, strict=True)
    ]
    spread = max(per_kb) / min(per_kb)
    check = TargetCheck(
        "Redaction grows linearly with input size (cost per KB within ×1.5 "
        "from 100 KB to 1 MB)",
        f"cost per KB varies ×{spread:.2f}; 1 MB costs "
        f"×{medians['otel-agent'][-1] / medians['otel-agent'][0]:.1f} of 100 KB",
        spread <= 1.5,
    )
    return rows, check


def run(quick: bool = False) -> Section:
    """Measure and return the redaction section of the report."""
    jwt = fake_jwt(_JWT_LENGTH)
    signature = jwt.rsplit(".", 1)[1]
    scrubbers = _Scrubbers()
    span_rows, log_rows, checks = _measure_cases(
        scrubbers, _cases(jwt), signature, quick
    )
    growth_rows, growth_check = _measure_growth(scrubbers, quick)
    checks.append(growth_check)
    header = [
        "Input",
        "otel-agent median [IQR]",
        "Logfire median [IQR]",
        "Logfire / otel-agent",
        "JWT signature in the OTLP bytes (otel-agent / Logfire)",
    ]
    section = Section(
        title="Redaction cost: otel-agent vs Logfire's scrubber",
        method=" ".join(__doc__.split("\n\n", 1)[1].split()),
    )
    section.tables.append("**Per span**\n\n" + markdown_table(header, span_rows))
    section.tables.append("**Per log record**\n\n" + markdown_table(header, log_rows))
    growth_header = ["Adversarial string in one attribute", *_VARIANTS]
    section.tables.append(
        "**Growth with input size** (per span)\n\n"
        + markdown_table(growth_header, growth_rows)
    )
    section.checks.extend(checks)
    section.notes.append(
        "Logfire's scrubber looks for sensitive words (`session`, `api_key`, `auth`, "
        "...) in keys and values and replaces the whole value; it knows no "
        "credential shapes such as JWTs, and `azure_ad_token` is not one of its "
        "words. Its cost and what it catches differ by design; the last column "
        "shows what reached the OTLP bytes."
    )
    return section


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv).to_markdown())
