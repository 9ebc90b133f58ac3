"""One instrumentation variant in a process of its own, timing LiteLLM calls on command.

Instrumentors patch LiteLLM module-wide, so every variant lives in its own
process for its whole life; the orchestrator (``bench_calls.py``) starts one
worker per variant and asks them in turn for batches of calls.

Protocol: one JSON command per stdin line, one JSON answer per stdout line.

- ``{"op": "batch", "kind": KIND, "calls": N}``: make N calls of KIND (``sync``,
  ``async``, ``stream``, ``embedding``); answer the wall time of each call in
  nanoseconds and the process CPU time of the batch, measured after the
  tracer provider was flushed so that background export work counts too.
- ``{"op": "rss"}``: answer peak and current resident memory.
- ``{"op": "finish"}``: flush and answer how many spans were exported; exit.

Every variant exports through the same ``BatchSpanProcessor`` to an exporter
that counts spans and drops them; every variant has the same SDK
``MeterProvider``. Usage: ``python _call_worker.py VARIANT BASE_URL``.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

# LiteLLM would fetch its model price list over the network at import.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from opentelemetry import metrics, trace  # noqa: E402
from opentelemetry.sdk.metrics import MeterProvider  # noqa: E402
from opentelemetry.sdk.metrics.export import InMemoryMetricReader  # noqa: E402
from opentelemetry.sdk.resources import Resource  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider  # noqa: E402
from opentelemetry.sdk.trace.export import (  # noqa: E402
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)

VARIANTS = (
    "uninstrumented",
    "otel-agent",
    "otel-agent-no-redaction",
    "openinference",
    "openllmetry",
    "litellm-otel-callback",
)
"""Names the orchestrator may ask for, the baseline first."""

EXPORTERS = ("counting", "otlp-http-live", "otlp-http-down", "otlp-grpc-down")

_API_VERSION = "2024-10-21"
_FAKE_KEY = "sk-test-benchmark-" + "0" * 16
_MESSAGES = [{"role": "user", "content": "Say hello in five words."}]
_SETTLE_SECONDS = 0.05


class CountingExporter(SpanExporter):
    """Counts exported spans and keeps none of them."""

    def __init__(self) -> None:
        self.exported = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass


def _exporter(kind: str, endpoint: str | None) -> SpanExporter:
    if kind == "counting":
        return CountingExporter()
    if kind.startswith("otlp-http"):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
            OTLPSpanExporter,
        )

        return OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces")
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
        OTLPSpanExporter as GrpcSpanExporter,
    )

    return GrpcSpanExporter(endpoint=endpoint, insecure=True)


def _span_processor(variant: str, exporter: SpanExporter) -> SpanProcessor:
    batch = BatchSpanProcessor(exporter)
    if variant != "otel-agent":
        return batch
    from otel_agent.redaction import RedactingSpanProcessor, Redactor

    return RedactingSpanProcessor(batch, Redactor())


def _instrument(
    variant: str, tracer_provider: TracerProvider, meter_provider: MeterProvider
) -> None:
    providers = {"tracer_provider": tracer_provider, "meter_provider": meter_provider}
    if variant in ("otel-agent", "otel-agent-no-redaction"):
        from otel_agent.instrumentation import LiteLLMInstrumentor

        LiteLLMInstrumentor().instrument(**providers)
    elif variant == "openinference":
        from openinference.instrumentation.litellm import (
            LiteLLMInstrumentor as OpenInference,
        )

        OpenInference().instrument(tracer_provider=tracer_provider)
    elif variant == "openllmetry":
        from opentelemetry.instrumentation.litellm import (
            LiteLLMInstrumentor as OpenLLMetry,
        )

        OpenLLMetry().instrument(**providers)
    elif variant == "litellm-otel-callback":
        import litellm

        # LiteLLM's own callback reuses the global SDK tracer provider.
        litellm.callbacks = ["otel"]
    elif variant != "uninstrumented":
        raise SystemExit(f"unknown variant {variant!r}")


class Workload:
    """The four kinds of LiteLLM call, against one base URL."""

    def __init__(self, base_url: str) -> None:
        import litellm

        litellm.suppress_debug_info = True
        self._litellm = litellm
        self._common: dict[str, Any] = {
            "api_base": base_url,
            "api_key": _FAKE_KEY,
            "api_version": _API_VERSION,
        }
        self._loop = asyncio.new_event_loop()

    def sync(self) -> object:
        return self._litellm.completion(
            model="azure/gpt-4o", messages=_MESSAGES, max_tokens=16, **self._common
        )

    def stream(self) -> object:
        chunks = self._litellm.completion(
            model="azure/gpt-4o",
            messages=_MESSAGES,
            max_tokens=16,
            stream=True,
            stream_options={"include_usage": True},
            **self._common,
        )
        return sum(1 for _ in chunks)

    def embedding(self) -> object:
        return self._litellm.embedding(
            model="azure/text-embedding-3-small", input=["hello world"], **self._common
        )

    async def _async_batch(self, calls: int) -> list[int]:
        durations = []
        for _ in range(calls):
            start = time.perf_counter_ns()
            await self._litellm.acompletion(
                model="azure/gpt-4o", messages=_MESSAGES, max_tokens=16, **self._common
            )
            durations.append(time.perf_counter_ns() - start)
        return durations

    def batch(self, kind: str, calls: int) -> list[int]:
        """Wall time of each of ``calls`` calls of ``kind``, in nanoseconds."""
        if kind == "async":
            return self._loop.run_until_complete(self._async_batch(calls))
        call: Callable[[], object] = getattr(self, kind)
        durations = []
        for _ in range(calls):
            start = time.perf_counter_ns()
            call()
            durations.append(time.perf_counter_ns() - start)
        return durations


def _rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Worker:
    """A configured variant answering the orchestrator's commands."""

    def __init__(
        self, variant: str, base_url: str, exporter: str, endpoint: str | None
    ) -> None:
        self.exporter = _exporter(exporter, endpoint)
        self.tracer_provider = TracerProvider(
            resource=Resource.create({"service.name": "bench"})
        )
        self.tracer_provider.add_span_processor(_span_processor(variant, self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)
        _instrument(variant, self.tracer_provider, self.meter_provider)
        self.workload = Workload(base_url)
        self.flush_each_batch = exporter == "counting"

    def _settle(self) -> None:
        # Background work a batch caused (LiteLLM's logging threads, span
        # export) finishes here, so that it is charged to this batch and not
        # run while another variant is being timed.
        if self.flush_each_batch:
            self.tracer_provider.force_flush()
        time.sleep(_SETTLE_SECONDS)

    def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command["op"]
        if op == "batch":
            cpu_start = time.process_time_ns()
            wall = self.workload.batch(command["kind"], command["calls"])
            self._settle()
            cpu = time.process_time_ns() - cpu_start
            return {"wall_ns": wall, "cpu_ns": cpu, "rss_kib": _rss_kib()}
        if op == "rss":
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return {"peak_rss_kib": peak, "rss_kib": _rss_kib()}
        if op == "finish":
            self.tracer_provider.force_flush(5_000)
            exported = getattr(self.exporter, "exported", None)
            return {"exported_spans": exported}
        raise ValueError(f"unknown op {op!r}")


def main(argv: list[str]) -> None:
    """``_call_worker.py VARIANT BASE_URL [EXPORTER [ENDPOINT]]``."""
    variant, base_url = argv[0], argv[1]
    exporter = argv[2] if len(argv) > 2 else "counting"
    endpoint = argv[3] if len(argv) > 3 else None
    worker = Worker(variant, base_url, exporter, endpoint)
    print(json.dumps({"ready": variant}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        answer = worker.handle(command)
        print(json.dumps(answer), flush=True)
        if command["op"] == "finish":
            break
    # Skip interpreter teardown: a dead collector would make exporter shutdown
    # wait for its timeouts, which is not what is measured here.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
