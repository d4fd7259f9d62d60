"""The trainers' webinar dashboard: questions as they arrive (scrubbed), counts by theme and by
job, what the corpus does not cover, the agents' votes, and the report's export."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import gradio as gr

from ui import report
from ui.bridge import UiBridge, UiError

if TYPE_CHECKING:
    from ui.trainer_area import TrainerArea

DASHBOARD_REFRESH_S = 10.0
TABLES = ("questions", "themes", "jobs", "refused", "feedback")


class DashboardTab:
    """« Tableau de bord du webinaire »: refreshed on login, on demand and every
    ``DASHBOARD_REFRESH_S`` seconds while a trainer is logged in."""

    def __init__(self, bridge: UiBridge, area: TrainerArea) -> None:
        self.bridge = bridge
        self.parts = dashboard_layout()

    def wire(self, area: TrainerArea) -> None:
        parts = self.parts
        outputs = [parts["summary"], *(parts[name] for name in TABLES)]
        inputs = [parts["period"], area.trainer]
        for trigger in (parts["refresh"].click, parts["period"].change, area.timer.tick):
            trigger(
                self.refresh_dashboard,
                inputs=inputs,
                outputs=outputs,
                api_visibility="private",
                show_progress="hidden",
                concurrency_limit=None,
            )
        area.logged_in.success(
            self.refresh_dashboard, inputs=inputs, outputs=outputs, api_visibility="private"
        )
        parts["export"].click(
            self.export,
            inputs=inputs,
            outputs=[parts["files"]],
            api_visibility="private",
            concurrency_limit=4,
        )

    async def refresh_dashboard(self, period: str, who: str) -> dict:
        parts = self.parts
        if not who:
            return {parts["summary"]: gr.skip()}
        try:
            data = await self.bridge.analytics(who, since_minutes=report.PERIODS.get(period))
        except UiError as error:
            return {parts["summary"]: f"**Erreur :** {error}"}
        tables = report.dashboard_tables(data)
        return {
            parts["summary"]: report.summary_markdown(data),
            **{parts[name]: tables[name] for name in TABLES},
        }

    async def export(self, period: str, who: str) -> Any:
        since = report.PERIODS.get(period)
        try:
            data = await self.bridge.analytics(who, since_minutes=since, limit=1000)
            csv_bytes = await self.bridge.export_csv(who, since_minutes=since)
        except UiError as error:
            gr.Warning(str(error))
            return gr.skip()
        paths = await asyncio.to_thread(report.export_files, data, csv_bytes, period=period)
        return [str(p) for p in paths]


def dashboard_layout() -> dict[str, Any]:
    """The tab's components, by name (built where this is called, inside the Blocks)."""
    parts: dict[str, Any] = {}
    gr.Markdown(
        "Les questions arrivent ici au fil du webinaire, **anonymisées** (seule la version "
        f"masquée est conservée). Actualisation automatique toutes les "
        f"{int(DASHBOARD_REFRESH_S)} secondes."
    )
    with gr.Row(equal_height=True):
        parts["period"] = gr.Dropdown(
            choices=list(report.PERIODS),
            value="Les 3 dernières heures",
            label="Période",
            scale=3,
        )
        parts["refresh"] = gr.Button("Actualiser", scale=1)
    parts["summary"] = gr.Markdown(elem_id="dashboard-summary")
    parts["questions"] = gr.Dataframe(
        headers=report.QUESTION_HEADERS,
        label="Questions du webinaire, les plus récentes d'abord",
        interactive=False,
        wrap=True,
        column_widths=["11%", "45%", "14%", "14%", "8%", "8%"],
        max_height=420,
        elem_id="dashboard-questions",
    )
    with gr.Row():
        parts["themes"] = gr.Dataframe(
            headers=report.COUNT_HEADERS_THEME, label="Par thème", interactive=False
        )
        parts["jobs"] = gr.Dataframe(
            headers=report.COUNT_HEADERS_JOB, label="Par métier", interactive=False
        )
    parts["refused"] = gr.Dataframe(
        headers=report.REFUSED_HEADERS,
        label="Questions que le corpus ne couvre pas",
        interactive=False,
        wrap=True,
        column_widths=["12%", "68%", "20%"],
    )
    parts["feedback"] = gr.Dataframe(
        headers=report.FEEDBACK_HEADERS,
        label="Avis récents des agents",
        interactive=False,
        wrap=True,
        column_widths=["12%", "14%", "74%"],
    )
    gr.Markdown(
        "### Rapport pour le comité\nExport de la période choisie : le rapport (Markdown, "
        "avec son graphique) et toutes les questions anonymisées (CSV, pour un tableur)."
    )
    parts["export"] = gr.Button("Exporter le rapport", variant="primary", elem_id="export")
    parts["files"] = gr.File(
        label="Fichiers du rapport",
        file_count="multiple",
        interactive=False,
        elem_id="export-files",
    )
    return parts
