"""Retours d'expérience and priority use cases in the page.

``build_agent_tab`` adds the agents' tab « Partager un retour d'expérience » (same webinar
access code rule as asking); ``build_trainer_tabs`` adds the trainers' sub-tabs « Retours
d'expérience » (moderation, « cas d'usage » draft to download) and « Cas d'usage
prioritaires » (period, ranking, method, CSV). Both call the services directly
(``RetoursService``, ``compute_priorities``), as the API routes do.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.services.errors import ServiceError
from assistant.services.priorities import compute_priorities, priorities_csv
from assistant.services.retours import RESULTS, STATUSES, TOOLS, RetoursService, parse_day
from ui.bridge import UiError, client_address

EXPORT_PREFIX = "assistant-retours-"
EXPORT_MAX_AGE_S = 3600
AGENT_INTRO = (
    "### Partager un retour d'expérience\n"
    "Vous avez essayé l'IA pour une tâche de votre travail ? Racontez-le : ce que vous avez "
    "fait, avec quel outil, ce que cela a donné. Les formateurs relisent chaque retour ; les "
    "plus utiles deviennent des fiches « cas d'usage » pour tous les agents. **N'écrivez aucune "
    "donnée personnelle** : celles qui seraient repérées sont masquées avant l'enregistrement."
)
RETOUR_HEADERS = [
    "N°", "Date", "Statut", "Métier", "Tâche", "Outil", "Résultat", "Min./sem.",
    "Ce qui a été fait", "Risque", "Données masquées", "Contact", "Fusionné dans",
]  # fmt: skip
PRIORITY_HEADERS = [
    "Métier", "Rang", "Cas d'usage", "Questions", "Sessions", "Retours", "Part positive",
    "Min./sem.", "Risque", "Répondues", "Partielles", "Refusées", "Score",
]  # fmt: skip


def _jobs() -> dict[str, str]:
    from assistant.services.jobs import JOBS

    return JOBS


def build_agent_tab(container: Any, bridge: Any) -> None:
    """The agents' tab; call inside the page's ``gr.Tabs``. ``bridge`` gives the access-code
    rule and the quota the chat applies (``UiBridge``)."""
    service = RetoursService(container)
    with gr.Tab("Partager un retour d'expérience", id="retours"):
        gr.Markdown(AGENT_INTRO)
        with gr.Row(equal_height=True):
            job = gr.Dropdown(
                choices=[(label, key) for key, label in _jobs().items()],
                value=None,
                label="Votre métier",
                elem_id="retour-job",
            )
            tool = gr.Dropdown(
                choices=[(label, key) for key, label in TOOLS.items()],
                value="assistant-syndicat",
                label="Outil utilisé",
                info="Les outils approuvés par le syndicat, ou « Autre outil ».",
                elem_id="retour-tool",
            )
            code = gr.Textbox(
                label="Code d'accès du webinaire",
                type="password",
                visible=bridge.access_code_required,
                elem_id="retour-access-code",
            )
        task = gr.Textbox(
            label="La tâche",
            placeholder="Par exemple : préparer la convocation du conseil municipal",
            max_length=300,
            elem_id="retour-task",
        )
        description = gr.Textbox(
            label="Ce que vous avez fait",
            lines=4,
            max_length=4000,
            elem_id="retour-description",
        )
        with gr.Row(equal_height=True):
            result = gr.Radio(
                choices=[(label, key) for key, label in RESULTS.items()],
                label="Le résultat",
                elem_id="retour-result",
            )
            minutes = gr.Number(
                label="Temps gagné (minutes par semaine, facultatif)",
                minimum=0,
                maximum=2400,
                precision=0,
                value=None,
                elem_id="retour-minutes",
            )
        risk = gr.Textbox(
            label="Un risque rencontré ? (facultatif)",
            lines=2,
            max_length=4000,
            elem_id="retour-risk",
        )
        consent = gr.Checkbox(
            label="Un formateur peut m'en parler pendant un webinaire (aucune coordonnée "
            "n'est demandée ni conservée)",
            elem_id="retour-consent",
        )
        send = gr.Button("Partager mon retour", variant="primary", elem_id="retour-send")
        status = gr.Markdown(elem_id="retour-status")

    async def share(
        code_typed: str, job_key: str | None, tool_key: str, task_text: str, what: str,
        outcome: str | None, saved: float | None, risk_text: str, may_ask: bool,
        request: gr.Request,
    ) -> dict:  # fmt: skip
        keep = {status: gr.skip()}
        # As the chat's handlers: the address uvicorn resolved (proxies it trusts included).
        client = client_address(request)
        try:
            if not bridge.access_code_ok(code_typed, client):
                return {**keep, status: "**Erreur :** saisissez le code d'accès du webinaire."}
            bridge.count_question(client)  # a retour counts as a question, as in the API
        except UiError as error:  # too many wrong codes, or sends, from this address
            return {**keep, status: f"**Erreur :** {error}"}
        try:
            stored = await asyncio.to_thread(
                service.submit,
                job=job_key or None,
                task=task_text,
                tool=tool_key,
                description=what,
                result=outcome or "",
                time_saved_minutes=None if saved is None else int(saved),
                risk=risk_text or "",
                contact_consent=bool(may_ask),
            )
        except ServiceError as error:
            return {status: f"**Erreur :** {error}"}  # the form keeps what was typed
        return {
            status: _thanks(stored),
            task: "",
            description: "",
            risk: "",
            minutes: None,
            result: None,
            consent: False,
        }

    send.click(
        share,
        inputs=[code, job, tool, task, description, result, minutes, risk, consent],
        outputs=[status, task, description, risk, minutes, result, consent],
        api_visibility="private",
        concurrency_limit=None,
    )


def _thanks(stored: dict[str, Any]) -> str:
    lines = [f"**Merci !** Votre retour n° {stored['id']} est enregistré ; un formateur le relira."]
    if stored["masked"]:
        lines.append(
            "Données personnelles masquées avant l'enregistrement : "
            + ", ".join(stored["masked"])
            + ". Voici ce qui est conservé :"
        )
        lines.append("> " + stored["description"].replace("\n", "\n> "))
    return "\n\n".join(lines)


def build_trainer_tabs(container: Any, trainer: gr.State) -> None:
    """The trainers' two sub-tabs; call inside the trainer area's ``gr.Tabs``. ``trainer``:
    the page's state holding the logged-in trainer's name (empty when logged out)."""
    service = RetoursService(container)
    with gr.Tab("Retours d'expérience", id="retours-admin") as moderation_tab:
        with gr.Row(equal_height=True):
            status_filter = gr.Dropdown(
                choices=[("Tous", "")] + [(label, key) for key, label in STATUSES.items()],
                value="nouveau",
                label="Statut",
                elem_id="retours-status-filter",
            )
            refresh = gr.Button("Actualiser", size="sm", scale=0, elem_id="retours-refresh")
        table = gr.Dataframe(
            headers=RETOUR_HEADERS,
            label="Retours d'expérience (anonymisés)",
            interactive=False,
            wrap=True,
            elem_id="retours-table",
        )
        with gr.Row(equal_height=True):
            chosen = gr.Number(
                label="N° du retour (ou cliquez sa ligne)",
                precision=0,
                value=None,
                elem_id="retour-id",
            )
            into = gr.Number(
                label="Fusionner dans le n°", precision=0, value=None, elem_id="retour-into"
            )
        with gr.Row():
            publish = gr.Button(
                "Publier et préparer la fiche", variant="primary", elem_id="retour-publish"
            )
            reject = gr.Button("Rejeter", variant="stop", elem_id="retour-reject")
            merge = gr.Button("Fusionner", elem_id="retour-merge")
            draft = gr.Button("Brouillon de fiche (.md)", elem_id="retour-draft-button")
        outcome = gr.Markdown(elem_id="retour-outcome")
        draft_file = gr.File(label="Brouillon « cas d'usage » à relire", elem_id="retour-draft")

    async def show(who: str, wanted: str) -> Any:
        if not who:
            return gr.skip()
        retours = await asyncio.to_thread(service.list, wanted or None)
        return [_retour_row(r) for r in reversed(retours)]

    async def act(who: str, action: str, retour_id: float | None, target: float | None) -> dict:
        if not who:
            return {outcome: "**Erreur :** connectez-vous d'abord."}
        if not retour_id or retour_id < 1:
            return {outcome: "**Erreur :** indiquez le n° du retour."}
        number = int(retour_id)
        try:
            if action == "merge":
                if not target or target < 1:
                    return {outcome: "**Erreur :** indiquez le n° du retour à conserver."}
                await asyncio.to_thread(service.merge, number, int(target))
                return {outcome: f"Retour {number} fusionné dans le retour {int(target)}."}
            if action == "reject":
                await asyncio.to_thread(service.reject, number)
                return {outcome: f"Retour {number} rejeté."}
            if action == "publish":
                await asyncio.to_thread(service.publish, number)
            name, markdown = await asyncio.to_thread(service.draft, number)
        except ServiceError as error:
            return {outcome: f"**Erreur :** {error}"}
        path = await asyncio.to_thread(_write_export, name, markdown)
        published = "Retour publié. " if action == "publish" else ""
        return {
            outcome: f"{published}Brouillon de fiche prêt : relisez-le, puis importez-le dans "
            "« Documents » (ou `assistant ingest`).",
            draft_file: str(path),
        }

    listing = {"inputs": [trainer, status_filter], "outputs": [table], "api_visibility": "private"}
    refresh.click(show, **listing)
    moderation_tab.select(show, **listing)

    def pick(event: gr.SelectData) -> Any:
        """A click on a row of the table chooses that retour."""
        row = event.row_value or []
        return row[0] if row else gr.skip()

    table.select(pick, outputs=[chosen], api_visibility="private", queue=False)
    status_filter.change(show, **listing)

    def acting(action: str):
        async def run(who: str, retour_id: float | None, target: float | None) -> dict:
            return await act(who, action, retour_id, target)

        return run

    for button, action in ((publish, "publish"), (reject, "reject"), (merge, "merge"),
                           (draft, "draft")):  # fmt: skip
        button.click(
            acting(action),
            inputs=[trainer, chosen, into],
            outputs=[outcome, draft_file],
            api_visibility="private",
        ).then(show, **listing)
    _priorities_tab(container, trainer)


def _priorities_tab(container: Any, trainer: gr.State) -> None:
    """« Cas d'usage prioritaires »: a period, the ranking, its method and the CSV."""
    with gr.Tab("Cas d'usage prioritaires", id="priorities"):
        with gr.Row(equal_height=True):
            since = gr.Textbox(label="Du (AAAA-MM-JJ, facultatif)", elem_id="priorities-since")
            until = gr.Textbox(label="Au (inclus, facultatif)", elem_id="priorities-until")
            compute = gr.Button("Calculer", variant="primary", scale=0, elem_id="priorities-go")
        ranking = gr.Dataframe(
            headers=PRIORITY_HEADERS,
            label="Classement par métier",
            interactive=False,
            wrap=True,
            elem_id="priorities-table",
        )
        method = gr.Markdown(elem_id="priorities-method")
        csv_file = gr.File(label="Export CSV", elem_id="priorities-csv")

    async def rank(who: str, start: str, end: str) -> dict:
        if not who:
            return {method: gr.skip()}
        try:
            result = await asyncio.to_thread(
                compute_priorities,
                container,
                parse_day(start.strip() or None, "« Du »"),
                parse_day(end.strip() or None, "« Au »"),
            )
        except ServiceError as error:
            return {method: f"**Erreur :** {error}"}
        name = f"cas-usage-prioritaires-{result['period']['since'] or 'debut'}.csv"
        path = await asyncio.to_thread(_write_export, name, priorities_csv(result))
        return {
            ranking: [_priority_row(item) for item in result["items"]],
            method: "**Méthode.** " + result["method"],
            csv_file: str(path),
        }

    compute.click(
        rank,
        inputs=[trainer, since, until],
        outputs=[ranking, method, csv_file],
        api_visibility="private",
        concurrency_limit=4,
    )


def _retour_row(retour: dict[str, Any]) -> list[Any]:
    return [
        retour["id"],
        retour["ts"][:16].replace("T", " "),
        STATUSES.get(retour["status"], retour["status"]),
        _jobs().get(retour["job"], retour["job"]),
        retour["task"],
        TOOLS.get(retour["tool"], retour["tool"]),
        RESULTS.get(retour["result"], retour["result"]),
        "" if retour["time_saved_minutes"] is None else retour["time_saved_minutes"],
        retour["description"],
        retour["risk"],
        ", ".join(retour["finding_types"]),
        "oui" if retour["contact_consent"] else "non",
        retour["merged_into"] or "",
    ]


def _priority_row(item: dict[str, Any]) -> list[Any]:
    share = item["positive_share"]
    return [
        _jobs().get(item["job"], "Non précisé"),
        item["rank"],
        item["use_case"],
        item["questions"],
        item["sessions"],
        item["retours"],
        "" if share is None else f"{share:.0%}",
        item["minutes_saved"],
        f"{item['risk']:.0%}",
        f"{item['coverage']['answered']:.0%}",
        f"{item['coverage']['partial']:.0%}",
        f"{item['coverage']['refused']:.0%}",
        item["score"],
    ]


def _write_export(name: str, text: str) -> Path:
    """``text`` in a fresh temporary folder (those of earlier exports over an hour old go)."""
    cutoff = time.time() - EXPORT_MAX_AGE_S
    for old in Path(tempfile.gettempdir()).glob(EXPORT_PREFIX + "*"):
        if old.is_dir() and old.stat().st_mtime < cutoff:
            shutil.rmtree(old, ignore_errors=True)
    path = Path(tempfile.mkdtemp(prefix=EXPORT_PREFIX)) / name
    path.write_text(text, encoding="utf-8")
    return path
