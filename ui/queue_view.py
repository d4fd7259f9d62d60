"""The trainers' sub-tab « Questions à traiter », and the questions linked to a document shown in
the documents tab. Both call ``assistant.services.queue.QueueService``, as the API routes do."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.services.errors import ServiceError
from assistant.services.queue import QueueService

STATUS_CHOICES = [
    ("À traiter", "open"),
    ("Reliés à une section", "linked"),
    ("Brouillon de fiche rédigé", "drafted"),
    ("Hors périmètre", "out_of_scope"),
]
STATUS_LABELS = {value: label for label, value in STATUS_CHOICES}
COLUMNS = [
    "Groupe",
    "Questions",
    "Dernière question",
    "Refus / proches / avis négatifs",
    "Exemples (anonymisés)",
    "Sections les plus proches",
    "État",
]
NOT_LOGGED_IN = "Connectez-vous à l'espace formateur pour traiter les questions."


def _row(group: dict[str, Any]) -> list[Any]:
    kinds = group["kinds"]
    link = group["link"]
    state = STATUS_LABELS.get(group["status"], group["status"])
    if link:
        state += f" : {link['doc_id']} — {link['section']}"
    return [
        group["id"],
        group["count"],
        group["last_ts"].replace("T", " ")[:16],
        f"{kinds['refused']} / {kinds['partial']} / {kinds['down']}",
        " ".join(f"« {example} »" for example in group["examples"]),
        " ; ".join(f"{n['title']} — {n['section']} ({n['doc_id']})" for n in group["nearest"]),
        state,
    ]


def _choice(group: dict[str, Any]) -> tuple[str, str]:
    example = group["examples"][0] if group["examples"] else ""
    return f"{group['id']} ({group['count']}) « {example[:70]} »", group["id"]


def _layout() -> tuple[gr.Tab, dict[str, Any]]:
    """The tab's components (inside the trainers' ``gr.Tabs``)."""
    parts: dict[str, Any] = {}
    with gr.Tab("Questions à traiter", id="queue") as tab:
        gr.Markdown(
            "### Questions à traiter\nLes questions refusées, les réponses « voici les "
            "passages les plus proches » et les réponses jugées pas utiles (👎), regroupées "
            "par sujet (les plus gros groupes d'abord). Relier un groupe à la section qui y "
            "répond fait répondre aussitôt ses questions, et les formulations proches, à "
            "partir de cette section, sans réimport ; le groupe entre dans le jeu "
            "d'évaluation « terrain »."
        )
        with gr.Row():
            parts["status"] = gr.Dropdown(
                choices=STATUS_CHOICES, value="open", label="Groupes", elem_id="queue-filter"
            )
            parts["refresh"] = gr.Button("Actualiser", size="sm", elem_id="queue-refresh")
        parts["groups"] = gr.Dataframe(
            headers=COLUMNS,
            label="Groupes de questions",
            interactive=False,
            wrap=True,
            column_widths=["8%", "7%", "11%", "9%", "32%", "22%", "11%"],
            elem_id="queue-groups",
        )
        with gr.Group():
            parts["group"] = gr.Dropdown(choices=[], label="Groupe concerné", elem_id="queue-group")
            with gr.Row():
                parts["document"] = gr.Dropdown(
                    choices=[], label="Document qui répond", elem_id="queue-document"
                )
                parts["section"] = gr.Dropdown(
                    choices=[], label="Section qui répond", elem_id="queue-section"
                )
            with gr.Row():
                parts["link"] = gr.Button(
                    "Relier à cette section", variant="primary", elem_id="queue-link"
                )
                parts["draft"] = gr.Button("Brouillon de fiche", elem_id="queue-draft")
                parts["out"] = gr.Button("Hors périmètre", variant="stop", elem_id="queue-out")
                parts["reopen"] = gr.Button("Remettre dans la file", elem_id="queue-reopen")
        parts["message"] = gr.Markdown(elem_id="queue-message")
        parts["file"] = gr.File(label="Brouillon (Markdown)", elem_id="queue-draft-file")
    return tab, parts


def build_queue_tab(container: Any, trainer: gr.State) -> dict[str, Any]:
    """The « Questions à traiter » tab (built inside the trainers' ``gr.Tabs``): the groups of
    refused, « passages proches » and 👎 questions, and for the chosen group: link it to a
    section, download a draft sheet, mark it out of scope, or put it back in the queue."""
    tab, parts = _layout()

    def service() -> QueueService:
        return QueueService(container)  # per event: the database opens with the first one

    async def refresh(who: str, status: str) -> dict:
        if not who:
            return {parts["message"]: NOT_LOGGED_IN}
        try:
            groups = await asyncio.to_thread(service().groups, status or None)
        except ServiceError as error:
            return {parts["message"]: f"**Erreur :** {error}"}
        documents = await asyncio.to_thread(container.index.documents)
        return {
            parts["groups"]: [_row(g) for g in groups],
            parts["group"]: gr.update(choices=[_choice(g) for g in groups], value=None),
            parts["document"]: gr.update(
                choices=[(f"{d.title} ({d.doc_id})", d.doc_id) for d in documents],
            ),
            parts["message"]: f"{len(groups)} groupe(s).",
        }

    refresh_outputs = [parts["groups"], parts["group"], parts["document"], parts["message"]]
    for trigger in (tab.select, parts["refresh"].click, parts["status"].change):
        trigger(
            refresh,
            inputs=[trainer, parts["status"]],
            outputs=refresh_outputs,
            api_visibility="private",
        )

    async def sections(who: str, doc_id: str | None) -> dict:
        if not who or not doc_id:
            return {parts["section"]: gr.update(choices=[], value=None)}
        try:
            names = await asyncio.to_thread(service().section_names, doc_id)
        except ServiceError as error:
            return {
                parts["section"]: gr.update(choices=[], value=None),
                parts["message"]: str(error),
            }
        return {parts["section"]: gr.update(choices=names, value=None)}

    parts["document"].change(
        sections,
        inputs=[trainer, parts["document"]],
        outputs=[parts["section"], parts["message"]],
        api_visibility="private",
    )

    def decision(action: str):
        async def run(who: str, group_id: str | None, doc_id: str | None, section: str | None):
            if not who:
                return {parts["message"]: NOT_LOGGED_IN}
            if not group_id:
                return {parts["message"]: "Choisissez d'abord un groupe."}
            try:
                if action == "link":
                    if not doc_id or not section:
                        return {
                            parts["message"]: "Choisissez le document et la section qui répondent."
                        }
                    await asyncio.to_thread(service().link, group_id, doc_id, section)
                    return {
                        parts["message"]: f"Groupe {group_id} relié à « {section} » ({doc_id})."
                    }
                if action == "draft":
                    markdown = await asyncio.to_thread(service().draft, group_id)
                    folder = Path(tempfile.mkdtemp(prefix="brouillon-"))
                    path = folder / f"brouillon-{group_id}.md"
                    path.write_text(markdown, encoding="utf-8")
                    return {
                        parts["file"]: str(path),
                        parts["message"]: f"Brouillon du groupe {group_id} prêt à télécharger.",
                    }
                if action == "out":
                    await asyncio.to_thread(service().out_of_scope, group_id)
                    return {parts["message"]: f"Groupe {group_id} classé hors périmètre."}
                await asyncio.to_thread(service().reopen, group_id)
                return {parts["message"]: f"Groupe {group_id} remis dans la file."}
            except ServiceError as error:
                return {parts["message"]: f"**Erreur :** {error}"}

        return run

    for action in ("link", "draft", "out", "reopen"):
        parts[action].click(
            decision(action),
            inputs=[trainer, parts["group"], parts["document"], parts["section"]],
            outputs=[parts["message"], parts["file"]],
            api_visibility="private",
        ).success(
            refresh,
            inputs=[trainer, parts["status"]],
            outputs=refresh_outputs,
            api_visibility="private",
        )
    return parts


def build_document_links(container: Any, selected: gr.Dropdown, trainer: gr.State) -> gr.Markdown:
    """Under the documents tab's « Document concerné »: the groups of questions trainers linked
    to the chosen document's sections."""
    shown = gr.Markdown(elem_id="document-queue-links")

    async def show(who: str, doc_id: str | None) -> str:
        if not who or not doc_id:
            return ""
        try:
            links = await asyncio.to_thread(QueueService(container).links, doc_id)
        except ServiceError as error:
            return f"**Erreur :** {error}"
        if not links:
            return "Aucune question des agents n'est reliée aux sections de ce document."
        lines = ["**Questions des agents reliées à ce document**"]
        for link in links:
            examples = " ; ".join(f"« {e} »" for e in link["examples"][:3])
            lines.append(
                f"- **{link['section']}** — groupe {link['group_id']}, {link['count']} "
                f"question(s) : {examples}"
            )
        return "\n".join(lines)

    selected.change(show, inputs=[trainer, selected], outputs=shown, api_visibility="private")
    return shown
