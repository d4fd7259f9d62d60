"""The HTTP face of the assistant: JSON API under ``/api``, OpenAI-compatible ``/v1``,
``/health``, ``/metrics``, OpenAPI at ``/docs`` and the Gradio UI at ``/``.

``create_app(container)`` builds the app from its dependencies; ``run_server`` serves it.
Both are imported lazily, so importing ``assistant.api`` stays cheap for the CLI.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "run_server"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant.api import app

        return getattr(app, name)
    raise AttributeError(f"module 'assistant.api' has no attribute {name!r}")
