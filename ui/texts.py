"""Everything the UI says, in French, and the labels of the codes it shows."""

from __future__ import annotations

from assistant.bilan.labels import (  # noqa: F401 - defined beside the bilan, used here too
    EXTRACTIVE_MODE,
    PII_LABELS,
    SYNDICATE,
    THEME_LABELS,
    backend_label,
    pii_label,
    theme_label,
)

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


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
