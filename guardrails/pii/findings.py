"""Value objects returned by the scrubber, the entity labels, and the input error."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

PERSONNE = "PERSONNE"
TELEPHONE = "TÉLÉPHONE"
EMAIL = "EMAIL"
NIR = "NIR"
IBAN = "IBAN"
SIRET = "SIRET"
SIREN = "SIREN"
PASSEPORT = "PASSEPORT"
CNI = "CNI"
PLAQUE = "PLAQUE"
ADRESSE = "ADRESSE"
DATE_NAISSANCE = "DATE_NAISSANCE"
# identifiers of a town hall's daily work (``municipal.py``)
ALLOCATAIRE = "ALLOCATAIRE"
PARCELLE = "PARCELLE"
DOSSIER_URBANISME = "DOSSIER_URBANISME"
NUMERO_FISCAL = "NUMÉRO_FISCAL"
FRANCE_TRAVAIL = "FRANCE_TRAVAIL"
PERMIS_CONDUIRE = "PERMIS_CONDUIRE"
ACTE_ETAT_CIVIL = "ACTE_ÉTAT_CIVIL"
INE = "INE"
NUMERO_ELECTEUR = "NUMÉRO_ÉLECTEUR"
NUMERO_CLIENT = "NUMÉRO_CLIENT"

#: Every label the scrubber can produce, in the order of the contract.
ENTITY_TYPES: tuple[str, ...] = (
    PERSONNE,
    TELEPHONE,
    EMAIL,
    NIR,
    IBAN,
    SIRET,
    SIREN,
    PASSEPORT,
    CNI,
    PLAQUE,
    ADRESSE,
    DATE_NAISSANCE,
    ALLOCATAIRE,
    PARCELLE,
    DOSSIER_URBANISME,
    NUMERO_FISCAL,
    FRANCE_TRAVAIL,
    PERMIS_CONDUIRE,
    ACTE_ETAT_CIVIL,
    INE,
    NUMERO_ELECTEUR,
    NUMERO_CLIENT,
)

#: Labels found by patterns alone (no language model needed).
STRUCTURED_TYPES: tuple[str, ...] = tuple(t for t in ENTITY_TYPES if t != PERSONNE)


class PiiInputError(ValueError):
    """Raised, with a French message meant for the user, for input that cannot be scrubbed."""


@dataclass(frozen=True)
class Finding:
    """One piece of personal data found in a text.

    ``start``/``end`` are offsets in the original text; ``placeholder`` is what replaced it in
    the scrubbed text. The value itself is deliberately not kept here, so that findings can be
    logged and shown.
    """

    type: str
    start: int
    end: int
    score: float
    placeholder: str

    def to_dict(self) -> dict:
        """JSON-ready form: type, offsets, score and placeholder, never the value."""
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 4),
            "placeholder": self.placeholder,
        }


@dataclass(frozen=True)
class ScrubResult:
    """A scrubbed text and what was replaced in it."""

    text: str
    findings: tuple[Finding, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Number of findings per entity type."""
        return dict(Counter(finding.type for finding in self.findings))

    def to_dict(self) -> dict:
        """JSON-ready form: the scrubbed text and the findings (never the original values)."""
        return {"text": self.text, "findings": [f.to_dict() for f in self.findings]}
