"""The entry point mounts the UI: ``create_app(container, ui=...)`` mounts the web interface it
is given at ``/`` and the API keeps working beside it; ``assistant serve`` passes the one the
``server.ui`` setting names (the Gradio page by default, none when empty)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import ACCESS_CODE, build_container, ingest_documents
from tests.servers import live_app

pytestmark = pytest.mark.slow


def test_the_ui_given_is_mounted_at_root_beside_the_api(tmp_path, shared_scrubber):
    import gradio as gr

    from assistant.api.app import create_app

    container = build_container(tmp_path / "ui-data", shared_scrubber)
    ingest_documents(container)
    seen = {}

    def mount(app, services):
        seen["services"] = services
        with gr.Blocks(title="Assistant de test") as blocks:
            gr.Markdown("Interface de test")
        gr.mount_gradio_app(app, blocks, path="/")

    app = create_app(container, ui=mount)
    assert seen["services"] is app.state.api and seen["services"].container is container
    with (
        live_app.serve_app(app, container) as live,
        httpx.Client(base_url=live.base_url, timeout=60) as http,
    ):
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


def test_without_a_ui_the_root_leads_to_the_api_documentation(tmp_path, shared_scrubber):
    from fastapi.testclient import TestClient

    from assistant.api.app import create_app

    app = create_app(build_container(tmp_path / "api-data", shared_scrubber))
    with TestClient(app) as http:
        home = http.get("/", follow_redirects=False)
    assert home.status_code in (302, 307)
    assert home.headers["location"] == "/docs"


def test_the_serve_setting_names_the_gradio_page_by_default_and_can_be_emptied():
    from assistant.cli import load_ui
    from assistant.settings import load_settings
    from ui.app import mount_ui

    assert load_ui(load_settings(_env_file=None).server.ui) is mount_ui
    assert load_ui("") is None
    with pytest.raises(ModuleNotFoundError):
        load_ui("interface_absente:mount")
