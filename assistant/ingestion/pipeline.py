"""Ingestion: file -> loader -> normalise -> injection scan -> PII scan -> chunks -> index.

Each file is its own transaction: a file that fails, or is cancelled, leaves the index as it
was and the rest of the batch goes on. The manifest rename in ``CorpusIndex.commit_document`` is
the commit point.

Reading, scanning, chunking and masking happen before any lock; the index's import lock is held
from the first vector written to the commit, and the commit lock only for the manifest swap, so
a removal or an answer never waits behind an import. A document is limited in bytes and in
passages (``max_passages``): a 20 MB Markdown file of short sections would otherwise hold the
import lock for hours.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from assistant.index.corpus_index import CorpusIndex, ImportCancelled, search_text
from assistant.index.locks import LockCancelled
from assistant.index.manifest import DocumentRecord
from assistant.ingestion.chunking import chunk_document
from assistant.ingestion.loaders import (
    SUPPORTED_EXTENSIONS,
    IngestionError,
    LoadedDocument,
    load_bytes,
)

THEMES = (
    "charte",
    "donnees-personnelles",
    "cybersecurite",
    "numerique-responsable",
    "cas-usage",
    "limites-ia",
    "juridique",
    "offre-syndicat",
    "glossaire",
)
DEFAULT_THEME = "non-classe"

Status = Literal["indexed", "replaced", "unchanged", "quarantined", "failed", "cancelled"]

_STATUS_FR = {
    "indexed": "indexé",
    "replaced": "remplacé (nouvelle version)",
    "unchanged": "inchangé",
    "quarantined": "mis en quarantaine",
    "failed": "refusé",
    "cancelled": "annulé",
}

Stage = Literal["waiting", "reading", "masking", "embedding", "committing"]

STAGES_FR: dict[str, str] = {
    "waiting": "en attente de la fin d'un autre import",
    "reading": "lecture et analyse",
    "masking": "masquage des données personnelles",
    "embedding": "calcul des plongements",
    "committing": "enregistrement dans l'index",
}

MASKING_BATCH = 64


class ImportObserver(Protocol):
    """What an import reports while it runs, and how it is asked to stop."""

    def stage(self, stage: Stage, total: int = 0) -> None:
        """A new stage begins; ``total`` is how many passages it goes through (0 if unknown)."""

    def advance(self, done: int) -> None:
        """``done`` passages of the current stage are through."""

    def should_stop(self) -> bool:
        """True once the import is cancelled: it stops and leaves the index as it was."""
        ...


class _Unobserved:
    def stage(self, stage: Stage, total: int = 0) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def should_stop(self) -> bool:
        return False


def french_number(value: int) -> str:
    """``107579`` -> ``107 579`` (a no-break space between thousands, as French writes them)."""
    return f"{value:,}".replace(",", "\u00a0")


@dataclass
class IngestOutcome:
    """What the ingestion of one file did; safe to show and to log (no document content).

    ``hidden_text``: how many elements of an HTML page a reader cannot see were left out of
    the index, by reason (``display``, ``colour``, ``offscreen``...; their excerpts are among
    the ``injection_signals``).
    """

    source: str
    status: Status
    doc_id: str = ""
    title: str = ""
    version: str = ""
    theme: str = ""
    chunks: int = 0
    pii_redacted: dict[str, int] = field(default_factory=dict)
    injection_signals: list[dict] = field(default_factory=list)
    hidden_text: dict[str, int] = field(default_factory=dict)
    message: str = ""
    error_code: str = ""
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    pages: int | None = None

    @property
    def ok(self) -> bool:
        return self.status not in ("failed", "cancelled")

    @property
    def status_fr(self) -> str:
        return _STATUS_FR[self.status]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status_fr"] = self.status_fr
        return data


_NUMBERED_PLACEHOLDER = re.compile(r"\[([A-ZÀ-Ý]+(?:_[A-ZÀ-Ý]+)*)[_ ]\d+\]")


def unnumber_placeholders(text: str) -> str:
    """``[PERSONNE_1]`` -> ``[PERSONNE]`` in corpus text.

    Numbered placeholders belong to an agent's conversation vault: one left in a document
    (redacted at ingestion, or quoted as an example) would be "restored" into that agent's own
    personal data when a passage is shown to them.
    """
    return _NUMBERED_PLACEHOLDER.sub(r"[\1]", text)


def _hidden_text_note(hidden: dict[str, int]) -> str:
    """The sentence that tells a trainer hidden HTML text was left out of the index."""
    total = sum(hidden.values())
    if not total:
        return ""
    if total == 1:
        return (
            " 1 bloc de texte invisible pour le lecteur (masqué par la mise en page) n'a pas "
            "été indexé : vérifiez les signaux."
        )
    return (
        f" {total} blocs de texte invisibles pour le lecteur (masqués par la mise en page) "
        "n'ont pas été indexés : vérifiez les signaux."
    )


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80] or "document"


def document_id(document: LoadedDocument) -> str:
    """A document's identifier: its front matter ``id``, else its file name, slugified."""
    return slugify(str(document.metadata.get("id") or Path(document.source_name).stem))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and the supported files of folders (recursively, sorted, READMEs skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_EXTENSIONS
                and p.name.lower() != "readme.md"
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            files.append(path)
    return files


class Ingestor:
    """Adds, replaces, removes and approves corpus documents in a ``CorpusIndex``."""

    def __init__(
        self,
        index: CorpusIndex,
        *,
        pii_scrubber: Any | None,
        max_bytes: int,
        max_uncompressed_bytes: int,
        max_passages: int = 2000,
        chunk_tokens: int = 300,
        chunk_overlap_tokens: int = 40,
        batch_size: int = 16,
    ) -> None:
        self.index = index
        self.pii_scrubber = pii_scrubber
        self.max_bytes = max_bytes
        self.max_uncompressed_bytes = max_uncompressed_bytes
        self.max_passages = max_passages
        self.chunk_tokens = chunk_tokens
        self.chunk_overlap_tokens = chunk_overlap_tokens
        self.batch_size = batch_size
        self.quarantine_dir = index.data_dir / "quarantine"

    # ---- entry points --------------------------------------------------------------------
    def ingest_paths(
        self, paths: Sequence[Path], *, on_file: Callable[[Path, IngestOutcome], None] | None = None
    ) -> list[IngestOutcome]:
        """Ingest files and folders as one writer: the import lock is held for the whole batch
        (one repair of what a dead writer left, not one per file)."""
        outcomes = []
        with self.index.importing():
            for path in expand_paths(paths):
                outcome = self.ingest_file(path)
                outcomes.append(outcome)
                if on_file is not None:
                    on_file(path, outcome)
        return outcomes

    def ingest_file(self, path: Path, observer: ImportObserver | None = None) -> IngestOutcome:
        name = path.name
        try:
            if not path.exists():
                raise IngestionError("not_found", f"« {name} » est introuvable.")
            size = path.stat().st_size
            if size > self.max_bytes:
                raise IngestionError(
                    "too_large",
                    f"« {name} » dépasse la taille maximale autorisée "
                    f"({self.max_bytes / 1_048_576:.0f} Mo).",
                )
            data = path.read_bytes()
        except IngestionError as error:
            return IngestOutcome(
                source=name, status="failed", message=error.message, error_code=error.code
            )
        return self.ingest_bytes(name, data, observer=observer)

    def ingest_bytes(
        self,
        name: str,
        data: bytes,
        *,
        approved: bool = False,
        theme: str | None = None,
        observer: ImportObserver | None = None,
    ) -> IngestOutcome:
        """Ingest one uploaded or read file. Never raises for bad input: the outcome says why.

        ``observer`` follows the stages and may cancel: the outcome is then ``cancelled`` and
        the index is as it was.
        """
        started = time.perf_counter()
        observer = observer or _Unobserved()
        try:
            observer.stage("reading")
            document = load_bytes(
                name,
                data,
                max_bytes=self.max_bytes,
                max_uncompressed_bytes=self.max_uncompressed_bytes,
            )
            return self._ingest_document(
                document, data, approved=approved, theme=theme, started=started, observer=observer
            )
        except IngestionError as error:
            return IngestOutcome(
                source=name, status="failed", message=error.message, error_code=error.code
            )
        except (ImportCancelled, LockCancelled):
            return IngestOutcome(
                source=name,
                status="cancelled",
                error_code="cancelled",
                message=f"Import de « {name} » annulé : le corpus n'a pas changé.",
            )

    def remove(self, doc_id: str) -> DocumentRecord | None:
        record = self.index.remove_document(doc_id)
        if record is not None and record.status == "quarantined":
            self._quarantine_path(record).unlink(missing_ok=True)
        return record

    def approve(self, doc_id: str, observer: ImportObserver | None = None) -> IngestOutcome:
        """Index a quarantined document after a trainer checked it."""
        record = self.index.manifest.get(doc_id)
        if record is None or record.status != "quarantined":
            return IngestOutcome(
                source=doc_id,
                status="failed",
                error_code="not_quarantined",
                message=f"Aucun document en quarantaine ne porte l'identifiant « {doc_id} ».",
            )
        path = self._quarantine_path(record)
        outcome = self.ingest_bytes(
            record.source_name,
            path.read_bytes(),
            approved=True,
            theme=record.theme,
            observer=observer,
        )
        if outcome.ok:
            path.unlink(missing_ok=True)
            if record.doc_id != outcome.doc_id:
                self.index.remove_document(record.doc_id)
        return outcome

    # ---- one document --------------------------------------------------------------------
    def _ingest_document(
        self,
        document: LoadedDocument,
        data: bytes,
        *,
        approved: bool,
        theme: str | None,
        started: float,
        observer: ImportObserver,
    ) -> IngestOutcome:
        doc_id, title, version, chosen_theme = _identity(document, theme)
        outcome = IngestOutcome(
            source=document.source_name,
            status="indexed",
            doc_id=doc_id,
            title=title,
            version=version,
            theme=chosen_theme,
            pages=document.page_count,
        )

        # A first look without any lock (the same content again is the common case); checked
        # again under the import lock, where another process may have imported it meanwhile.
        self.index.manifest.reload_if_changed()
        if self._already_there(document, doc_id, approved, outcome):
            return outcome

        chunks = chunk_document(
            document, max_tokens=self.chunk_tokens, overlap_tokens=self.chunk_overlap_tokens
        )
        if len(chunks) > self.max_passages:
            raise IngestionError(
                "too_many_passages",
                f"« {document.source_name} » donnerait {french_number(len(chunks))} passages, "
                f"plus que la limite de {french_number(self.max_passages)} passages par document "
                "(ASSISTANT_INGESTION__MAX_PASSAGES) : découpez-le en plusieurs documents. "
                "Rien n'a été importé.",
            )
        # Before the injection scan, the slowest step of reading: on a 20 MB Markdown file of
        # short sections, reading took 6 s, chunking 6 s, the scan 25 s (measured here).
        if observer.should_stop():
            raise ImportCancelled

        suspicious = _scan_for_injections(document, outcome)

        if observer.should_stop():
            raise ImportCancelled

        record = _record_for(document, outcome)
        if suspicious and not approved:
            return self._quarantine(document, data, record, outcome, observer)

        texts, pii_counts = self._redact([c.text for c in chunks], observer)
        texts = [unnumber_placeholders(t) for t in texts]
        outcome.parse_seconds = time.perf_counter() - started
        ids = [f"{doc_id}::{document.sha256[:12]}::{c.ordinal:04d}" for c in chunks]
        metadatas = [
            {
                "doc_id": doc_id,
                "title": title,
                "section": c.section,
                "section_path": c.section_path,
                "page": c.page if c.page is not None else -1,
                "theme": chosen_theme,
                "version": version,
                "ordinal": c.ordinal,
            }
            for c in chunks
        ]
        observer.stage("waiting")
        with self.index.importing(should_stop=observer.should_stop):
            if self._already_there(document, doc_id, approved, outcome):
                return outcome
            previous = self.index.manifest.get(doc_id)
            embed_started = time.perf_counter()
            observer.stage("embedding", len(ids))
            self.index.add_chunks(
                ids,
                [search_text(t, m) for t, m in zip(texts, metadatas, strict=True)],
                texts,
                metadatas,
                batch_size=self.batch_size,
                progress=observer.advance,
                should_stop=observer.should_stop,
            )
            outcome.embed_seconds = time.perf_counter() - embed_started
            record.chunk_ids = ids
            record.pii_redacted = dict(pii_counts)
            if observer.should_stop():
                self.index.discard_uncommitted(ids)
                raise ImportCancelled
            observer.stage("committing")
            try:
                self.index.commit_document(record)
            except BaseException:
                self.index.discard_uncommitted(ids)
                raise
        outcome.chunks = len(ids)
        outcome.pii_redacted = dict(pii_counts)
        if previous is not None and previous.status == "indexed":
            outcome.status = "replaced"
        outcome.message = _indexed_message(previous, title, version, len(ids), pii_counts)
        outcome.message += _hidden_text_note(outcome.hidden_text)
        return outcome

    def _quarantine(
        self,
        document: LoadedDocument,
        data: bytes,
        record: DocumentRecord,
        outcome: IngestOutcome,
        observer: ImportObserver,
    ) -> IngestOutcome:
        """Keep a suspicious document aside, unsearchable, until a trainer approves it."""
        doc_id = record.doc_id
        previous = self.index.manifest.get(doc_id)
        self.quarantine_dir.mkdir(parents=True, exist_ok=True)
        record.status = "quarantined"
        self._quarantine_path(record).write_bytes(data)
        if previous is not None and previous.status == "indexed":
            # Keep the indexed version searchable; the quarantined one waits beside it.
            record.doc_id = doc_id = f"{doc_id}--quarantaine"
            outcome.doc_id = doc_id
        observer.stage("committing")
        self.index.commit_document(record)
        outcome.status = "quarantined"
        outcome.message = (
            f"« {document.source_name} » contient des instructions suspectes : il est en "
            "quarantaine jusqu'à sa validation par un formateur."
        ) + _hidden_text_note(outcome.hidden_text)
        return outcome

    def _already_there(
        self, document: LoadedDocument, doc_id: str, approved: bool, outcome: IngestOutcome
    ) -> bool:
        """True (``outcome`` says so) if the same content is already indexed under ``doc_id``;
        raises if it is indexed under another identifier."""
        existing = self.index.manifest.find_by_sha(document.sha256)
        if existing is None or (approved and existing.status == "quarantined"):
            return False
        if existing.doc_id == doc_id:
            outcome.status = "unchanged"
            outcome.chunks = len(existing.chunk_ids)
            outcome.message = f"« {document.source_name} » est déjà indexé à l'identique."
            return True
        raise IngestionError(
            "duplicate",
            f"« {document.source_name} » est identique au document « {existing.doc_id} » "
            "déjà présent : rien n'a été importé.",
        )

    def _redact(self, texts: list[str], observer: ImportObserver) -> tuple[list[str], Counter]:
        """Mask personal data, in batches (one vault: the same placeholders as in one call)."""
        counts: Counter = Counter()
        if self.pii_scrubber is None:
            return texts, counts
        from guardrails.pii import PseudonymVault

        observer.stage("masking", len(texts))
        vault = PseudonymVault()
        redacted: list[str] = []
        for start in range(0, len(texts), MASKING_BATCH):
            if observer.should_stop():
                raise ImportCancelled
            results = self.pii_scrubber.scrub_many(texts[start : start + MASKING_BATCH], vault)
            for result in results:
                counts.update(result.counts)
                redacted.append(result.text)
            observer.advance(len(redacted))
        return redacted, counts

    def _quarantine_path(self, record: DocumentRecord) -> Path:
        suffix = Path(record.source_name).suffix.lower() or ".bin"
        return self.quarantine_dir / f"{record.sha256}{suffix}"


def _identity(document: LoadedDocument, theme: str | None) -> tuple[str, str, str, str]:
    """A document's identifier, title, version and theme (an unknown theme is refused)."""
    meta = document.metadata
    doc_id = document_id(document)
    title = str(meta.get("title") or doc_id)
    version = str(meta.get("version") or "1")
    chosen_theme = str(theme or meta.get("theme") or DEFAULT_THEME)
    if chosen_theme not in THEMES and chosen_theme != DEFAULT_THEME:
        raise IngestionError(
            "front_matter",
            f"« {document.source_name} » : thème inconnu « {chosen_theme} » "
            f"(thèmes possibles : {', '.join(THEMES)}).",
        )
    return doc_id, title, version, chosen_theme


def _scan_for_injections(document: LoadedDocument, outcome: IngestOutcome) -> bool:
    """Whether the document looks injected; its signals and hidden text go to ``outcome``."""
    from guardrails.injection import scan_html, scan_text

    meta = document.metadata
    report = scan_text(document.text, source="document",
                       invisible_chars=int(meta.get("invisible_chars", 0)))
    signals = [s.to_dict() if hasattr(s, "to_dict") else asdict(s) for s in report.signals]
    suspicious = report.suspicious
    if document.raw_html:
        html_report = scan_html(document.raw_html)
        signals += [asdict(s) for s in html_report.signals]
        suspicious = suspicious or html_report.suspicious
    outcome.injection_signals = signals
    hidden = dict(Counter(h.reason for h in document.hidden_text))
    outcome.hidden_text = hidden
    return suspicious


def _record_for(document: LoadedDocument, outcome: IngestOutcome) -> DocumentRecord:
    """The manifest record of a document about to be indexed (chunks added when stored)."""
    meta = document.metadata
    return DocumentRecord(
        doc_id=outcome.doc_id,
        sha256=document.sha256,
        title=outcome.title,
        theme=outcome.theme,
        version=outcome.version,
        source_name=document.source_name,
        format=document.format,
        status="indexed",
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        updated=str(meta.get("updated") or ""),
        audience=str(meta.get("audience") or ""),
        pages=document.page_count,
        words=len(document.text.split()),
        injection_signals=outcome.injection_signals,
        hidden_text=outcome.hidden_text,
    )


def _indexed_message(
    previous: DocumentRecord | None, title: str, version: str, chunks: int, pii_counts: Counter
) -> str:
    """What the trainer reads once a document is indexed (before the hidden-text note)."""
    if previous is not None and previous.status == "indexed":
        message = (
            f"« {title} » : la version {previous.version} est remplacée par "
            f"la version {version} ({chunks} passages)."
        )
    else:
        message = f"« {title} » indexé ({chunks} passages)."
    if pii_counts:
        total = sum(pii_counts.values())
        message += f" {total} donnée(s) personnelle(s) masquée(s)."
    return message
