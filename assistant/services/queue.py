"""The trainers' queue « Questions à traiter »: what the corpus answers badly, grouped by topic.

Eligible questions come from the records (scrubbed only): refused ones (``coverage``
"refused"), « voici les passages les plus proches » answers ("partial") and answers voted down
(feedback ``vote`` "down"). Each is embedded ONCE (its scrubbed text, with the container's
embedder) when the queue first reads it, and kept in ``queue_questions`` with its group, so a
view over 10,000 questions only reads rows and multiplies a few matrices (eval/bench_queue.py).

Grouping is leader clustering, in arrival order: a question joins the first group whose
leader (its first question) has a cosine similarity over ``group_threshold`` with it, else it
leads a new group. An assigned question never moves, so a group's id (``q`` + its leader's
row) is stable; a group keeps its status (open, linked, drafted, out_of_scope) and new similar
questions join it. Linked groups feed :class:`LinkedQuestions`, which the retriever asks.
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.services.errors import Invalid, NotFound
from assistant.services.queue_vectors import (
    GROUP_THRESHOLDS,
    LINK_THRESHOLDS,
    SPACE_FILE,
    Link,
    LinkedQuestions,
    assign_leaders,
    centred,
    from_bytes,
    question_mean,
    threshold_for,
    to_bytes,
)
from assistant.storage.models import (
    FeedbackRow,
    QuestionRow,
    QueueCursor,
    QueueGroup,
    QueueQuestion,
)
from assistant.storage.records import format_ts, utc_now

if TYPE_CHECKING:
    from assistant.container import Container
    from assistant.storage.database import Database

_SYNC_LOCK = threading.Lock()
STATUSES = ("open", "linked", "drafted", "out_of_scope")
KINDS = ("refused", "partial", "down")
MAX_EXAMPLES = 5
NEAREST_SECTIONS = 3
__all__ = [
    "GROUP_THRESHOLDS",
    "LINK_THRESHOLDS",
    "SPACE_FILE",
    "Link",
    "LinkedQuestions",
    "QueueService",
    "assign_leaders",
    "centred",
    "draft_markdown",
    "threshold_for",
]


class QueueService:
    """The queue, its groups and a trainer's decisions on them (CLI, API and UI call it)."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.database: Database = container.database
        self.model_id: str = container.embedding_model_id
        self.group_threshold = threshold_for(GROUP_THRESHOLDS, self.model_id)

    # ---- reading the records -------------------------------------------------------------
    def _cursor(self, session: Any, name: str) -> int:
        row = session.get(QueueCursor, name)
        return row.last_row if row else 0

    def _move_cursor(self, session: Any, name: str, value: int) -> None:
        row = session.get(QueueCursor, name)
        if row is None:
            session.add(QueueCursor(name=name, last_row=value))
        else:
            row.last_row = value

    def sync(self) -> int:
        """Take in the records' new eligible questions (embedded once) and group them;
        return how many questions were added."""
        with self.database.session() as session:
            last_question = self._cursor(session, "questions")
            last_feedback = self._cursor(session, "feedback")
            rows = session.execute(
                select(QuestionRow.id, QuestionRow.ts, QuestionRow.question_id, QuestionRow.data)
                .where(QuestionRow.id > last_question)
                .order_by(QuestionRow.id)
            ).all()
            votes = session.execute(
                select(FeedbackRow.id, FeedbackRow.question_id)
                .where(FeedbackRow.id > last_feedback, FeedbackRow.vote == "down")
                .order_by(FeedbackRow.id)
            ).all()
            max_feedback = session.execute(select(func.max(FeedbackRow.id))).scalar() or 0
        down_ids = {question_id for _, question_id in votes if question_id}
        new: list[dict[str, Any]] = []
        for row_id, ts, question_id, data in rows:
            coverage = str(data.get("coverage") or ("refused" if data.get("refused") else ""))
            text = str(data.get("scrubbed_question") or "").strip()
            if text and (coverage in ("refused", "partial") or question_id in down_ids):
                new.append(
                    {
                        "question_row": row_id,
                        "ts": ts,
                        "question_id": question_id,
                        "text": text,
                        "coverage": coverage if coverage in ("refused", "partial") else "answered",
                        "down": question_id in down_ids,
                    }
                )
        earlier_down = down_ids - {r["question_id"] for r in new}
        if earlier_down:
            new += self._earlier_questions(earlier_down, last_question)
        embedder = self.container.embedder
        for item in new:
            item["model_id"] = self.model_id
            item["vector"] = to_bytes(embedder.get_query_embedding(item["text"]))
            item["group_id"] = None
        try:
            self._store(new, earlier_down, rows, max_feedback, last_feedback)
        except IntegrityError:
            return 0  # another process took these questions in first: its rows stand
        self.assign_groups()
        return len(new)

    def _store(
        self,
        new: list[dict[str, Any]],
        earlier_down: set[str],
        rows: list[Any],
        max_feedback: int,
        last_feedback: int,
    ) -> None:
        with self.database.session() as session:
            if new:
                session.execute(insert(QueueQuestion), new)
            if earlier_down:
                session.execute(
                    update(QueueQuestion)
                    .where(QueueQuestion.question_id.in_(list(earlier_down)))
                    .values(down=True)
                )
            if rows:
                self._move_cursor(session, "questions", rows[-1][0])
            if max_feedback > last_feedback:
                self._move_cursor(session, "feedback", max_feedback)

    def _earlier_questions(self, question_ids: set[str], before_row: int) -> list[dict[str, Any]]:
        """Questions voted down after the queue had read them, not yet in the queue."""
        with self.database.session() as session:
            known = set(
                session.scalars(
                    select(QueueQuestion.question_id).where(
                        QueueQuestion.question_id.in_(list(question_ids))
                    )
                )
            )
            rows = session.execute(
                select(
                    QuestionRow.id, QuestionRow.ts, QuestionRow.question_id, QuestionRow.data
                ).where(
                    QuestionRow.question_id.in_(list(question_ids - known)),
                    QuestionRow.id <= before_row,
                )
            ).all()
        return [
            {
                "question_row": row_id,
                "ts": ts,
                "question_id": question_id,
                "text": str(data.get("scrubbed_question") or "").strip(),
                "coverage": str(data.get("coverage") or "answered"),
                "down": True,
            }
            for row_id, ts, question_id, data in rows
            if str(data.get("scrubbed_question") or "").strip()
        ]

    def catch_up(self) -> int:
        """Take in the records' new eligible questions now; the server does it every minute,
        so that opening the queue or writing the bilan never embeds a backlog."""
        with _SYNC_LOCK:  # one reader of the records at a time in this process
            return self.sync()

    def assign_groups(self) -> int:
        """Group the queue's ungrouped questions (leader clustering, arrival order)."""
        with self.database.session() as session:
            pending = session.execute(
                select(QueueQuestion.question_row, QueueQuestion.vector)
                .where(QueueQuestion.group_id.is_(None), QueueQuestion.model_id == self.model_id)
                .order_by(QueueQuestion.ts, QueueQuestion.question_row)
            ).all()
            if not pending:
                return 0
            groups = session.execute(
                select(QueueGroup.id, QueueGroup.leader_vector)
                .where(QueueGroup.model_id == self.model_id)
                .order_by(QueueGroup.created_at, QueueGroup.id)
            ).all()
        leader_ids = [g[0] for g in groups]
        mean = question_mean(self.model_id)
        vectors = centred(from_bytes([p[1] for p in pending]), mean)
        leaders = centred(from_bytes([g[1] for g in groups]), mean)
        assigned, _ = assign_leaders(vectors, leaders, self.group_threshold)
        new_groups = []
        for position, index in enumerate(assigned):
            if index >= len(leader_ids):
                row = pending[position][0]
                leader_ids.append(f"q{row}")
                new_groups.append(
                    {
                        "id": f"q{row}",
                        "model_id": self.model_id,
                        "leader_vector": pending[position][1],
                        "created_at": utc_now(),
                        "status": "open",
                    }
                )
        try:
            with self.database.session() as session:
                if new_groups:
                    session.execute(insert(QueueGroup), new_groups)
                session.execute(
                    update(QueueQuestion),
                    [
                        {"question_row": p[0], "group_id": leader_ids[i]}
                        for p, i in zip(pending, assigned, strict=True)
                    ],
                )
        except IntegrityError:
            return 0  # another process grouped them at the same time: its groups stand
        return len(pending)

    # ---- the groups ----------------------------------------------------------------------
    def groups(
        self,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        sync: bool = True,
    ) -> list[dict[str, Any]]:
        """The groups (all, or those of ``status``) with their questions between ``since``
        and ``until``, largest first, then newest: id, status, count, sessions (unknown:
        the records keep no conversation), first_ts, last_ts, examples (at most 5 scrubbed
        questions, newest first), nearest sections, kinds, link."""
        if status is not None and status not in STATUSES:
            raise Invalid("Statut inconnu : choisissez open, linked, drafted ou out_of_scope.")
        if sync:
            with _SYNC_LOCK:  # one reader of the records at a time in this process
                self.sync()
        query = select(
            QueueQuestion.group_id,
            QueueQuestion.ts,
            QueueQuestion.text,
            QueueQuestion.coverage,
            QueueQuestion.down,
        ).where(QueueQuestion.model_id == self.model_id, QueueQuestion.group_id.is_not(None))
        if since is not None:
            query = query.where(QueueQuestion.ts >= since)
        if until is not None:
            query = query.where(QueueQuestion.ts <= until)
        groups_query = select(QueueGroup).where(QueueGroup.model_id == self.model_id)
        if status is not None:
            groups_query = groups_query.where(QueueGroup.status == status)
        with self.database.session() as session:
            known = {g.id: g for g in session.scalars(groups_query)}
            rows = session.execute(query.order_by(QueueQuestion.ts.desc())).all()
        summaries: dict[str, dict[str, Any]] = {}
        for group_id, ts, text, coverage, down in rows:
            group = known.get(group_id)
            if group is None:
                continue
            summary = summaries.get(group_id)
            if summary is None:
                summary = summaries[group_id] = _summary(group, ts)
            summary["count"] += 1
            summary["first_ts"] = format_ts(ts)
            if len(summary["examples"]) < MAX_EXAMPLES and text not in summary["examples"]:
                summary["examples"].append(text)
            if coverage in ("refused", "partial"):
                summary["kinds"][coverage] += 1
            if down:
                summary["kinds"]["down"] += 1
        result = list(summaries.values())
        self._add_nearest(result, known)
        result.sort(key=lambda g: g["last_ts"], reverse=True)
        result.sort(key=lambda g: g["count"], reverse=True)  # stable: newest first among equals
        return result

    def group(self, group_id: str) -> dict[str, Any]:
        """One group (any status), or NotFound."""
        for group in self.groups():
            if group["id"] == group_id:
                return group
        raise NotFound("Groupe de questions introuvable : il a peut-être été purgé.")

    def _add_nearest(self, summaries: list[dict[str, Any]], known: dict[str, QueueGroup]) -> None:
        """The corpus sections nearest each group's leader (one matrix product)."""
        if not summaries:
            return
        chunks = self._chunk_matrix()
        if chunks is None:
            for summary in summaries:
                summary["nearest"] = []
            return
        matrix, metadata = chunks
        leaders = from_bytes([known[s["id"]].leader_vector for s in summaries])
        if leaders.shape[1] != matrix.shape[1]:
            return
        similarities = leaders @ matrix.T
        for summary, row in zip(summaries, similarities, strict=True):
            nearest: list[dict[str, str]] = []
            for index in np.argsort(-row)[: NEAREST_SECTIONS * 8]:
                meta = metadata[int(index)]
                entry = {
                    "doc_id": str(meta.get("doc_id", "")),
                    "section": str(meta.get("section", "")),
                    "title": str(meta.get("title", "")),
                }
                if entry not in nearest:
                    nearest.append(entry)
                if len(nearest) == NEAREST_SECTIONS:
                    break
            summary["nearest"] = nearest

    _chunks_cache: tuple[frozenset[str], np.ndarray, list[dict[str, Any]]] | None = None

    def _chunk_matrix(self) -> tuple[np.ndarray, list[dict[str, Any]]] | None:
        """Every active chunk's vector and metadata (kept while the corpus does not change)."""
        index = self.container.index
        active = index.manifest.active_chunk_ids
        if not active:
            return None
        cached = QueueService._chunks_cache
        if cached is not None and cached[0] is active:
            return cached[1], cached[2]
        ids = sorted(active)
        vectors: list[Any] = []
        metadata: list[dict[str, Any]] = []
        for start in range(0, len(ids), 2000):
            found = index.vectors.collection.get(
                ids=ids[start : start + 2000], include=["embeddings", "metadatas"]
            )
            vectors.extend(found["embeddings"])
            metadata.extend(dict(m or {}) for m in found["metadatas"])
        matrix = from_bytes([to_bytes(v) for v in vectors])
        QueueService._chunks_cache = (active, matrix, metadata)
        return matrix, metadata

    # ---- a trainer's decisions -----------------------------------------------------------
    def _set(self, group_id: str, **values: Any) -> None:
        with self.database.session() as session:
            group = session.get(QueueGroup, group_id)
            if group is None or group.model_id != self.model_id:
                raise NotFound("Groupe de questions introuvable : il a peut-être été purgé.")
            for name, value in values.items():
                setattr(group, name, value)
            group.changed_at = utc_now()
        self.container.question_links.invalidate()

    def section_names(self, doc_id: str) -> list[str]:
        """The section headings of a document of the corpus, in order (NotFound if absent)."""
        index = self.container.index
        record = index.manifest.get(doc_id)
        if record is None or record.status != "indexed":
            raise NotFound("Document introuvable dans le corpus : vérifiez son identifiant.")
        names: list[str] = []
        for chunk in index.get_chunks(record.chunk_ids):
            section = str(chunk.metadata.get("section", ""))
            if section and section not in names:
                names.append(section)
        return names

    def link(self, group_id: str, doc_id: str, section: str) -> dict[str, Any]:
        """Link a group to the section that answers it: its questions, and questions close to
        them, are then answered from that section first (see ``LinkedQuestions``)."""
        section = section.strip()
        if section not in self.section_names(doc_id):
            raise Invalid(
                "Section introuvable dans ce document : reprenez un titre de section tel que "
                "l'affiche la page du document."
            )
        self._set(group_id, status="linked", doc_id=doc_id, section=section)
        return {"id": group_id, "status": "linked", "link": {"doc_id": doc_id, "section": section}}

    def out_of_scope(self, group_id: str) -> dict[str, Any]:
        """Take a group out of the queue: its refusals stay refusals."""
        self._set(group_id, status="out_of_scope", doc_id=None, section=None)
        return {"id": group_id, "status": "out_of_scope", "link": None}

    def reopen(self, group_id: str) -> dict[str, Any]:
        """Put a group back in the open queue (its link, if any, stops being used)."""
        self._set(group_id, status="open", doc_id=None, section=None)
        return {"id": group_id, "status": "open", "link": None}

    def draft(self, group_id: str) -> str:
        """A Markdown draft of a new sheet (corpus format, corpus/README.md) from a group's
        questions; an open group becomes "drafted" (a linked one keeps its link)."""
        group = self.group(group_id)
        if group["status"] in ("open", "out_of_scope"):
            self._set(group_id, status="drafted")
        return draft_markdown(group)

    def dataset(self) -> list[dict[str, Any]]:
        """The field dataset: one item per question of a linked group (kind « terrain »),
        in the format of eval/datasets (id, question, expected_sources, style)."""
        items: list[dict[str, Any]] = []
        with self.database.session() as session:
            rows = session.execute(
                select(QueueGroup.id, QueueGroup.doc_id, QueueGroup.section, QueueQuestion.text)
                .join(QueueQuestion, QueueQuestion.group_id == QueueGroup.id)
                .where(QueueGroup.status == "linked", QueueGroup.model_id == self.model_id)
                .order_by(QueueGroup.id, QueueQuestion.question_row)
            ).all()
        seen: set[tuple[str, str]] = set()
        for group_id, doc_id, section, text in rows:
            if (group_id, text) in seen:
                continue
            seen.add((group_id, text))
            number = sum(1 for g, _ in seen if g == group_id)
            items.append(
                {
                    "id": f"terrain-{group_id}-{number}",
                    "question": text,
                    "expected_sources": [{"doc": doc_id, "section": section}],
                    "style": "terrain",
                }
            )
        return items

    def links(self, doc_id: str | None = None) -> list[dict[str, Any]]:
        """The linked groups (of one document, if given): section, count and examples."""
        groups = self.groups(status="linked")
        return [
            {
                "group_id": g["id"],
                "doc_id": g["link"]["doc_id"],
                "section": g["link"]["section"],
                "count": g["count"],
                "examples": g["examples"],
            }
            for g in groups
            if g["link"] and (doc_id is None or g["link"]["doc_id"] == doc_id)
        ]


def _summary(group: QueueGroup, last_ts: datetime) -> dict[str, Any]:
    linked = group.status == "linked" and group.doc_id
    return {
        "id": group.id,
        "status": group.status,
        "count": 0,
        "sessions": None,
        "first_ts": format_ts(last_ts),
        "last_ts": format_ts(last_ts),
        "examples": [],
        "nearest": [],
        "kinds": dict.fromkeys(KINDS, 0),
        "link": {"doc_id": group.doc_id, "section": group.section} if linked else None,
    }


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(words[:6]) or "nouvelle-fiche"


def draft_markdown(group: dict[str, Any]) -> str:
    """A sheet draft in the corpus format: front matter, one ``#`` title, a section per
    question to answer, the questions agents asked, and the nearest existing sections."""
    examples = group["examples"] or ["(aucune question conservée)"]
    title = examples[0].rstrip(" ?.!").strip()[:90] or "Nouvelle fiche"
    today = utc_now().date().isoformat()
    front = {
        "id": _slug(title),
        "title": title,
        "theme": "cas-usage",
        "audience": "tous les agents",
        "version": "0.1",
        "updated": today,
    }
    lines = [
        "---",
        yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=1000).strip(),
        "---",
        "",
        f"# {title}",
        "",
        "## Ce que les agents demandent",
        "",
        f"Brouillon préparé depuis la file « Questions à traiter » (groupe {group['id']}, "
        f"{group['count']} question(s)). Questions posées, déjà anonymisées :",
        "",
        *[f"- « {example} »" for example in examples],
        "",
        "## Réponse à rédiger",
        "",
        "À compléter par un formateur : la règle, les précautions, un exemple sans donnée "
        "personnelle (80 à 400 mots).",
        "",
        "## Sections proches du corpus",
        "",
    ]
    nearest = group.get("nearest") or []
    lines += [f"- {n['title']} — {n['section']} (`{n['doc_id']}`)" for n in nearest] or [
        "- Aucune section proche trouvée."
    ]
    return "\n".join(lines) + "\n"
