"""Helpers for the redaction tests: decoding OTLP JSON as exported."""

from __future__ import annotations


def otlp_value(value: dict) -> object:
    """Decode one OTLP JSON AnyValue into Python (int64 arrives as a string)."""
    if not value:
        return None
    ((kind, content),) = value.items()
    if kind == "intValue":
        return int(content)
    if kind == "arrayValue":
        return tuple(otlp_value(item) for item in content.get("values", []))
    if kind == "kvlistValue":
        return otlp_attributes(content.get("values", []))
    return content


def otlp_attributes(attributes: list[dict]) -> dict[str, object]:
    """Decode an OTLP JSON attribute list into a dict."""
    return {item["key"]: otlp_value(item["value"]) for item in attributes}
