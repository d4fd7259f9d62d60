"""The questions the trainers' queue tests log, shared by the tests of the service, the API and
the command line: near rewordings that must fall in one group, and one that stands apart."""

from __future__ import annotations

#: Three wordings of one question: one group.
PASSWORDS = [
    "Peut-on partager le mot de passe du compte commun entre collègues ?",
    "Partager le mot de passe du compte commun entre collègues, c'est permis ?",
    "Mot de passe du compte commun : peut-on le partager entre collègues ?",
]
#: Two wordings of another question: another group.
ENERGY = [
    "Combien d'énergie consomme une requête à un modèle de langage ?",
    "Quelle énergie consomme une requête à un grand modèle de langage ?",
]
#: A question close to none of the others: a group of its own.
OFF_TOPIC = "Quelle est la recette de la tarte aux pommes ?"

#: The keys of a group, on every channel (service, API, ``assistant queue list --json``).
GROUP_KEYS = {
    "id",
    "status",
    "count",
    "sessions",
    "first_ts",
    "last_ts",
    "examples",
    "nearest",
    "kinds",
    "link",
}
