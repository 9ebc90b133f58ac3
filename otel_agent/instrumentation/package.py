"""What the LiteLLM instrumentor supports.

``opentelemetry-instrument`` reads ``_instruments`` before importing anything
else of the instrumentor and skips it when the installed LiteLLM does not match.
Keep it equal to the ``instruments`` extra in ``pyproject.toml``.
"""

_instruments = ("litellm >= 1.70, < 2",)
