"""The `assistant retours …` and `assistant priorities` commands (registered by cli.py).

Helpers of ``assistant.cli`` (container, records, French failures) are imported inside the
commands: this module is imported at the end of ``assistant.cli``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON pour les machines.")]


def _cli():
    """``assistant.cli``: its container, records and French failures (imported late, since
    that module imports this one)."""
    from assistant import cli

    return cli


retours_app = typer.Typer(
    help="Retours d'expérience des agents : lister, publier, rejeter, fusionner, brouillon de "
    "fiche « cas d'usage ».",
    no_args_is_help=True,
)
RetourIdArgument = Annotated[int, typer.Argument(min=1, help="Identifiant du retour.")]
DateOption = Annotated[
    str | None, typer.Option(help="Date AAAA-MM-JJ (incluse).", show_default=False)
]


def _date(value: str | None, option: str):
    from assistant.services.errors import ServiceError
    from assistant.services.retours import parse_day

    try:
        return parse_day(value, option)
    except ServiceError as error:
        _cli()._fail_line(str(error))


def _retours_call(action, *args):
    """Run a RetoursService action; a refusal is one French line on stderr and exit code 1."""
    from assistant.services.errors import ServiceError
    from assistant.services.retours import RetoursService

    container = _cli()._container()
    _cli()._records(container)
    try:
        return action(RetoursService(container), *args)
    except ServiceError as error:
        _cli()._fail_line(str(error), 1)


def _report(data, as_json: bool, message: str) -> None:
    if as_json:
        _cli()._print_json(data)
    else:
        _cli().console.print(message)


@retours_app.command("list")
def retours_list(
    status: Annotated[
        str | None,
        typer.Option(help="Statut : nouveau, publie, rejete ou fusionne.", show_default=False),
    ] = None,
    since: DateOption = None,
    until: DateOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lister les retours d'expérience (anonymisés), les plus anciens d'abord."""
    start, end = _date(since, "--since"), _date(until, "--until")
    retours = _retours_call(lambda service: service.list(status, start, end))
    if as_json:
        _cli()._print_json(retours)
        return
    from assistant.services.jobs import JOBS

    table = Table("id", "date", "statut", "métier", "tâche", "résultat", "min/sem.")
    for retour in retours:
        table.add_row(
            str(retour["id"]),
            retour["ts"][:10],
            retour["status"],
            JOBS.get(retour["job"], retour["job"]),
            retour["task"],
            retour["result"],
            "" if retour["time_saved_minutes"] is None else str(retour["time_saved_minutes"]),
        )
    _cli().console.print(table if retours else "Aucun retour d'expérience.")


@retours_app.command("publish")
def retours_publish(retour_id: RetourIdArgument, as_json: JsonOption = False) -> None:
    """Publier un retour nouveau (il peut alors devenir une fiche « cas d'usage »)."""
    retour = _retours_call(lambda service: service.publish(retour_id))
    _report(retour, as_json, f"Retour {retour_id} publié.")


@retours_app.command("reject")
def retours_reject(retour_id: RetourIdArgument, as_json: JsonOption = False) -> None:
    """Rejeter un retour nouveau."""
    retour = _retours_call(lambda service: service.reject(retour_id))
    _report(retour, as_json, f"Retour {retour_id} rejeté.")


@retours_app.command("merge")
def retours_merge(
    retour_id: RetourIdArgument,
    into: Annotated[int, typer.Argument(min=1, help="Le retour conservé.")],
    as_json: JsonOption = False,
) -> None:
    """Fusionner un retour nouveau dans un autre (le même usage compte une fois)."""
    retour = _retours_call(lambda service: service.merge(retour_id, into))
    _report(retour, as_json, f"Retour {retour_id} fusionné dans {into}.")


@retours_app.command("draft")
def retours_draft(
    retour_id: RetourIdArgument,
    out: Annotated[Path, typer.Option("--out", help="Fichier Markdown à écrire.")],
) -> None:
    """Écrire le brouillon de fiche « cas d'usage » d'un retour publié, à relire puis
    importer (`assistant ingest FICHIER`)."""
    name, markdown = _retours_call(lambda service: service.draft(retour_id))
    try:
        out.write_text(markdown, encoding="utf-8")
    except OSError as error:
        _cli()._fail_line(f"Écriture impossible de {out} : {error.strerror or error}.", 1)
    _cli().console.print(
        f"Brouillon écrit : {out} (nom conseillé dans le corpus : cas-usage/{name})."
    )


def priorities(
    since: DateOption = None,
    until: DateOption = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Écrire aussi le classement en CSV.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Classer par métier les cas d'usage que les agents demandent et rapportent."""
    from assistant.services.errors import ServiceError
    from assistant.services.priorities import compute_priorities, priorities_csv

    start, end = _date(since, "--since"), _date(until, "--until")
    container = _cli()._container()
    _cli()._records(container)
    try:
        result = compute_priorities(container, start, end)
    except ServiceError as error:
        _cli()._fail_line(str(error), 1)
    if csv_out is not None:
        csv_out.write_text(priorities_csv(result), encoding="utf-8")
    if as_json:
        _cli()._print_json(result)
        return
    from assistant.services.jobs import JOBS

    table = Table("métier", "rang", "cas d'usage", "questions", "sessions", "retours", "score")
    for item in result["items"]:
        table.add_row(
            JOBS.get(item["job"], "Non précisé"),
            str(item["rank"]),
            item["use_case"],
            str(item["questions"]),
            str(item["sessions"]),
            str(item["retours"]),
            f"{item['score']:.1f}",
        )
    _cli().console.print(table if result["items"] else "Aucune question ni retour sur la période.")
    _cli().console.print(result["method"])
