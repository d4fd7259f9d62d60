"""The jobs an agent may declare, for the webinar statistics, the retours and the priorities.

Owned by the services (the API's schemas, the page and the CLI read them from here): a rule on
what a job is holds on every channel.
"""

from __future__ import annotations

from assistant.ingestion.pipeline import slugify

#: Jobs an agent may declare, for the webinar statistics (anything else counts as "autre").
JOBS: dict[str, str] = {
    "secretariat": "Secrétariat de mairie",
    "rh": "Ressources humaines",
    "urbanisme": "Urbanisme",
    "social": "Action sociale",
    "etat-civil": "État civil",
    "finances": "Finances",
    "communication": "Communication",
    "numerique": "Numérique et informatique",
    "elu": "Élu ou élue",
    "direction": "Direction générale",
    "autre": "Autre",
}
_JOB_ALIASES = {slugify(label): key for key, label in JOBS.items()}


def normalise_job(value: str | None) -> str | None:
    """A known job key, ``autre`` for anything else, None if not given (free text never kept)."""
    if value is None or not value.strip():
        return None
    slug = slugify(value)
    return slug if slug in JOBS else _JOB_ALIASES.get(slug, "autre")
