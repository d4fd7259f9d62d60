"""The trainers' « Bilan pour le Comité » tab: a period, a format, a file to download.

It calls ``BilanService`` directly (the same service as ``GET /api/bilan`` and ``assistant
bilan``); the trainer's session state (their name, empty when logged out) gates it.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ui import report, texts

FORMAT_CHOICES = [
    ("PDF (à diffuser)", "pdf"),
    ("ODT (LibreOffice, modifiable)", "odt"),
    ("DOCX (Word, modifiable)", "docx"),
    ("Markdown et figures (zip)", "md"),
]


def build_bilan_tab(container: Any, trainer: gr.State) -> dict[str, Any]:
    """The tab's components and its handler, inside the caller's ``gr.Tab``."""
    from assistant.bilan import default_period

    period = default_period()
    parts: dict[str, Any] = {}
    gr.Markdown(
        "### Bilan de la phase d'expérimentation\nUn document à présenter au Comité syndical : "
        "synthèse, usage, cas d'usage prioritaires, sujets non couverts, qualité des réponses, "
        "protection des données, numérique responsable et propositions pour la seconde étape. "
        "Il ne contient que des chiffres et des questions anonymisées."
    )
    with gr.Row(equal_height=True):
        parts["start"] = gr.Textbox(
            value=period.start.isoformat(), label="Du (AAAA-MM-JJ)", elem_id="bilan-from"
        )
        parts["end"] = gr.Textbox(
            value=period.end.isoformat(), label="Au (AAAA-MM-JJ, inclus)", elem_id="bilan-to"
        )
        parts["format"] = gr.Radio(
            FORMAT_CHOICES, value="pdf", label="Format", elem_id="bilan-format", scale=2
        )
    parts["build"] = gr.Button("Générer le bilan", variant="primary", elem_id="bilan-build")
    parts["status"] = gr.Markdown(elem_id="bilan-status")
    parts["file"] = gr.File(label="Bilan", interactive=False, elem_id="bilan-file")

    async def build(start: str, end: str, fmt: str, who: str) -> dict[Any, Any]:
        from assistant.services.bilan import BilanService
        from assistant.services.errors import ServiceError

        if not who:
            return {parts["status"]: f"**Erreur :** {texts.LOGIN_NEEDED}"}
        try:
            built = await asyncio.to_thread(BilanService(container).build, start, end, fmt)
        except ServiceError as error:
            return {parts["status"]: f"**Erreur :** {error}", parts["file"]: None}
        report._remove_old_exports()
        folder = Path(tempfile.mkdtemp(prefix=report.EXPORT_PREFIX))
        path = folder / built.filename
        path.write_bytes(built.content)
        return {
            parts["status"]: f"Bilan prêt : **{built.filename}**.",
            parts["file"]: str(path),
        }

    parts["build"].click(
        build,
        inputs=[parts["start"], parts["end"], parts["format"], trainer],
        outputs=[parts["status"], parts["file"]],
        api_visibility="private",
        concurrency_limit=2,
    )
    return parts
