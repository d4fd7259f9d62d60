"""The trainers' corpus tab: import files (followed while they run, cancellable), read the
import report, list the documents, remove, approve or replace one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import report, texts
from ui.bridge import UiBridge, UiError, not_uploaded_here

if TYPE_CHECKING:
    from assistant.settings import IngestionSettings
    from ui.trainer_area import TrainerArea

#: How long an import request waits before the page follows it in the background, and how often
#: the page asks for its progress then.
UI_IMPORT_WAIT_S = 1.0
IMPORT_POLL_S = 1.0


class CorpusTab:
    """« Documents du corpus »: its layout at construction, its events once the trainer area
    exists (``wire``); handlers return ``{component: value}`` updates."""

    def __init__(self, bridge: UiBridge, limits: IngestionSettings, area: TrainerArea) -> None:
        self.bridge = bridge
        self.parts = corpus_layout(limits)
        self.uploaded = area.uploaded

    def wire(self, area: TrainerArea) -> None:
        parts, trainer = self.parts, area.trainer
        documents = [parts["documents"], parts["selected"]]
        area.logged_in.success(
            self.refresh_documents, inputs=[trainer], outputs=documents, api_visibility="private"
        )
        parts["refresh"].click(
            self.refresh_documents, inputs=[trainer], outputs=documents, api_visibility="private"
        )
        for upload_box in (parts["files"], parts["new_version"]):
            upload_box.upload(
                self.remember_uploads,
                inputs=[upload_box, trainer, self.uploaded],
                outputs=[self.uploaded],
                api_visibility="private",
                queue=False,
            )
        import_parts = [
            parts["status"],
            parts["report"],
            parts["files"],
            parts["new_version"],
            parts["cancel"],
            parts["pending"],
            self.uploaded,
        ]
        parts["import"].click(
            self.import_documents,
            inputs=[parts["files"], parts["theme"], trainer, self.uploaded],
            outputs=import_parts,
            api_visibility="private",
            concurrency_limit=4,
            concurrency_id="corpus-import",
        ).then(
            self.refresh_documents, inputs=[trainer], outputs=documents, api_visibility="private"
        )
        parts["cancel"].click(
            self.cancel_imports,
            inputs=[parts["pending"], trainer],
            outputs=[parts["cancel"], parts["status"]],
            api_visibility="private",
            concurrency_limit=None,
        )
        for action in ("remove", "approve", "replace"):
            parts[action].click(
                self._action_handler(action),
                inputs=[parts["selected"], parts["new_version"], trainer, self.uploaded],
                outputs=import_parts,
                api_visibility="private",
                concurrency_limit=4,
                concurrency_id="corpus",
            ).then(
                self.refresh_documents,
                inputs=[trainer],
                outputs=documents,
                api_visibility="private",
            )

    # ---- handlers --------------------------------------------------------------------------
    async def refresh_documents(self, who: str) -> dict:
        if not who:
            return {self.parts["documents"]: gr.skip()}
        try:
            documents = await self.bridge.list_documents(who)
        except UiError as error:
            gr.Warning(str(error))
            return {self.parts["documents"]: gr.skip()}
        choices = [
            (f"{d['title']} ({d['doc_id']}) — {d['status_fr']}", d["doc_id"]) for d in documents
        ]
        return {
            self.parts["documents"]: [_document_row(d) for d in documents],
            self.parts["selected"]: gr.update(choices=choices, value=None),
        }

    def remember_uploads(self, files: Any, who: str, known: list[str] | None) -> Any:
        if not who:
            return gr.skip()
        return _remember(known, files)

    async def follow(
        self, reports: list[dict[str, Any]], who: str, summary: Any = None
    ) -> AsyncIterator[dict]:
        """Show the imports' progress until they are all finished; cancellable meanwhile.
        ``summary(reports)``: the final status line (default: counts by outcome)."""
        parts = self.parts
        while pending := [r["import_id"] for r in reports if _running(r)]:
            yield {
                parts["status"]: _import_progress(reports),
                parts["report"]: [_outcome_row(r) for r in reports],
                parts["cancel"]: gr.update(visible=True),
                parts["pending"]: pending,
            }
            await asyncio.sleep(IMPORT_POLL_S)
            reports = [await self._status(r, who) if _running(r) else r for r in reports]
        yield {
            parts["status"]: (summary or _import_summary)(reports),
            parts["report"]: [_outcome_row(r) for r in reports],
            parts["cancel"]: gr.update(visible=False, interactive=True),
            parts["pending"]: [],
        }

    async def _status(self, report_: dict[str, Any], who: str) -> dict[str, Any]:
        try:
            return await self.bridge.import_status(who, report_["import_id"])
        except UiError as error:
            return {**report_, "status": "failed", "status_fr": "inconnu", "message": str(error)}

    async def import_documents(
        self, files: list[str] | None, theme: str, who: str, known: list[str] | None
    ) -> AsyncIterator[dict]:
        parts = self.parts
        if not who:
            yield {parts["status"]: f"**Erreur :** {texts.LOGIN_NEEDED}", parts["files"]: None}
            return
        if not files:
            yield {parts["status"]: "Choisissez d'abord un ou plusieurs fichiers."}
            return
        foreign = _not_uploaded(known, files)
        if foreign:
            yield {
                parts["status"]: f"**Erreur :** {not_uploaded_here(foreign)}",
                parts["files"]: None,
            }
            return
        try:
            reports = await self.bridge.upload(
                who, files, theme=theme or None, wait_s=UI_IMPORT_WAIT_S
            )
        except UiError as error:
            yield {
                parts["status"]: f"**Erreur :** {error}",
                parts["files"]: None,
                self.uploaded: _forget(known, files),
            }
            return
        first = True
        async for update in self.follow(reports, who):
            if first:
                update[parts["files"]] = None
                update[self.uploaded] = _forget(known, files)
                first = False
            yield update

    async def cancel_imports(self, pending: list[str] | None, who: str) -> dict:
        for import_id in pending or []:
            try:
                await self.bridge.cancel_import(who, import_id)
            except UiError:
                continue  # finished meanwhile: its report says how
        return {
            self.parts["cancel"]: gr.update(interactive=False),
            self.parts["status"]: "Annulation demandée : l'import s'arrête après le lot de "
            "passages en cours, sans rien laisser dans le corpus…",
        }

    async def act(
        self, action: str, doc_id: str | None, file: str | None, who: str, known: list[str] | None
    ) -> AsyncIterator[dict]:
        """Remove, approve or replace the chosen document, then follow the import started."""
        status = self.parts["status"]
        if not who:
            yield {status: f"**Erreur :** {texts.LOGIN_NEEDED}"}
            return
        if not doc_id:
            yield {status: "Choisissez d'abord un document dans la liste."}
            return
        try:
            if action == "remove":
                result = await self.bridge.remove(who, doc_id)
                yield {status: f"{result['detail']}"}
                return
            if action == "approve":
                outcome = await self.bridge.approve(who, doc_id, wait_s=UI_IMPORT_WAIT_S)
            elif not file:
                yield {status: "Choisissez d'abord le fichier de la nouvelle version."}
                return
            elif foreign := _not_uploaded(known, [file]):
                yield {
                    status: f"**Erreur :** {not_uploaded_here(foreign)}",
                    self.parts["new_version"]: None,
                }
                return
            else:
                outcome = await self.bridge.replace(who, doc_id, file, wait_s=UI_IMPORT_WAIT_S)
        except UiError as error:
            yield {status: f"**Erreur :** {error}"}
            return
        async for update in self.follow([outcome], who, summary=_action_summary(action)):
            if action == "replace":
                update[self.parts["new_version"]] = None
                update[self.uploaded] = _forget(known, [file])
            yield update

    def _action_handler(self, action: str):
        async def run(
            doc_id: str | None, file: str | None, who: str, known: list[str] | None
        ) -> AsyncIterator[dict]:
            async for update in self.act(action, doc_id, file, who, known):
                yield update

        return run


# ---- layout ---------------------------------------------------------------------------------
def corpus_layout(limits: IngestionSettings) -> dict[str, Any]:
    """The tab's components, by name (built where this is called, inside the Blocks)."""
    from assistant.ingestion.loaders import SUPPORTED_EXTENSIONS
    from assistant.ingestion.pipeline import THEMES, french_number

    parts: dict[str, Any] = {}
    gr.Markdown(
        "### Importer des documents\nFormats acceptés : "
        + ", ".join(sorted(SUPPORTED_EXTENSIONS))
        + f". Au plus {limits.max_file_mb:g} Mo et {french_number(limits.max_passages)} "
        "passages par document. Un document de même identifiant remplace l'ancienne version ; "
        "un document qui contient des instructions suspectes est mis en quarantaine jusqu'à sa "
        "validation. Un long import se poursuit en arrière-plan : son avancement s'affiche "
        "ici, et il peut être annulé."
    )
    with gr.Row():
        parts["files"] = gr.File(
            file_count="multiple",
            file_types=sorted(SUPPORTED_EXTENSIONS),
            label="Documents à importer (plusieurs possibles)",
            elem_id="upload",
            scale=3,
        )
        with gr.Column(scale=1):
            parts["theme"] = gr.Dropdown(
                choices=[("Celui de l'en-tête du document", "")]
                + [(texts.theme_label(t), t) for t in THEMES],
                value="",
                label="Thème imposé (facultatif)",
            )
            parts["import"] = gr.Button("Importer", variant="primary", elem_id="import")
    parts["status"] = gr.Markdown(elem_id="corpus-status")
    parts["cancel"] = gr.Button(
        "Annuler l'import", variant="stop", size="sm", visible=False, elem_id="cancel-import"
    )
    parts["pending"] = gr.State([])
    parts["report"] = gr.Dataframe(
        headers=[
            "Fichier",
            "Résultat",
            "Identifiant",
            "Passages",
            "Données personnelles masquées",
            "Signaux suspects",
            "Message",
        ],
        label="Rapport d'import, fichier par fichier",
        interactive=False,
        wrap=True,
        column_widths=["17%", "11%", "15%", "8%", "14%", "12%", "23%"],
        elem_id="import-report",
    )
    gr.Markdown("### Documents du corpus")
    parts["documents"] = gr.Dataframe(
        headers=[
            "Identifiant",
            "Titre",
            "Thème",
            "Version",
            "Importé le",
            "Passages",
            "État",
            "Données masquées",
        ],
        label="Documents du corpus",
        interactive=False,
        wrap=True,
        column_widths=["15%", "24%", "13%", "8%", "13%", "8%", "9%", "10%"],
        elem_id="documents",
    )
    parts["refresh"] = gr.Button("Actualiser la liste", size="sm")
    with gr.Group():
        parts["selected"] = gr.Dropdown(
            choices=[], label="Document concerné", elem_id="selected-document"
        )
        with gr.Row():
            parts["remove"] = gr.Button("Retirer du corpus", variant="stop")
            parts["approve"] = gr.Button("Valider (document en quarantaine)")
        parts["new_version"] = gr.File(
            file_count="single",
            file_types=sorted(SUPPORTED_EXTENSIONS),
            label="Nouvelle version du document choisi",
        )
        parts["replace"] = gr.Button("Remplacer par cette nouvelle version")
    return parts


# ---- small helpers --------------------------------------------------------------------------
def _paths(files: Any) -> list[str]:
    """Real paths of a File component's value (one path, a list, or None)."""
    import os

    if not files:
        return []
    values = files if isinstance(files, (list, tuple)) else [files]
    return [os.path.realpath(str(v)) for v in values if v]


def _remember(known: list[str] | None, files: Any) -> list[str]:
    return sorted({*(known or []), *_paths(files)})


def _forget(known: list[str] | None, files: Any) -> list[str]:
    done = set(_paths(files))
    return [p for p in known or [] if p not in done]


def _not_uploaded(known: list[str] | None, files: Any) -> str:
    """The name of the first file this session did not upload, or ""."""
    from pathlib import Path

    allowed = set(known or [])
    return next((Path(p).name for p in _paths(files) if p not in allowed), "")


def _counts(counts: dict[str, int] | None) -> str:
    return ", ".join(f"{texts.pii_label(k)} : {n}" for k, n in sorted((counts or {}).items()))


def _signals(signals: list[dict] | None) -> str:
    return "; ".join(dict.fromkeys(str(s.get("label") or s.get("rule", "")) for s in signals or []))


def _outcome_row(outcome: dict[str, Any]) -> list[Any]:
    return [
        outcome.get("source", ""),
        outcome.get("status_fr", outcome.get("status", "")),
        outcome.get("doc_id", ""),
        outcome.get("chunks", 0),
        _counts(outcome.get("pii_redacted")) or "aucune",
        _signals(outcome.get("injection_signals")) or "aucun",
        # An import in progress: where it is (its message points API clients to its URL).
        _progress_text(outcome) if _running(outcome) else outcome.get("message", ""),
    ]


def _running(report_: dict[str, Any]) -> bool:
    return report_.get("status") in ("queued", "running") and bool(report_.get("import_id"))


def _import_progress(reports: list[dict[str, Any]]) -> str:
    """« Import en cours » and, for each unfinished file, its stage and passages done."""
    done = sum(1 for r in reports if not _running(r))
    lines = [
        f"**Import en cours** : {done} fichier{'s' if done > 1 else ''} terminé"
        f"{'s' if done > 1 else ''} sur {len(reports)}. Vous pouvez continuer à travailler ; "
        "« Annuler l'import » l'arrête sans rien laisser dans le corpus."
    ]
    for r in reports:
        if _running(r):
            lines.append(f"- {r.get('source', '')} : {_progress_text(r)}")
    return "\n".join(lines)


def _progress_text(report_: dict[str, Any]) -> str:
    from assistant.ingestion.pipeline import french_number

    progress = report_.get("progress") or {}
    text = progress.get("stage_fr") or report_.get("status_fr", "")
    if report_.get("cancel_requested"):
        text = "annulation demandée"
    if progress.get("total"):
        text += (
            f", {french_number(progress.get('done', 0))} / {french_number(progress['total'])} "
            f"passages ({progress.get('percent', 0)} %)"
        )
    return text


def _action_summary(action: str):
    def summary(reports: list[dict[str, Any]]) -> str:
        outcome = reports[0]
        if outcome.get("status") in ("failed", "cancelled"):
            return f"**Échec :** {outcome.get('message', '')}"
        if action == "approve":
            return f"Document validé. {outcome.get('message', '')}"
        return str(outcome.get("message", ""))

    return summary


def _import_summary(outcomes: list[dict[str, Any]]) -> str:
    from collections import Counter

    statuses = Counter(o.get("status_fr", o.get("status", "")) for o in outcomes)
    detail = ", ".join(f"{n} {status}" for status, n in statuses.items())
    attention = any(o.get("status") in ("failed", "quarantined") for o in outcomes)
    suffix = " Vérifiez le rapport ci-dessous." if attention else ""
    return (
        f"**{texts.plural(len(outcomes), 'fichier traité', 'fichiers traités')}** : "
        f"{detail}.{suffix}"
    )


def _document_row(document: dict[str, Any]) -> list[Any]:
    status = document.get("status_fr", document.get("status", ""))
    if document.get("status") == "quarantined":
        status = f"{status} (à valider)"
    return [
        document.get("doc_id", ""),
        document.get("title", ""),
        texts.theme_label(document.get("theme")),
        document.get("version", ""),
        report.when(document.get("ingested_at"), with_year=True),
        document.get("chunks", 0),
        status,
        _counts(document.get("pii_redacted")) or "aucune",
    ]
