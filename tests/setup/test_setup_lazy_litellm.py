"""``opentelemetry-instrument`` does not import LiteLLM at start-up; a program
that imports it later still gets its spans (the wrapping happens in a
post-import hook, before the importing statement binds any name)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from _fakes import fake_api_key
from _local_azure import AZURE_API_VERSION, CHAT_DEPLOYMENT
from _script_runner import BIN, ScriptRunner, script_runner
from opentelemetry.semconv._incubating.attributes import gen_ai_attributes as gen_ai

from otel_agent.environment_variables import OTEL_AGENT_OUTPUT_DIR
from otel_agent.server import LocalAzureServer


@pytest.fixture
def run_with_litellm(tmp_path: Path) -> ScriptRunner:
    """Like ``run_instrumented`` but with the LiteLLM instrumentor enabled."""
    return script_runner(
        tmp_path, [str(BIN / "opentelemetry-instrument"), sys.executable]
    )


def _exported_spans(output_dir: Path) -> list[dict[str, object]]:
    spans: list[dict[str, object]] = []
    for line in (output_dir / "traces.jsonl").read_text().splitlines():
        for resource_spans in json.loads(line)["resourceSpans"]:
            for scope_spans in resource_spans["scopeSpans"]:
                spans.extend(scope_spans["spans"])
    return spans


def test_instrument_startup_without_litellm_import_leaves_it_unloaded(
    run_with_litellm: ScriptRunner, tmp_path: Path
) -> None:
    result = run_with_litellm(
        "import sys\nprint('litellm' in sys.modules, 'openai' in sys.modules)\n",
        **{OTEL_AGENT_OUTPUT_DIR: str(tmp_path / "out")},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


@pytest.mark.parametrize(
    "import_and_call",
    [
        "import litellm\ncall = litellm.completion\n",
        "from litellm import completion as call\n",
    ],
    ids=["module-attribute", "from-import"],
)
def test_instrument_litellm_imported_after_startup_traces_call(
    run_with_litellm: ScriptRunner,
    azure_server: LocalAzureServer,
    tmp_path: Path,
    import_and_call: str,
) -> None:
    output_dir = tmp_path / "out"
    source = import_and_call + (
        "response = call(\n"
        f"    model='azure/{CHAT_DEPLOYMENT}',\n"
        "    messages=[{'role': 'user', 'content': 'hello'}],\n"
        f"    api_base={azure_server.base_url!r},\n"
        f"    api_version={AZURE_API_VERSION!r},\n"
        f"    api_key={fake_api_key()!r},\n"
        ")\n"
        "print(response.usage.total_tokens > 0)\n"
    )

    result = run_with_litellm(source, **{OTEL_AGENT_OUTPUT_DIR: str(output_dir)})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
    llm_spans = [
        {a["key"]: a["value"] for a in span["attributes"]}  # type: ignore[attr-defined]
        for span in _exported_spans(output_dir)
        if span["name"] == f"chat {CHAT_DEPLOYMENT}"
    ]
    assert len(llm_spans) == 1
    assert llm_spans[0][gen_ai.GEN_AI_OPERATION_NAME] == {"stringValue": "chat"}
    assert gen_ai.GEN_AI_USAGE_INPUT_TOKENS in llm_spans[0]


def test_instrumentor_lazy_hook_follows_instrument_state(
    run_python: ScriptRunner,
) -> None:
    # One process, because the hook fires once: it is registered, then
    # uninstrumented before LiteLLM is imported, then instrumented again.
    source = """
        import sys
        from otel_agent.instrumentation import LiteLLMInstrumentor
        from otel_agent.instrumentation._imports import is_wrapped

        inst = LiteLLMInstrumentor()
        inst.instrument()
        inst.uninstrument()
        import litellm
        print("idle hook", is_wrapped(litellm.completion))
        inst.instrument()
        print("instrument", is_wrapped(litellm.completion))
        inst.uninstrument()
        print("uninstrument", is_wrapped(litellm.completion))
        inst.instrument()
        from litellm import completion
        print("from-import", is_wrapped(completion))
    """

    result = run_python(source)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "idle hook False",
        "instrument True",
        "uninstrument False",
        "from-import True",
    ]


def test_instrumentor_lazy_hook_internal_error_import_still_works(
    run_python: ScriptRunner, azure_server: LocalAzureServer
) -> None:
    source = (
        "from otel_agent.instrumentation import _instrumentor, LiteLLMInstrumentor\n"
        "def broken(**kwargs):\n"
        "    raise RuntimeError('telemetry fault')\n"
        "_instrumentor.Telemetry.create = broken\n"
        "LiteLLMInstrumentor().instrument()\n"
        "from litellm import completion\n"
        "response = completion(\n"
        f"    model='azure/{CHAT_DEPLOYMENT}',\n"
        "    messages=[{'role': 'user', 'content': 'hello'}],\n"
        f"    api_base={azure_server.base_url!r},\n"
        f"    api_version={AZURE_API_VERSION!r},\n"
        f"    api_key={fake_api_key()!r},\n"
        ")\n"
        "print(type(response).__name__, response.usage.total_tokens > 0)\n"
    )

    result = run_python(source)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ModelResponse", "True"]
