"""French labels, number formats and colours shared by the bilan and the page.

Moved here from ``ui/texts.py``, ``ui/theme.py`` and ``ui/report.py`` (which import them back):
the core never imports the UI, and the bilan's writers and the page print the same words in
the same colours.
"""

from __future__ import annotations

from datetime import UTC, datetime

SYNDICATE = "Territoires Numériques"

#: The syndicate's colours (the page's theme, ui/theme.py, takes them from here).
BLUE_FRANCE = "#000091"
TEXT = "#161616"
BLUE = BLUE_FRANCE
RED = "#ce0500"
GREY = "#666666"
LIGHT_BLUE = "#e8edff"
INK = TEXT

__all__ = [
    "BLUE_FRANCE",
    "EXTRACTIVE_MODE",
    "PII_LABELS",
    "TEXT",
    "THEME_LABELS",
    "backend_label",
    "BLUE",
    "GREY",
    "INK",
    "LIGHT_BLUE",
    "RED",
    "SYNDICATE",
    "engine_label",
    "job_label",
    "local_zone",
    "number",
    "percent",
    "pii_label",
    "share",
    "theme_label",
    "when",
]


THEME_LABELS = {
    "charte": "Charte",
    "donnees-personnelles": "Données personnelles",
    "cybersecurite": "Cybersécurité",
    "numerique-responsable": "Numérique responsable",
    "cas-usage": "Cas d'usage",
    "limites-ia": "Limites de l'IA",
    "juridique": "Juridique",
    "offre-syndicat": "Offre du syndicat",
    "glossaire": "Glossaire",
    "non-classe": "Non classé",
    "aucun": "Aucun (sans réponse du corpus)",
}

PII_LABELS = {
    "PERSONNE": "nom de personne",
    "TÉLÉPHONE": "numéro de téléphone",
    "EMAIL": "adresse électronique",
    "NIR": "numéro de sécurité sociale",
    "IBAN": "coordonnées bancaires (IBAN)",
    "SIRET": "numéro SIRET",
    "SIREN": "numéro SIREN",
    "PASSEPORT": "numéro de passeport",
    "CNI": "numéro de carte d'identité",
    "PLAQUE": "plaque d'immatriculation",
    "ADRESSE": "adresse postale",
    "DATE_NAISSANCE": "date de naissance",
    "ALLOCATAIRE": "numéro d'allocataire (CAF, MSA)",
    "PARCELLE": "référence cadastrale",
    "DOSSIER_URBANISME": "numéro de dossier d'urbanisme",
    "NUMÉRO_FISCAL": "numéro fiscal ou référence d'avis d'impôt",
    "FRANCE_TRAVAIL": "identifiant France Travail",
    "PERMIS_CONDUIRE": "numéro de permis de conduire",
    "ACTE_ÉTAT_CIVIL": "numéro d'acte d'état civil",
    "INE": "identifiant national élève (INE)",
    "NUMÉRO_ÉLECTEUR": "numéro national d'électeur",
    "NUMÉRO_CLIENT": "numéro de client, d'abonné ou de famille",
}

EXTRACTIVE_MODE = "mode extractif : réponses composées d'extraits du corpus, sans modèle de langage"


def theme_label(theme: str | None) -> str:
    if not theme:
        return THEME_LABELS["aucun"]
    return THEME_LABELS.get(theme, theme)


def pii_label(kind: str) -> str:
    return PII_LABELS.get(kind, kind.lower())


def backend_label(backend: str, model: str = "") -> str:
    """How an answer was produced, from ``AnswerRecord.backend`` (or the backend in use)."""
    if backend in ("extractive", "extractif"):
        return EXTRACTIVE_MODE
    if backend == "refus":
        return "aucune réponse : le corpus ne couvre pas la question"
    if backend == "passages-proches":
        return "passages les plus proches du corpus, sans modèle de langage"
    if "→extractive" in backend:
        name = backend.split("→", 1)[0]
        return f"le modèle de langage ({name}) n'a pas pu répondre : {EXTRACTIVE_MODE}"
    named = {"ollama": "Ollama", "openai": "serveur compatible OpenAI"}.get(backend, backend)
    suffix = f", modèle « {model} »" if model and model != "extractif" else ""
    return f"modèle de langage local ({named}{suffix})"


engine_label = backend_label


def _jobs() -> dict[str, str]:
    from assistant.services.jobs import JOBS

    return JOBS


def job_label(job: str | None, jobs: dict[str, str] | None = None) -> str:
    """« Secrétariat de mairie » for ``secretariat``; « Non précisé » when none was given."""
    if not job or job == "non précisé":
        return "Non précisé"
    return (jobs if jobs is not None else _jobs()).get(job, job)


def percent(part: int, total: int) -> str:
    """« 42 % » (French typography), or « — » without a total."""
    return f"{round(100 * part / total)} %" if total else "—"


def share(value: float | None) -> str:
    """A share in [0, 1] as « 42 % », or « — »."""
    return "—" if value is None else f"{round(100 * value)} %"


def number(value: float, decimals: int = 0) -> str:
    """French number: « 12 345 », « 0,24 »."""
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def local_zone():
    """Europe/Paris (the syndicate's days), or UTC on a machine without a tz database."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no tz database on this machine
        return UTC


def when(ts: str | datetime | None, *, with_year: bool = False) -> str:
    """« 14/05 10:32 » (or « 14/05/2025 10:32 »), in French local time."""
    if not ts:
        return ""
    if isinstance(ts, datetime):
        moment = ts
    else:
        try:
            moment = datetime.fromisoformat(ts)
        except ValueError:
            return ts
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).strftime(
        "%d/%m/%Y %H:%M" if with_year else "%d/%m %H:%M"
    )
