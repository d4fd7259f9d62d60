"""The Gradio page: the agents' chat, « Vérifier mon texte », and the trainers' area.

``mount_ui(app, services)`` mounts the page at ``/`` of the FastAPI app: ``assistant serve``
passes it to ``create_app`` (setting ``server.ui``). ``build_ui(services)`` builds the page and
returns ``(blocks, mount_options)``: in Gradio 6 the theme, CSS and JS are given to
``mount_gradio_app`` (or ``launch``), not to ``Blocks``. Each tab is a module of its own
(``chat_tab``, ``check_tab``, ``trainer_area`` with ``corpus_tab`` and ``dashboard_tab``);
nothing is built at import time, and the handlers are async: one slow answer never holds up
another agent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import retours_view, texts
from ui.bridge import UiBridge
from ui.chat_tab import ChatTab, backend_status
from ui.check_tab import CheckTab
from ui.theme import page_options
from ui.trainer_area import TrainerArea

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.services.state import Services

log = logging.getLogger("ui")

#: Events processed at once by this app (Gradio's default, 40, is too few for a webinar).
MAX_CONCURRENT_EVENTS = 256
#: Events waiting in Gradio's queue before new ones are turned away.
MAX_QUEUE_SIZE = 2000

HEADER_HTML = f"""
<header id="tn-header">
  <div class="tn-bloc" aria-hidden="true">Territoires<br>Numériques</div>
  <div>
    <h1>{texts.APP_TITLE}</h1>
    <p>Les réponses s'appuient sur la charte d'utilisation de l'IA et les fiches de bonnes
    pratiques du syndicat, et citent leurs sources.</p>
  </div>
</header>
"""


def mount_ui(app: FastAPI, services: Services) -> None:
    """Mount the page at ``/`` of ``app`` (what ``assistant serve`` does, see ``server.ui``)."""
    blocks, options = build_ui(services)
    options = {
        "max_file_size": int(services.settings.ingestion.max_file_mb * 1_048_576),
        **options,
    }
    gr.mount_gradio_app(app, blocks, path="/", **options)
    # Gradio checks that a file given to an event came through its upload route only once
    # ``launch()`` has run, which a mounted app never calls: without this, a client could name
    # any file on the server as an "uploaded" one and have it copied into Gradio's cache.
    blocks.has_launched = True


def build_ui(services: Services) -> tuple[gr.Blocks, dict[str, Any]]:
    """The page over the app's ``services`` (the API's own when mounted: shared records,
    metrics, quotas), and the options to mount it with."""
    bridge = UiBridge(services)
    container = services.container
    with gr.Blocks(
        title=texts.APP_TITLE,
        analytics_enabled=False,
        delete_cache=(3600, 3600),
    ) as demo:
        gr.HTML(HEADER_HTML, padding=False)
        with gr.Tabs():
            with gr.Tab("Poser une question", id="chat"):
                chat = ChatTab(bridge, container)
            with gr.Tab("Vérifier mon texte", id="check"):
                CheckTab(bridge)
            retours_view.build_agent_tab(container, bridge)
            with gr.Tab("Espace formateur", id="trainer"):
                TrainerArea(bridge, container)
        demo.load(
            lambda: backend_status(container),
            outputs=[chat.backend_status],
            api_visibility="private",
            queue=False,
        )
    demo.max_threads = MAX_CONCURRENT_EVENTS
    demo.queue(default_concurrency_limit=None, max_size=MAX_QUEUE_SIZE)
    return demo, page_options()


__all__ = ["build_ui", "mount_ui"]
