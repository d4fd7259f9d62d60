"""Field feedback (« retours d'expérience »): agents share a use of AI they tried at work.

An agent says which job, task and tool, what they did, the result, the time saved, the risk
met and whether a trainer may ask them about it during a webinar (no contact detail is ever
stored). Every free text is scrubbed with the container's ``question_scrubber`` before it is
stored. Trainers moderate: ``nouveau`` → ``publie`` | ``rejete`` | ``fusionne`` (merged into
another retour). A published retour gives a « cas d'usage » Markdown draft in the corpus
format, which the trainer reviews then imports as any document.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select

from assistant.services.errors import Conflict, Invalid, NotFound
from assistant.storage.models import RetourRow
from assistant.storage.records import format_ts, utc_now

#: The approved tools of the corpus (corpus/cybersecurite/outils-approuves.md), or « autre ».
TOOLS: dict[str, str] = {
    "assistant-syndicat": "L'assistant IA du syndicat",
    "suite-bureautique": "Une fonction d'IA validée de la suite bureautique",
    "autre": "Autre outil",
}
#: What came of it; the first two count as a positive result in the priorities.
RESULTS: dict[str, str] = {
    "gain-de-temps": "Gain de temps",
    "qualite": "Meilleure qualité",
    "sans-effet": "Sans effet",
    "abandonne": "Abandonné",
}
POSITIVE_RESULTS = frozenset({"gain-de-temps", "qualite"})
STATUSES: dict[str, str] = {
    "nouveau": "Nouveau",
    "publie": "Publié",
    "rejete": "Rejeté",
    "fusionne": "Fusionné",
}
#: The keys of every retour as listed (CLI ``retours list --json``, API, committee report).
KEYS = (
    "id",
    "ts",
    "status",
    "job",
    "task",
    "tool",
    "result",
    "time_saved_minutes",
    "risk",
    "description",
    "finding_types",
    "contact_consent",
    "merged_into",
)
TASK_MAX_CHARS = 300
TEXT_MAX_CHARS = 4000
MAX_MINUTES_PER_WEEK = 2400  # 40 hours: a week of work


def _choices(options: dict[str, str]) -> str:
    return ", ".join(f"{key} ({label})" for key, label in options.items())


def _as_dict(row: RetourRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "ts": format_ts(row.ts),
        "status": row.status,
        "job": row.job,
        "task": row.task,
        "tool": row.tool,
        "result": row.result,
        "time_saved_minutes": row.time_saved_minutes,
        "risk": row.risk,
        "description": row.description,
        "finding_types": list(row.finding_types or []),
        "contact_consent": bool(row.contact_consent),
        "merged_into": row.merged_into,
    }


class RetoursService:
    """Share, list and moderate retours; every method is one short transaction."""

    def __init__(self, container: Any) -> None:
        self.container = container

    @property
    def _database(self) -> Any:
        return self.container.database

    # ---- agents ------------------------------------------------------------------------
    def submit(
        self,
        *,
        job: str | None,
        task: str,
        tool: str,
        description: str,
        result: str,
        time_saved_minutes: int | None = None,
        risk: str = "",
        contact_consent: bool = False,
    ) -> dict[str, Any]:
        """Store one retour, its free texts scrubbed; return it (keys of ``KEYS``) with
        ``masked``: the types of personal data masked, to show to the agent."""
        from assistant.services.jobs import JOBS, normalise_job

        job_key = normalise_job(job)
        if job_key is None:
            raise Invalid("Précisez votre métier : " + ", ".join(JOBS.values()) + ".")
        if tool not in TOOLS:
            raise Invalid(f"Outil inconnu : choisissez parmi {_choices(TOOLS)}.")
        if result not in RESULTS:
            raise Invalid(f"Résultat inconnu : choisissez parmi {_choices(RESULTS)}.")
        task, description, risk = (task or "").strip(), (description or "").strip(), (risk or "")
        if not task:
            raise Invalid("Décrivez la tâche concernée (par exemple « répondre au courrier »).")
        if not description:
            raise Invalid("Décrivez ce que vous avez fait avec l'outil.")
        if len(task) > TASK_MAX_CHARS:
            raise Invalid(f"La tâche est trop longue : {TASK_MAX_CHARS} caractères au plus.")
        if len(description) > TEXT_MAX_CHARS or len(risk) > TEXT_MAX_CHARS:
            raise Invalid(
                f"La description et le risque font chacun {TEXT_MAX_CHARS} caractères au plus."
            )
        if time_saved_minutes is not None and not 0 <= time_saved_minutes <= MAX_MINUTES_PER_WEEK:
            raise Invalid(
                "Le temps gagné s'exprime en minutes par semaine, entre 0 et "
                f"{MAX_MINUTES_PER_WEEK}."
            )
        texts, finding_types = self._scrub([task, description, risk.strip()])
        now = utc_now()
        values = {
            "ts": now,
            "status": "nouveau",
            "job": job_key,
            "task": texts[0],
            "tool": tool,
            "result": result,
            "time_saved_minutes": time_saved_minutes,
            "risk": texts[2],
            "description": texts[1],
            "finding_types": finding_types,
            "contact_consent": bool(contact_consent),
            "merged_into": None,
            "updated_at": now,
        }
        with self._database.session() as session:
            new_id = session.execute(insert(RetourRow).returning(RetourRow.id), [values]).scalar()
        stored = {key: values.get(key) for key in KEYS}
        stored.update(id=new_id, ts=format_ts(now))
        return {**stored, "masked": finding_types}

    def _scrub(self, texts: list[str]) -> tuple[list[str], list[str]]:
        """The texts scrubbed with one pseudonym vault (the same name gets the same
        placeholder in the task and the description) and the sorted types found."""
        from guardrails.pii import PiiInputError

        present = [t for t in texts if t]
        try:
            results = self.container.question_scrubber.scrub_many(present) if present else []
        except PiiInputError as error:
            raise Invalid(str(error)) from None
        scrubbed = iter(results)
        out, types = [], set()
        for text in texts:
            if not text:
                out.append("")
                continue
            result = next(scrubbed)
            out.append(result.text)
            types.update(f.type for f in result.findings)
        return out, sorted(types)

    # ---- trainers ----------------------------------------------------------------------
    def list(
        self,
        status: str | None = None,
        since: datetime | date | None = None,
        until: datetime | date | None = None,
    ) -> list[dict[str, Any]]:
        """Retours, oldest first, optionally of one status and within ``[since, until)``
        (a date means its midnight UTC; ``until`` as a date includes that whole day)."""
        if status is not None and status not in STATUSES:
            raise Invalid(f"Statut inconnu : choisissez parmi {', '.join(STATUSES)}.")
        query = select(RetourRow).order_by(RetourRow.id)
        if status is not None:
            query = query.where(RetourRow.status == status)
        start, end = period_bounds(since, until)
        if start is not None:
            query = query.where(RetourRow.ts >= start)
        if end is not None:
            query = query.where(RetourRow.ts < end)
        with self._database.session() as session:
            return [_as_dict(row) for row in session.execute(query).scalars()]

    def get(self, retour_id: int) -> dict[str, Any]:
        """One retour; ``NotFound`` if there is none with this id."""
        with self._database.session() as session:
            return _as_dict(self._row(session, retour_id))

    def publish(self, retour_id: int) -> dict[str, Any]:
        """``nouveau`` → ``publie``: it may now become a « cas d'usage » draft."""
        return self._move(retour_id, "publie")

    def reject(self, retour_id: int) -> dict[str, Any]:
        """``nouveau`` → ``rejete`` (purged with the log after the retention period)."""
        return self._move(retour_id, "rejete")

    def merge(self, retour_id: int, into: int) -> dict[str, Any]:
        """``nouveau`` → ``fusionne`` into ``into`` (a retour not itself rejected or merged):
        the same use shared twice counts once."""
        if retour_id == into:
            raise Invalid("Un retour ne peut pas être fusionné avec lui-même.")
        with self._database.session() as session:
            target = self._row(session, into)
            if target.status in ("rejete", "fusionne"):
                raise Conflict(
                    f"Le retour {into} est {STATUSES[target.status].lower()} : fusionnez "
                    "plutôt dans un retour nouveau ou publié."
                )
            row = self._row(session, retour_id)
            self._check_new(row)
            row.status, row.merged_into, row.updated_at = "fusionne", into, utc_now()
            return _as_dict(row)

    def draft(self, retour_id: int) -> tuple[str, str]:
        """The « cas d'usage » draft of a published retour: ``(file name, Markdown)`` with the
        corpus's front matter (corpus/README.md), to review then import as any document."""
        retour = self.get(retour_id)
        if retour["status"] != "publie":
            raise Conflict(
                f"Le retour {retour_id} n'est pas publié : publiez-le avant d'en tirer une fiche."
            )
        with self._database.session() as session:
            merged = session.execute(
                select(func.count()).where(RetourRow.merged_into == retour_id)
            ).scalar_one()
        return draft_markdown(retour, today=utc_now().date(), merged=int(merged))

    def _move(self, retour_id: int, status: str) -> dict[str, Any]:
        with self._database.session() as session:
            row = self._row(session, retour_id)
            self._check_new(row)
            row.status, row.updated_at = status, utc_now()
            return _as_dict(row)

    @staticmethod
    def _row(session: Any, retour_id: int) -> RetourRow:
        row = session.get(RetourRow, retour_id)
        if row is None:
            raise NotFound(f"Aucun retour d'expérience n'a l'identifiant {int(retour_id)}.")
        return row

    @staticmethod
    def _check_new(row: RetourRow) -> None:
        if row.status != "nouveau":
            raise Conflict(
                f"Le retour {row.id} est déjà {STATUSES[row.status].lower()} : seul un retour "
                "nouveau peut être publié, rejeté ou fusionné."
            )


#: A day in query strings and options: ``AAAA-MM-JJ`` only (not a timestamp).
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


def parse_day(value: str | None, name: str) -> date | None:
    """``AAAA-MM-JJ`` as a date (None stays None); ``Invalid`` names ``name`` otherwise."""
    if value is None or value == "":
        return None
    try:
        if not re.match(DAY_PATTERN, value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(
            f"Date illisible pour {name} : attendu AAAA-MM-JJ (par exemple 2026-12-01)."
        ) from None


def period_bounds(
    since: datetime | date | None, until: datetime | date | None
) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` as aware UTC datetimes; a date ``until`` includes its whole day."""
    from datetime import timedelta

    def bound(value: datetime | date | None, *, end: bool) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
        moment = datetime(value.year, value.month, value.day, tzinfo=UTC)
        return moment + timedelta(days=1) if end else moment

    start, end = bound(since, end=False), bound(until, end=True)
    if start is not None and end is not None and end <= start:
        raise Invalid("La période est vide : la date de fin précède la date de début.")
    return start, end


def _one_line(text: str) -> str:
    """One line, without the characters that would break a YAML double-quoted title."""
    return re.sub(r"\s+", " ", text.replace("\\", " ").replace('"', "'")).strip()


def draft_markdown(retour: dict[str, Any], *, today: date, merged: int = 0) -> tuple[str, str]:
    """The corpus document of a published retour: ``(file name, Markdown)``; ``merged``: how
    many other retours were merged into it (the same use, shared again)."""
    from assistant.services.jobs import JOBS

    job = JOBS.get(retour["job"], retour["job"])
    task = _one_line(retour["task"]).rstrip(" .")
    doc_id = f"cas-usage-retour-{retour['id']}"
    title = f"Retour d'expérience : {task[:1].upper()}{task[1:]} ({job.lower()})"
    minutes = retour["time_saved_minutes"]
    saved = f"environ {minutes} minutes par semaine" if minutes else "non chiffré par l'agent"
    risk = retour["risk"].strip() or "Aucun risque particulier signalé par l'agent."
    lines = [
        "---",
        f"id: {doc_id}",
        f'title: "{title}"',
        "theme: cas-usage",
        f"audience: {job.lower()}",
        'version: "1.0"',
        f"updated: {today.isoformat()}",
        "---",
        "",
        f"# {title}",
        "",
        f"## Le contexte de ce retour d'expérience en {job.lower()}",
        "",
        f"Un agent du métier « {job} » a partagé l'usage de l'IA qu'il a essayé pour la tâche "
        f"suivante : {task}. Outil utilisé : {TOOLS.get(retour['tool'], retour['tool'])}."
        + (f" {merged} autre(s) agent(s) ont partagé le même usage." if merged else ""),
        "",
        f"## Ce que l'agent a fait avec l'IA pour : {task}",
        "",
        retour["description"].strip(),
        "",
        f"## Le résultat obtenu et le temps gagné pour : {task}",
        "",
        f"- Résultat : {RESULTS.get(retour['result'], retour['result'])}.",
        f"- Temps gagné : {saved}.",
        "",
        f"## Les risques rencontrés et les précautions pour : {task}",
        "",
        risk,
        "",
        "Avant de reproduire cet usage : ne saisir aucune donnée personnelle (anonymiser avec "
        "« Vérifier mon texte »), passer par un outil approuvé par le syndicat, relire et "
        "vérifier chaque résultat, et garder la décision à un agent.",
    ]
    return f"{doc_id}.md", "\n".join(lines)
