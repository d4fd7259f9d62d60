"""The `assistant` command line (Typer). Messages are French; `--json` is for machines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.offline import apply_offline_defaults

if TYPE_CHECKING:
    from assistant.api.app import MountUi
    from assistant.container import Container
    from assistant.storage import QuestionLog

apply_offline_defaults()

PANEL = "Commandes"
app = typer.Typer(
    name="assistant",
    help="Assistant IA souverain du syndicat : répond aux agents à partir de la charte IA et "
    "des fiches de bonnes pratiques, sans jamais transmettre de donnée personnelle au modèle.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
docs_app = typer.Typer(
    help="Lister, consulter, retirer ou valider les documents du corpus.", no_args_is_help=True
)
eval_app = typer.Typer(help="Suivi de la qualité des réponses.", no_args_is_help=True)
app.add_typer(docs_app, name="docs", rich_help_panel=PANEL)
app.add_typer(eval_app, name="eval", rich_help_panel=PANEL)

console = Console()
errors = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Sortie JSON pour les machines.")]


def _container() -> Container:
    """The one container of this command, from the settings; one French line and exit 1 when
    the settings are invalid."""
    from assistant.container import Container
    from assistant.settings import SettingsError, get_settings

    try:
        return Container(get_settings())
    except SettingsError as error:
        _fail_line(str(error))


def _records(container: Container) -> QuestionLog:
    """The container's records (database opened and migrated), or one French line and exit 1."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return container.records
    except SQLAlchemyError as error:
        from assistant.storage import database_url

        url = database_url(
            container.settings.database.url.get_secret_value(), container.settings.data_dir
        ).render_as_string(hide_password=True)
        reason = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
        _fail_line(
            f"Base des enregistrements inaccessible ({url}) : {reason} — vérifiez "
            "ASSISTANT_DATABASE__URL.",
            1,
        )


def _fail_line(message: str, code: int = 2):
    """Stop with one plain French line on stderr (no traceback, no wrapping)."""
    sys.stderr.write(message + "\n")
    raise typer.Exit(code)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


# ---- doctor -------------------------------------------------------------------------------
@app.command(rich_help_panel=PANEL)
def doctor(as_json: JsonOption = False) -> None:
    """Vérifier la configuration : données, moteurs, base vectorielle, spaCy, télémétrie."""
    from assistant.doctor import as_json as doctor_json
    from assistant.doctor import can_serve, run_checks

    container = _container()
    checks = run_checks(container)
    if as_json:
        _print_json(doctor_json(checks))
    else:
        table = Table(title="Diagnostic de l'assistant", show_lines=False)
        table.add_column("élément")
        table.add_column("état")
        table.add_column("détail")
        for check in checks:
            mark = (
                "[green]OK[/green]"
                if check.ok
                else ("[red]ÉCHEC[/red]" if check.required else "[yellow]ATTENTION[/yellow]")
            )
            table.add_row(check.name, mark, check.detail)
        console.print(table)
        verdict = can_serve(checks)
        console.print(
            "[green]L'assistant peut servir.[/green]"
            if verdict
            else "[red]L'assistant ne peut pas servir : corrigez les éléments en échec.[/red]"
        )
    raise typer.Exit(0 if can_serve(checks) else 1)


# ---- ingestion ----------------------------------------------------------------------------
@app.command(rich_help_panel=PANEL)
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Fichiers ou dossiers à importer.")],
    as_json: JsonOption = False,
) -> None:
    """Importer des documents (md, txt, html, pdf, docx, odt) : ajout ou nouvelle version."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from assistant.ingestion.pipeline import expand_paths

    container = _container()
    files = expand_paths(paths)
    if not files:
        errors.print("[red]Aucun fichier pris en charge dans les chemins donnés.[/red]")
        raise typer.Exit(1)
    outcomes = []
    index = container.index
    if index.import_in_progress_elsewhere():
        errors.print(
            "[yellow]Un autre import est en cours (serveur ou autre commande) : "
            "attente de sa fin…[/yellow]"
        )
    with (
        index.importing(),
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=errors,
            disable=as_json or not errors.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("Import des documents", total=len(files))
        stage = _StageProgress(progress)
        for path in files:
            progress.update(task, description=f"Import de {path.name}")
            outcomes.append(container.ingestor.ingest_file(path, stage))
            stage.done()
            progress.advance(task)
    if as_json:
        _print_json([o.to_dict() for o in outcomes])
    else:
        table = Table(title="Rapport d'import")
        for column in ("fichier", "état", "passages", "données masquées", "message"):
            table.add_column(column)
        for o in outcomes:
            pii = ", ".join(f"{k} : {v}" for k, v in sorted(o.pii_redacted.items())) or "—"
            colour = {"failed": "red", "quarantined": "yellow"}.get(o.status, "green")
            table.add_row(
                o.source, f"[{colour}]{o.status_fr}[/{colour}]", str(o.chunks), pii, o.message
            )
        console.print(table)
    raise typer.Exit(0 if all(o.ok for o in outcomes) else 1)


class _StageProgress:
    """A second bar for the file being imported: its stage and its passages (an ImportObserver)."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.task = None

    def stage(self, stage: str, total: int = 0) -> None:
        from assistant.ingestion.pipeline import STAGES_FR

        self.done()
        label = f"  {STAGES_FR[stage][:1].upper()}{STAGES_FR[stage][1:]}"
        self.task = self.progress.add_task(label, total=total or None)

    def advance(self, done: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=done)

    def should_stop(self) -> bool:
        return False

    def done(self) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None


@docs_app.command("list")
def docs_list(as_json: JsonOption = False) -> None:
    """Lister les documents du corpus (version, date, passages, état)."""
    records = _container().manifest.documents()
    if as_json:
        from dataclasses import asdict

        _print_json(
            [
                {k: v for k, v in asdict(r).items() if k != "chunk_ids"}
                | {"chunks": len(r.chunk_ids)}
                for r in records
            ]
        )
        return
    table = Table(title=f"Corpus : {len(records)} documents")
    for column in ("identifiant", "titre", "thème", "version", "mis à jour", "passages", "état"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.doc_id,
            r.title,
            r.theme,
            r.version,
            r.updated or r.ingested_at[:10],
            str(len(r.chunk_ids)),
            "indexé" if r.status == "indexed" else "quarantaine",
        )
    console.print(table)


@docs_app.command("show")
def docs_show(
    doc_id: Annotated[str, typer.Argument(help="Identifiant du document.")],
    as_json: JsonOption = False,
) -> None:
    """Afficher un document : métadonnées, rapport d'import et sections."""
    from dataclasses import asdict

    container = _container()
    record = container.index.manifest.get(doc_id)
    if record is None:
        errors.print(f"[red]Aucun document ne porte l'identifiant « {doc_id} ».[/red]")
        raise typer.Exit(1)
    chunks = container.index.get_chunks(record.chunk_ids)
    sections = list(dict.fromkeys(c.metadata.get("section_path", "") for c in chunks))
    if as_json:
        _print_json(asdict(record) | {"sections": sections})
        return
    console.print(
        f"[bold]{record.title}[/bold] ({record.doc_id}) — thème {record.theme}, "
        f"version {record.version}, {len(record.chunk_ids)} passages, "
        f"état : {'indexé' if record.status == 'indexed' else 'quarantaine'}"
    )
    if record.pii_redacted:
        console.print(
            "Données personnelles masquées : "
            + ", ".join(f"{k} : {v}" for k, v in sorted(record.pii_redacted.items()))
        )
    for signal in record.injection_signals:
        console.print(
            f"[yellow]Signal d'injection : {signal.get('label', signal.get('rule'))}[/yellow]"
        )
    for section in sections:
        console.print(f"  • {section}")


@docs_app.command("remove")
def docs_remove(
    doc_id: Annotated[str, typer.Argument(help="Identifiant du document.")],
    as_json: JsonOption = False,
) -> None:
    """Retirer un document et tous ses passages des index."""
    record = _container().ingestor.remove(doc_id)
    if as_json:
        _print_json({"removed": record is not None, "doc_id": doc_id})
    if record is None:
        if not as_json:
            errors.print(f"[red]Aucun document ne porte l'identifiant « {doc_id} ».[/red]")
        raise typer.Exit(1)
    if not as_json:
        console.print(f"« {record.title} » retiré ({len(record.chunk_ids)} passages).")


@docs_app.command("approve")
def docs_approve(
    doc_id: Annotated[str, typer.Argument(help="Identifiant du document.")],
    as_json: JsonOption = False,
) -> None:
    """Valider un document en quarantaine après vérification : il est alors indexé."""
    outcome = _container().ingestor.approve(doc_id)
    if as_json:
        _print_json(outcome.to_dict())
    else:
        console.print(outcome.message)
    raise typer.Exit(0 if outcome.ok else 1)


# ---- questions ----------------------------------------------------------------------------
@app.command(rich_help_panel=PANEL)
def ask(
    question: Annotated[str, typer.Argument(help="La question, en français.")],
    theme: Annotated[str | None, typer.Option(help="Limiter la recherche à un thème.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Poser une question : réponse, sources citées et données masquées."""
    container = _container()
    container.backends.refresh_sync()
    record = container.chat_engine.ask(question, theme=theme, restore=False)
    if as_json:
        _print_json(
            {
                "answer": record.answer_scrubbed,
                "citations": [
                    {k: c[k] for k in ("n", "doc_id", "title", "section", "page", "theme", "score")}
                    for c in record.citations
                ],
                "refused": record.refused,
                "coverage": record.coverage,
                "backend": record.backend,
                "scrubbed_question": record.scrubbed_question,
                "findings": sorted({f["type"] for f in record.findings}),
                "timings": record.timings,
            }
        )
        return
    if record.findings:
        console.print(
            f"[yellow]{len(record.findings)} donnée(s) personnelle(s) masquée(s) avant "
            f"d'interroger le modèle : "
            + ", ".join(f["placeholder"] for f in record.findings)
            + "[/yellow]"
        )
    console.print(record.answer_scrubbed)
    if record.citations:
        console.print("\n[bold]Sources[/bold]")
        for c in record.citations:
            page = f", page {c['page']}" if c["page"] else ""
            console.print(f"  [{c['n']}] {c['title']} — {c['section']}{page}")
    console.print(f"\n[dim]Moteur : {record.backend}[/dim]")


@app.command(rich_help_panel=PANEL)
def scrub(
    text: Annotated[
        str | None, typer.Argument(help="Texte à analyser ; sinon l'entrée standard.")
    ] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Une ligne JSON {"text": …} par ligne d\'entrée.')
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Masquer les données personnelles d'un texte (argument ou entrée standard)."""
    from guardrails.pii import PiiInputError

    scrubber = _container().question_scrubber
    if jsonl:
        status = 0
        for number, line in enumerate(sys.stdin, start=1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
                result = scrubber.scrub(str(payload["text"]))
                _print_json(
                    {"text": result.text, "findings": [f.to_dict() for f in result.findings]}
                )
            except (json.JSONDecodeError, KeyError, TypeError):
                _print_json(
                    {"error": f'Ligne {number} : JSON invalide, objet {{"text": …}} attendu.'}
                )
                status = 1
            except PiiInputError as error:
                _print_json({"error": f"Ligne {number} : {error}"})
                status = 1
        raise typer.Exit(status)
    source = text if text is not None else sys.stdin.read()
    try:
        result = scrubber.scrub(source)
    except PiiInputError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    if as_json:
        _print_json({"text": result.text, "findings": [f.to_dict() for f in result.findings]})
    else:
        sys.stdout.write(result.text + ("\n" if not result.text.endswith("\n") else ""))
        if result.findings:
            summary = ", ".join(f"{k} : {v}" for k, v in sorted(result.counts.items()))
            errors.print(
                f"[yellow]{len(result.findings)} donnée(s) masquée(s) — {summary}[/yellow]"
            )


# ---- serving ------------------------------------------------------------------------------
@app.command(rich_help_panel=PANEL)
def serve(
    host: Annotated[str | None, typer.Option(help="Adresse d'écoute.")] = None,
    port: Annotated[int | None, typer.Option(help="Port d'écoute.")] = None,
    ingest_if_empty: Annotated[
        bool, typer.Option(help="Importer le corpus livré si l'index est vide.")
    ] = True,
) -> None:
    """Servir l'interface, l'API et le point d'accès compatible OpenAI."""
    container = _container()
    _records(container)  # schema migrated, old JSON-lines logs imported, before anything else
    if (
        ingest_if_empty
        and not container.index.documents()
        and container.settings.corpus_dir.is_dir()
    ):
        console.print(f"Index vide : import du corpus livré ({container.settings.corpus_dir})…")
        outcomes = container.ingestor.ingest_paths([container.settings.corpus_dir])
        done = sum(1 for o in outcomes if o.ok)
        console.print(f"{done} documents importés sur {len(outcomes)}.")
    from assistant.api.app import run_server

    run_server(
        container,
        host=host or container.settings.server.host,
        port=port or container.settings.server.port,
        ui=load_ui(container.settings.server.ui),
    )


def load_ui(target: str) -> MountUi | None:
    """The UI mounter named ``module:function`` (the ``server.ui`` setting), or None when the
    setting is empty. The API package never imports a UI itself: the entry point chooses."""
    if not target.strip():
        return None
    module_name, _, attribute = target.strip().partition(":")
    import importlib

    return getattr(importlib.import_module(module_name), attribute or "mount_ui")


@app.command(rich_help_panel=PANEL)
def purge(
    older_than_days: Annotated[
        int | None,
        typer.Option(
            "--older-than-days",
            min=0,
            help="Âge en jours au-delà duquel supprimer (défaut : la durée de conservation, "
            "ASSISTANT_PRIVACY__QUESTION_LOG_RETENTION_DAYS).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Supprimer les questions, avis et retours d'expérience non publiés trop anciens."""
    container = _container()
    settings = container.settings
    days = (
        older_than_days
        if older_than_days is not None
        else settings.privacy.question_log_retention_days
    )
    removed = _records(container).purge(days)
    if as_json:
        _print_json({"older_than_days": days, "removed": removed})
        return
    console.print(
        f"{removed['questions']} question(s) et {removed['feedback']} avis supprimé(s) "
        f"(plus anciens que {days} jours)."
    )
    console.print(f"{removed.get('retours', 0)} retour(s) d'expérience non publié(s) supprimé(s).")


@app.command("hash-password", rich_help_panel=PANEL)
def hash_password(
    password: Annotated[
        str | None,
        typer.Option(help="Mot de passe ; sans cette option, il est demandé deux fois, sans écho."),
    ] = None,
) -> None:
    """Calculer l'empreinte d'un mot de passe de formateur pour ASSISTANT_AUTH__TRAINERS.

    Seule l'empreinte est écrite sur la sortie standard, sur une ligne : `assistant
    hash-password >> fichier` ou une substitution de commande la récupèrent telle quelle.
    """
    from assistant.security import hash_password as make_hash

    if password is None:
        # The questions go to stderr, so that stdout holds the hash alone.
        password = typer.prompt("Mot de passe", hide_input=True, err=True)
        again = typer.prompt("Confirmez le mot de passe", hide_input=True, err=True)
        if again != password:
            _fail_line("Les deux saisies diffèrent : recommencez.", 1)
    # Plain stdout, not Rich: Rich wraps at 80 columns when piped, which cut the hash in two.
    sys.stdout.write(make_hash(password) + "\n")


def main() -> None:  # pragma: no cover - console script
    app()


# ---- evaluation ---------------------------------------------------------------------------
@eval_app.command("report")
def eval_report(
    output: Annotated[Path, typer.Option(help="Dossier du rapport.")] = Path("eval/rapport"),
) -> None:
    """Écrire le rapport Markdown et le graphique d'évolution des métriques de qualité."""
    from assistant.evaluation.report import write_report

    path = write_report(output)
    console.print(f"Rapport écrit : {path}")


@eval_app.command("baseline")
def eval_baseline(
    profile: Annotated[str, typer.Option(help="Profil (embedded, ollama, openai).")] = "embedded",
) -> None:
    """Enregistrer la dernière exécution du profil comme nouvelle référence (choix explicite)."""
    from assistant.evaluation.datasets import EVAL_DIR
    from assistant.evaluation.runner import read_history

    runs = [entry for entry in read_history() if entry["profile"] == profile]
    if not runs:
        _fail_line(f"Aucune exécution du profil « {profile} » : lancez d'abord `pytest eval/`.", 1)
    latest = runs[-1]
    path = EVAL_DIR / "baselines" / f"{profile}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    baseline = {k: latest[k] for k in ("date", "commit", "profile", "models", "metrics")}
    path.write_text(json.dumps(baseline, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    console.print(f"Référence « {profile} » enregistrée depuis l'exécution du {latest['date']}.")


# ---- committee's bilan --------------------------------------------------------------------
@app.command(rich_help_panel=PANEL)
def bilan(
    out: Annotated[Path, typer.Option("--out", help="Fichier à écrire.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="Premier jour (AAAA-MM-JJ) ; défaut : il y a 90 jours."),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Dernier jour (AAAA-MM-JJ) ; défaut : aujourd'hui.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="odt, docx, pdf ou md (Markdown ; .zip : avec figures).")
    ] = "pdf",
    as_json: JsonOption = False,
) -> None:
    """Écrire le bilan de la phase d'expérimentation pour le Comité syndical.

    Chiffres de la base des enregistrements (questions anonymisées, avis) et de l'historique
    de qualité ; en Markdown, les figures sont écrites à côté du fichier (ou dans le zip si
    le nom finit par .zip).
    """
    from assistant.services.bilan import BilanService
    from assistant.services.errors import ServiceError

    container = _container()
    _records(container)
    if out.parent and not out.parent.is_dir():
        _fail_line(f"Dossier introuvable : {out.parent}", 2)
    try:
        written = BilanService(container).write(start, end, fmt, out)
    except ServiceError as error:
        _fail_line(str(error), 2)
    if as_json:
        _print_json({"path": str(written), "format": fmt, "bytes": written.stat().st_size})
        return
    console.print(f"Bilan écrit : {written}")


# ---- retours d'expérience and priority use cases (commands in assistant/cli_retours.py) ------
from assistant.cli_retours import priorities, retours_app  # noqa: E402

app.add_typer(retours_app, name="retours", rich_help_panel=PANEL)
app.command(rich_help_panel=PANEL)(priorities)
# ---- the trainers' queue « Questions à traiter » (its commands: assistant/cli_queue.py) ------
from assistant.cli_queue import queue_app  # noqa: E402 - after the helpers it uses

app.add_typer(queue_app, name="queue", rich_help_panel=PANEL)
