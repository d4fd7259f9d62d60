"""The trainers' area: the login, then the corpus, the webinar dashboard and the bilan tabs.

The logged-in trainer's name lives in a server-side ``gr.State`` of the page's session
(``TrainerArea.trainer``): every trainer action receives it and the services it calls refuse
an empty one, so a client cannot skip the login by calling an event itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from ui import queue_view, retours_view
from ui.bilan_view import build_bilan_tab
from ui.bridge import UiBridge, UiError, client_address
from ui.corpus_tab import CorpusTab
from ui.dashboard_tab import DASHBOARD_REFRESH_S, DashboardTab

if TYPE_CHECKING:
    from assistant.container import Container


class TrainerArea:
    """The « Espace formateur » tab, built inside the page's Blocks."""

    def __init__(self, bridge: UiBridge, container: Container) -> None:
        self.bridge = bridge
        self.trainer = gr.State("")
        # Files this session uploaded while a trainer was logged in: the only ones its import
        # and replace accept (a file value is a path on the server, which a client can forge).
        self.uploaded = gr.State([])
        with gr.Column(visible=True) as self.login_box:
            gr.Markdown(
                "### Connexion des formateurs\nGestion du corpus et suivi des "
                "webinaires. Les comptes sont définis par l'administrateur du service."
            )
            self.username = gr.Textbox(label="Identifiant", elem_id="username")
            self.password = gr.Textbox(label="Mot de passe", type="password", elem_id="password")
            self.login_button = gr.Button("Se connecter", variant="primary", elem_id="login")
            self.login_status = gr.Markdown()
        with gr.Column(visible=False) as self.trainer_box:
            with gr.Row(equal_height=True):
                self.trainer_status = gr.Markdown()
                self.logout_button = gr.Button("Se déconnecter", size="sm", scale=0)
            with gr.Tabs():
                with gr.Tab("Documents", id="documents"):
                    self.corpus = CorpusTab(bridge, container.settings.ingestion, self)
                    queue_view.build_document_links(
                        container, self.corpus.parts["selected"], self.trainer
                    )
                with gr.Tab("Tableau de bord", id="dashboard"):
                    self.dashboard = DashboardTab(bridge, self)
                queue_view.build_queue_tab(container, self.trainer)
                retours_view.build_trainer_tabs(container, self.trainer)
                with gr.Tab("Bilan pour le Comité", id="bilan"):
                    self.bilan = build_bilan_tab(container, self.trainer)
        self.timer = gr.Timer(DASHBOARD_REFRESH_S, active=False)
        self._wire()

    def _wire(self) -> None:
        self.logged_in = gr.on(
            triggers=[self.login_button.click, self.password.submit],
            fn=self.login,
            inputs=[self.username, self.password],
            outputs=[
                self.trainer,
                self.login_box,
                self.trainer_box,
                self.login_status,
                self.password,
                self.trainer_status,
                self.timer,
            ],
            api_visibility="private",
            concurrency_limit=None,
        )
        self.logout_button.click(
            self.logout,
            outputs=[self.trainer, self.login_box, self.trainer_box, self.timer, self.uploaded],
            api_visibility="private",
            queue=False,
        )
        # Each tab follows the login (and the dashboard's timer) with its own handlers.
        self.corpus.wire(self)
        self.dashboard.wire(self)

    async def login(self, name: str, secret: str, request: gr.Request) -> dict:
        try:
            who = await self.bridge.login(name, secret, client_address(request))
        except UiError as error:
            return {self.trainer: "", self.login_status: f"**Erreur :** {error}", self.password: ""}
        if who is None:
            return {
                self.trainer: "",
                self.login_status: "**Erreur :** Identifiant ou mot de passe incorrect.",
                self.password: "",
            }
        return {
            self.trainer: who,
            self.login_box: gr.update(visible=False),
            self.trainer_box: gr.update(visible=True),
            self.login_status: "",
            self.password: "",
            self.trainer_status: f"Connecté·e en tant que **{who}**.",
            self.timer: gr.Timer(active=True),
        }

    def logout(self) -> dict:
        return {
            self.trainer: "",
            self.login_box: gr.update(visible=True),
            self.trainer_box: gr.update(visible=False),
            self.timer: gr.Timer(active=False),
            self.uploaded: [],
        }
