"""The HTTP face of the assistant: JSON API under ``/api``, OpenAI-compatible ``/v1``,
``/health``, ``/metrics``, OpenAPI at ``/docs`` and the Gradio UI at ``/``.

``create_app(container)`` builds the app from its dependencies; ``run_server`` serves it.
"""

from assistant.api.app import create_app, run_server

__all__ = ["create_app", "run_server"]
