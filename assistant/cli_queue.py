"""`assistant queue …`: the trainers' queue « Questions à traiter » on the command line
(registered by assistant/cli.py; the rules live in ``assistant.services.queue``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON pour les machines.")]


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


queue_app = typer.Typer(
    help="La file « Questions à traiter » : questions refusées, réponses approximatives et 👎, "
    "regroupées par sujet.",
    no_args_is_help=True,
)


def _queue_service():
    """The queue's service over the container's records (or one French line and exit 1)."""
    from assistant.cli import _container, _records
    from assistant.services.queue import QueueService

    container = _container()
    _records(container)
    return QueueService(container)


def _service_call(action):
    """Run ``action``; a service's refusal becomes one French line and exit code 1."""
    from assistant.cli import _fail_line
    from assistant.services.errors import ServiceError

    try:
        return action()
    except ServiceError as error:
        _fail_line(str(error), 1)


@queue_app.command("list")
def queue_list(
    status: Annotated[
        str,
        typer.Option(help="open (la file, par défaut), linked, drafted, out_of_scope ou all."),
    ] = "open",
    as_json: JsonOption = False,
) -> None:
    """Lister les groupes de questions, les plus gros et les plus récents d'abord."""
    service = _queue_service()
    groups = _service_call(lambda: service.groups(status=None if status == "all" else status))
    if as_json:
        _print_json(groups)
        return
    from rich.table import Table

    if not groups:
        console.print("Aucun groupe de questions dans cet état.")
        return
    table = Table("Groupe", "Questions", "Dernière", "Exemple", "Section proche")
    for group in groups:
        nearest = group["nearest"][0] if group["nearest"] else None
        table.add_row(
            group["id"],
            str(group["count"]),
            group["last_ts"],
            group["examples"][0] if group["examples"] else "",
            f"{nearest['doc_id']} — {nearest['section']}" if nearest else "",
        )
    console.print(table)


@queue_app.command("link")
def queue_link(
    group_id: Annotated[str, typer.Argument(help="Identifiant du groupe (queue list).")],
    doc_id: Annotated[str, typer.Argument(help="Identifiant du document qui répond.")],
    section: Annotated[str, typer.Argument(help="Titre de la section qui répond.")],
) -> None:
    """Relier un groupe à la section qui y répond : ses questions y sont alors répondues."""
    service = _queue_service()
    _service_call(lambda: service.link(group_id, doc_id, section))
    console.print(f"Groupe {group_id} relié à « {section} » ({doc_id}).")


@queue_app.command("out-of-scope")
def queue_out_of_scope(
    group_id: Annotated[str, typer.Argument(help="Identifiant du groupe (queue list).")],
) -> None:
    """Sortir un groupe de la file : hors du périmètre, ses questions restent refusées."""
    service = _queue_service()
    _service_call(lambda: service.out_of_scope(group_id))
    console.print(f"Groupe {group_id} classé hors périmètre.")


@queue_app.command("draft")
def queue_draft(
    group_id: Annotated[str, typer.Argument(help="Identifiant du groupe (queue list).")],
    out: Annotated[Path, typer.Option("--out", help="Fichier Markdown à écrire.")],
) -> None:
    """Écrire un brouillon de fiche (format du corpus) à partir des questions d'un groupe."""
    service = _queue_service()
    markdown = _service_call(lambda: service.draft(group_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown, encoding="utf-8")
    console.print(f"Brouillon écrit : {out} (à relire, puis `assistant ingest`).")


@queue_app.command("dataset")
def queue_dataset(
    out: Annotated[Path, typer.Option("--out", help="Fichier YAML à écrire.")],
) -> None:
    """Exporter le jeu « terrain » (questions des groupes reliés) pour `pytest eval/`."""
    import yaml

    items = _queue_service().dataset()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    console.print(f"{len(items)} question(s) terrain écrite(s) : {out}")
