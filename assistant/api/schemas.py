"""Request bodies shared by several routes, with French descriptions for OpenAPI."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.ingestion.pipeline import THEMES
from assistant.services.jobs import JOBS, normalise_job
from assistant.services.limits import MAX_QUESTION_CHARS

ThemeName = Literal[THEMES]  # type: ignore[valid-type]

#: The engine rewrites a follow-up from the last six turns; twelve keep the pseudonyms of a
#: longer conversation consistent. Question and history together (28,000 characters) fit the
#: JSON body limit (``server.max_request_kb``, 64 Ko at least) even when every character
#: takes two bytes in UTF-8 (accented letters): a request the schema allows is never a 413.
HISTORY_MAX_TURNS = 12
TURN_MAX_CHARS = 2000


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HistoryTurn(ApiModel):
    """One earlier turn of the conversation, as shown to the agent."""

    role: Literal["user", "assistant"] = Field(description="Auteur : user (agent) ou assistant.")
    content: str = Field(max_length=TURN_MAX_CHARS, description="Texte du tour.")


class AskRequest(ApiModel):
    """A question of an agent."""

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="La question, en français. Les données personnelles sont masquées avant "
        "tout envoi au modèle.",
        examples=["Puis-je coller le dossier d'un administré dans ChatGPT ?"],
    )
    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{8,64}$",
        description="Identifiant de la conversation (renvoyé par la première réponse) : garde "
        "les mêmes pseudonymes d'un tour à l'autre.",
    )
    history: list[HistoryTurn] = Field(
        default_factory=list,
        max_length=HISTORY_MAX_TURNS,
        description="Tours précédents de la conversation, les plus récents (au plus "
        f"{HISTORY_MAX_TURNS} tours de {TURN_MAX_CHARS} caractères).",
    )
    theme: ThemeName | None = Field(None, description="Limiter la recherche à un thème.")
    job: str | None = Field(
        None,
        max_length=80,
        description="Métier de l'agent, pour les statistiques : "
        + ", ".join(f"{k} ({v})" for k, v in JOBS.items())
        + ".",
    )

    @field_validator("job")
    @classmethod
    def _known_job(cls, value: str | None) -> str | None:
        return normalise_job(value)
