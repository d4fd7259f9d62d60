"""« Vérifier mon texte » : an agent pastes a text and gets it back with its personal data
masked, before pasting it into any AI tool. Nothing is stored."""

from __future__ import annotations

import gradio as gr

from assistant.services.check import MAX_CHECK_CHARS, text_too_long
from ui import texts
from ui.bridge import UiBridge, UiError

CHECK_INTRO = """\
Avant de coller un texte dans un outil d'IA, quel qu'il soit, vérifiez ici ce qu'il contient :
l'assistant repère les données personnelles (noms, téléphones, adresses, numéros de sécurité
sociale, IBAN…), les remplace par des marques comme `[PERSONNE_1]` et vous rend le texte masqué.
**Le texte n'est ni conservé ni journalisé.** L'outil peut manquer une donnée : relisez toujours.
"""


class CheckTab:
    """The « Vérifier mon texte » tab, built inside the page's Blocks."""

    def __init__(self, bridge: UiBridge) -> None:
        self.bridge = bridge
        gr.Markdown(CHECK_INTRO)
        self.text = gr.Textbox(
            label="Texte à vérifier", lines=8, max_length=MAX_CHECK_CHARS, elem_id="check-input"
        )
        self.button = gr.Button("Vérifier", variant="primary", elem_id="check-button")
        self.summary = gr.Markdown(elem_id="check-summary")
        self.findings = gr.Dataframe(
            headers=["Type de donnée", "Remplacée par", "Position dans le texte"],
            label="Données personnelles repérées",
            interactive=False,
            wrap=True,
        )
        self.output = gr.Textbox(
            label="Texte masqué (à utiliser à la place de l'original)",
            lines=8,
            interactive=False,
            buttons=["copy"],
            elem_id="check-output",
        )
        self.button.click(
            self.check,
            inputs=[self.text],
            outputs=[self.summary, self.findings, self.output],
            api_name="verifier_texte",
            concurrency_limit=None,
        )

    async def check(self, text: str) -> dict:
        if not (text or "").strip():
            gr.Warning("Collez d'abord le texte à vérifier.")
            return {self.summary: gr.skip()}
        too_long = text_too_long(text)
        if too_long:
            return {self.summary: f"**Erreur :** {too_long}", self.findings: [], self.output: ""}
        try:
            result = await self.bridge.check_text(text)
        except UiError as error:
            return {self.summary: f"**Erreur :** {error}", self.findings: [], self.output: ""}
        rows = [
            [texts.pii_label(f["type"]), f["placeholder"], f"{f['start']}–{f['end']}"]
            for f in result["findings"]
        ]
        return {
            self.summary: f"**{result['detail']}**",
            self.findings: rows,
            self.output: result["text"],
        }
