"""Static checks of collector/otelcol-config.yaml and collector/compose.yaml.

No Collector runs here, so these tests check what can be checked without one:
the YAML parses, pipelines reference defined components whose types exist in
the pinned release, every regex compiles under RE2 (Go's engine; google-re2
implements the same syntax), the generated block matches the Python catalogue,
and token usage and rate-limit attributes are never touched.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import re2
from typer.testing import CliRunner

from otel_agent import attributes
from otel_agent._collector_config import (
    BEGIN_MARKER,
    END_MARKER,
    CollectorConfigError,
    check_collector_config,
    protected_attribute_keys,
    render_generated_block,
    sensitive_key_regex,
    update_collector_config,
)
from otel_agent.cli import app
from otel_agent.redaction._rules import PATTERN_RULES, PatternRule

PINNED_VERSION = "0.160.0"

# Component type names of otelcol-contrib 0.160.0 that a config here may use.
# Which modules the distribution ships: the otelcol-contrib manifest,
# open-telemetry/opentelemetry-collector-releases
# distributions/otelcol-contrib/manifest.yaml (signaltometrics connector added
# in 0.119, releases CHANGELOG). Type names follow the 2026 lower_snake_case
# renames, each keeping the old name as a deprecated alias:
# otlp -> otlp_grpc (opentelemetry-collector#14403, v0.144.0),
# otlphttp -> otlp_http (opentelemetry-collector#14397, v0.144.0),
# signaltometrics -> signal_to_metrics (opentelemetry-collector-contrib#45714),
# loadbalancing -> load_balancing (opentelemetry-collector-contrib#48533).
PINNED_RELEASE_COMPONENTS = {
    "receivers": {"otlp", "nop", "filelog", "hostmetrics", "prometheus"},
    "processors": {
        "memory_limiter",
        "batch",
        "attributes",
        "redaction",
        "transform",
        "filter",
        "resource",
    },
    "exporters": {"otlp_grpc", "otlp_http", "debug", "nop", "file", "load_balancing"},
    "connectors": {"signal_to_metrics", "count", "sum", "forward", "routing"},
    "extensions": {"health_check", "zpages", "pprof", "file_storage"},
}
DEPRECATED_ALIASES = {
    "exporters": {"otlp", "otlphttp", "loadbalancing"},
    "connectors": {"signaltometrics"},
}

PROTECTED_EXAMPLES = [
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.request.max_tokens",
    attributes.RATE_LIMIT_REMAINING_TOKENS,
    attributes.RATE_LIMIT_LIMIT_TOKENS,
    attributes.RATE_LIMIT_RETRY_AFTER,
    attributes.RATE_LIMIT_POLICY_ID,
]


def _component_type(name: str) -> str:
    return name.split("/", 1)[0]


def _pipelines(config: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return config["service"]["pipelines"]


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")
    else:
        yield path, node


_OTTL_LITERAL = re.compile(r'"((?:\\.|[^"\\])*)"')


def _ottl_literals(statement: str) -> list[str]:
    literals = []
    for inner in _OTTL_LITERAL.findall(statement):
        # Only \\ and \" may appear: anything else is not a Go escape and
        # would make the OTTL parser reject the statement.
        assert re.fullmatch(r'(?:[^\\]|\\[\\"])*', inner), inner
        literals.append(re.sub(r'\\([\\"])', r"\1", inner))
    return literals


def _ottl_regex(statement: str) -> str:
    literals = _ottl_literals(statement)
    # replace_*(target, [mode,] regex, replacement); delete_matching_keys(m, regex)
    return literals[-2] if statement.startswith("replace_") else literals[-1]


def _transform_statements(config: dict[str, Any]) -> list[str]:
    transform = config["processors"]["transform/redact_bodies_and_events"]
    groups = transform["log_statements"] + transform["trace_statements"]
    return [statement for group in groups for statement in group["statements"]]


def test_config_top_level_service_is_last(any_config: dict[str, Any]):
    assert list(any_config)[-1] == "service"


def test_config_pipelines_reference_defined_components(any_config: dict[str, Any]):
    connectors = set(any_config.get("connectors", {}))
    for name, pipeline in _pipelines(any_config).items():
        for receiver in pipeline["receivers"]:
            assert receiver in set(any_config["receivers"]) | connectors, (
                name,
                receiver,
            )
        for processor in pipeline.get("processors", []):
            assert processor in any_config["processors"], (name, processor)
        for exporter in pipeline["exporters"]:
            assert exporter in set(any_config["exporters"]) | connectors, (
                name,
                exporter,
            )
    for extension in any_config["service"].get("extensions", []):
        assert extension in any_config["extensions"]


def test_config_every_defined_component_is_used(any_config: dict[str, Any]):
    used = {
        component
        for pipeline in _pipelines(any_config).values()
        for role in ("receivers", "processors", "exporters")
        for component in pipeline.get(role, [])
    }
    for kind in ("receivers", "processors", "exporters", "connectors"):
        assert set(any_config.get(kind, {})) <= used, kind


@pytest.mark.parametrize("kind", sorted(PINNED_RELEASE_COMPONENTS))
def test_config_component_types_exist_in_pinned_release(
    any_config: dict[str, Any], kind: str
):
    types = {_component_type(name) for name in any_config.get(kind, {})}

    assert types <= PINNED_RELEASE_COMPONENTS[kind]
    assert not types & DEPRECATED_ALIASES.get(kind, set())


def test_config_memory_limiter_first_batch_last(any_config: dict[str, Any]):
    for name, pipeline in _pipelines(any_config).items():
        assert pipeline["processors"][0] == "memory_limiter", name
        assert pipeline["processors"][-1] == "batch", name


def test_config_every_pipeline_redacts_before_export(any_config: dict[str, Any]):
    for name, pipeline in _pipelines(any_config).items():
        processors = pipeline["processors"]
        assert "attributes/drop_credential_keys" in processors, name
        assert "redaction/mask_credential_values" in processors, name
    for name in ("traces", "logs"):
        assert (
            "transform/redact_bodies_and_events"
            in _pipelines(any_config)[name]["processors"]
        )


def test_config_logs_never_go_to_jaeger(any_config: dict[str, Any]):
    for name, pipeline in _pipelines(any_config).items():
        if name.split("/")[0] != "logs":
            continue
        for exporter in pipeline["exporters"]:
            settings = any_config["exporters"].get(exporter) or {}
            assert "jaeger" not in exporter
            assert "jaeger" not in str(settings.get("endpoint", ""))
            assert _component_type(exporter) == "file"


def test_config_traces_go_to_jaeger_over_otlp(config: dict[str, Any]):
    exporters = _pipelines(config)["traces"]["exporters"]

    assert "otlp_grpc/jaeger" in exporters
    assert config["exporters"]["otlp_grpc/jaeger"]["endpoint"].startswith("${env:")


def test_config_file_exporters_rotate_with_all_bounds(any_config: dict[str, Any]):
    files = {k: v for k, v in any_config["exporters"].items() if k.startswith("file")}

    assert files
    for name, settings in files.items():
        rotation = settings["rotation"]
        assert {"max_megabytes", "max_days", "max_backups"} <= set(rotation), name
        assert all(isinstance(rotation[key], int) for key in rotation), name


def test_config_endpoints_come_from_env(any_config: dict[str, Any]):
    endpoints = [(p, v) for p, v in _walk(any_config) if p.endswith(".endpoint")]

    assert len(endpoints) >= 4
    for path, value in endpoints:
        assert re.fullmatch(r"\$\{env:[A-Z0-9_]+:-[^}]+\}", value), path


def test_config_receiver_defaults_bind_loopback(config: dict[str, Any]):
    for path, value in _walk(config["receivers"]):
        if path.endswith(".endpoint"):
            assert ":-127.0.0.1:" in value, path


def test_generated_block_is_current(config_path: Path):
    assert check_collector_config(config_path)


def test_generated_block_stale_file_detected_then_fixed(
    config_path: Path, tmp_path: Path
):
    copy = tmp_path / "otelcol-config.yaml"
    shutil.copy(config_path, copy)
    stale = copy.read_text().replace("# jwt\n", "# jwt\n      - 'stale'\n", 1)
    copy.write_text(stale)

    assert not check_collector_config(copy)
    assert update_collector_config(copy)
    assert copy.read_text() == config_path.read_text()


def test_generated_block_follows_catalogue_changes():
    extra = PatternRule("test_rule", r"tst_[a-z]{8}")

    block = render_generated_block((*PATTERN_RULES, extra))

    assert block != render_generated_block()
    assert "- 'tst_[a-z]{8}'" in block
    assert "[REDACTED:test_rule]" in block


def test_generated_block_missing_markers_raises(tmp_path: Path):
    bare = tmp_path / "bare.yaml"
    bare.write_text("processors: {}\n")

    with pytest.raises(CollectorConfigError, match="markers"):
        check_collector_config(bare)


def test_generated_block_between_markers_only(config_path: Path):
    text = config_path.read_text()

    assert text.count(BEGIN_MARKER) == text.count(END_MARKER) == 1
    generated = text.split(BEGIN_MARKER + "\n")[1].split(END_MARKER)[0]
    assert generated == render_generated_block()
    # The Collector expands ${...} and $$ in config values: neither may appear.
    assert "${" not in generated and "$$" not in generated


def test_redaction_blocked_values_are_the_catalogue(config: dict[str, Any]):
    redaction = config["processors"]["redaction/mask_credential_values"]

    assert redaction["blocked_values"] == [rule.regex for rule in PATTERN_RULES]
    assert redaction["redact_all_types"] is True
    assert redaction["allow_all_keys"] is True


def test_transform_statements_use_the_catalogue(config: dict[str, Any]):
    statements = _transform_statements(config)
    regexes = [_ottl_regex(s) for s in statements if s.startswith("replace_")]

    expected = [rule.regex for rule in PATTERN_RULES]
    assert regexes == expected + expected
    assert any(s.startswith("replace_pattern(log.body, ") for s in statements)


def test_every_config_regex_compiles_under_re2(config: dict[str, Any]):
    key_patterns = [
        action["pattern"]
        for action in config["processors"]["attributes/drop_credential_keys"]["actions"]
    ]
    redaction = config["processors"]["redaction/mask_credential_values"]
    ottl = [_ottl_regex(statement) for statement in _transform_statements(config)]

    regexes = key_patterns + redaction["blocked_values"] + ottl
    assert len(regexes) == 1 + 3 * len(PATTERN_RULES) + 1
    for regex in regexes:
        re2.compile(regex)


@pytest.mark.parametrize(
    ("key", "deleted"),
    [
        ("authorization", True),
        ("Authorization", True),
        ("http.request.header.authorization", True),
        ("x-api-key", True),
        ("api_key", True),
        ("AZURE_AD_TOKEN", True),
        ("litellm.params.azure_ad_token", True),
        ("set-cookie", True),
        ("gen_ai.usage.input_tokens", False),
        ("gen_ai.request.max_tokens", False),
        ("otel_agent.rate_limit.remaining_tokens", False),
        ("token", False),
        ("max_tokens", False),
        ("http.request.header.x-request-id", False),
        ("secretary", False),
    ],
)
def test_sensitive_key_regex_matches_like_python_catalogue(key: str, deleted: bool):
    assert bool(re2.search(sensitive_key_regex(), key)) is deleted


def test_no_rule_touches_usage_or_rate_limit_attributes(config: dict[str, Any]):
    key_regex = re2.compile(sensitive_key_regex())
    redaction = config["processors"]["redaction/mask_credential_values"]

    protected = protected_attribute_keys()
    assert set(PROTECTED_EXAMPLES) - {"gen_ai.request.max_tokens"} <= set(protected)
    assert set(protected) <= set(redaction["ignored_keys"])
    for key in [*protected, *PROTECTED_EXAMPLES]:
        assert not key_regex.search(key), key
    for statement in _transform_statements(config):
        assert "gen_ai.usage" not in statement
        assert attributes.RATE_LIMIT_PREFIX not in statement


def test_compose_images_pinned_and_collector_matches_config(
    compose: dict[str, Any], config_path: Path
):
    images = {
        name: svc["image"]
        for name, svc in compose["services"].items()
        if "image" in svc
    }

    for image in images.values():
        assert re.fullmatch(r"[\w./-]+:(?:version-)?\d+\.\d+\.\d+", image), image
    if "otel-collector" in images:
        assert images["otel-collector"] == (
            f"otel/opentelemetry-collector-contrib:{PINNED_VERSION}"
        )
        assert images["jaeger"].startswith("jaegertracing/jaeger:2.")
    assert f"otel/opentelemetry-collector-contrib:{PINNED_VERSION}" in (
        config_path.read_text()
    )


def test_compose_ports_loopback_only_and_commented(
    compose: dict[str, Any], compose_path: Path
):
    ports = [p for svc in compose["services"].values() for p in svc.get("ports", [])]

    assert {p.split(":")[-1] for p in ports} <= {
        "4317",
        "4318",
        "13133",
        "16686",
        "6006",
    }
    assert ports
    assert all(p.startswith("127.0.0.1:") for p in ports)
    for line in compose_path.read_text().splitlines():
        if line.strip().startswith('- "127.0.0.1:'):
            assert re.search(r"#\s*\S", line.split('"', 2)[2]), line


def test_phoenix_overlay_reads_usage_never_writes_it(phoenix_overlay: dict[str, Any]):
    groups = phoenix_overlay["processors"]["transform/openinference"][
        "trace_statements"
    ]
    statements = [s for group in groups for s in group["statements"]]

    targets = [re.match(r'set\(span\.attributes\["([^"]+)"\]', s) for s in statements]
    assert all(targets)
    written = {target.group(1) for target in targets}
    assert written == {
        "openinference.span.kind",
        "llm.model_name",
        "llm.token_count.prompt",
        "llm.token_count.completion",
        "llm.token_count.total",
    }


def test_cli_collector_config_check_then_regenerate(config_path: Path, tmp_path: Path):
    copy = tmp_path / "otelcol-config.yaml"
    copy.write_text(config_path.read_text().replace("summary: info", "summary: x"))
    runner = CliRunner()

    stale = runner.invoke(app, ["collector-config", "--config", str(copy), "--check"])
    fixed = runner.invoke(app, ["collector-config", "--config", str(copy)])
    current = runner.invoke(app, ["collector-config", "--config", str(copy), "--check"])

    assert (stale.exit_code, fixed.exit_code, current.exit_code) == (1, 0, 0)
    assert "out of date" in stale.stderr
    assert fixed.stdout.strip() == f"{copy} updated."
    assert copy.read_text() == config_path.read_text()


@pytest.mark.parametrize("check", [["--check"], []], ids=["check", "update"])
def test_cli_collector_config_outside_checkout_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, check: list[str]
):
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(app, ["collector-config", *check])

    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: collector/otelcol-config.yaml: no such file (in {tmp_path}); "
        "run this in a checkout of otel-agent or pass --config FILE\n"
    )
