"""The hook for the Gradio UI: ``ui.app.build_ui(container)`` is mounted at ``/`` when it exists,
and the API keeps working beside it."""

from __future__ import annotations

import sys
import types

import httpx
import pytest

from tests.api.conftest import ACCESS_CODE, build_container, ingest_documents, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def fake_ui(monkeypatch):
    """A stand-in ``ui.app`` module whose build_ui records the container it was given."""
    import gradio as gr

    seen = {}

    def build_ui(container, **kwargs):
        seen["container"] = container
        seen["api_state"] = kwargs.get("api_state")
        with gr.Blocks(title="Assistant de test") as blocks:
            gr.Markdown("Interface de test")
        return blocks

    module = types.ModuleType("ui.app")
    module.build_ui = build_ui
    monkeypatch.setitem(sys.modules, "ui.app", module)
    return seen


def test_ui_is_mounted_at_root_when_build_ui_exists(tmp_path, shared_scrubber, fake_ui):
    container = build_container(tmp_path / "ui-data", shared_scrubber)
    ingest_documents(container)
    with serve(container, mount_ui=True) as live:
        assert fake_ui["container"] is container
        with httpx.Client(base_url=live.base_url, timeout=60) as http:
            home = http.get("/", follow_redirects=False)
            assert home.status_code == 200
            assert "text/html" in home.headers["content-type"]
            assert http.get("/health").json()["status"] == "ok"
            answer = http.post(
                "/api/ask",
                json={"question": "Comment choisir un mot de passe ?"},
                headers={"X-Code-Acces": ACCESS_CODE},
            )
            assert answer.status_code == 200
            assert http.get("/docs").status_code == 200
