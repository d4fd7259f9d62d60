"""Everything the UI says, in French, and the labels of the codes it shows."""

from __future__ import annotations

SYNDICATE = "Territoires Numériques"
APP_TITLE = f"{SYNDICATE} — Assistant IA de la charte"

AI_NOTICE = (
    "Vous échangez avec une intelligence artificielle. Ses réponses peuvent être incomplètes ou "
    "inexactes : vérifiez-les dans les sources citées avant de les utiliser, et ne saisissez pas "
    "de donnée personnelle inutile."
)

EXAMPLE_QUESTIONS = (
    "Puis-je coller le dossier d'un administré dans ChatGPT ?",
    "Dois-je relire un texte produit par une IA avant de le publier ?",
    "Quels outils d'IA le syndicat a-t-il validés ?",
    "Que faire si j'ai partagé des données personnelles par erreur ?",
    "Comment reconnaître une hallucination d'une IA ?",
    "L'IA consomme-t-elle beaucoup d'énergie ?",
)

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

WAITING = "Recherche dans les documents du corpus…"
INTERNAL_ERROR = (
    "La réponse a été interrompue par une erreur interne ; reposez la question dans un instant."
)
EMPTY_QUESTION = "Écrivez d'abord votre question."
ENTER_HINT = "Entrée pour envoyer, Maj+Entrée pour aller à la ligne."
ACCESS_CODE_NEEDED = (
    "Code d'accès manquant ou incorrect : saisissez le code communiqué pour le webinaire."
)
LOGIN_NEEDED = "Cet espace est réservé aux formateurs : connectez-vous d'abord."


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


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
