"""What the corpus is about, for the refusal gate: how close a question is to the corpus's own
section headings, and to the topics trainers say it does not treat.

Cosine similarities between a question and the passages say little about whether the corpus
answers it: with multilingual-e5-small any French question about town-hall work scores 0.86-0.95
against some passage. Compared question to heading (both embedded as queries), the topic shows
better: on the dev split (465 questions, 122 out of scope), adding the best heading similarity to
the gate's signals raised the out-of-scope questions refused at 8 % of covered ones refused from
0.65 to 0.81 in cross-validation, and the similarity to the « hors champ » topics to 0.83
(`eval/fit_relevance.py`).

The topics the corpus does not treat come from ``corpus/hors-champ.yaml`` (a documented list
trainers edit, read again within a second of a change) and from the questions trainers marked
« hors champ » in the queue (``OffTopicQuestions``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

from assistant.providers import SupportsEmbedding
from assistant.watched_file import WatchedFile

MAX_OFF_TOPICS = 2000
# Longer questions (stories, mostly) get no topic signal. Chosen on the dev split, where the
# topic signals raised wrong refusals of stories from 0.11 to 0.19 (cross-validation); left out
# above 20 words, they stay at 0.12, and out-of-scope questions refused go from 0.57 to 0.76 at
# 5 % of covered questions refused (0.79 with the signals on every question).
LONG_QUESTION_WORDS = 20
MAX_OFF_TOPIC_CHARS = 300


class OffTopicsError(ValueError):
    """``hors-champ.yaml`` cannot be used (the message is French, for ``doctor``)."""


def load_off_topics(path: Path) -> list[str]:
    """The topics listed in ``path``: a YAML list of short texts (see the file's header)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise OffTopicsError(f"sujets hors champ illisibles ({path.name}) : {error}") from error
    if data is None:
        return []
    if not isinstance(data, list):
        raise OffTopicsError(f"sujets hors champ {path.name} : une liste de sujets est attendue")
    topics = []
    for number, entry in enumerate(data, start=1):
        if not isinstance(entry, str) or not entry.strip():
            raise OffTopicsError(
                f"sujets hors champ {path.name}, ligne de liste {number} : un texte est attendu "
                "(un deux-points suivi d'une espace se met entre guillemets)"
            )
        topics.append(entry.strip()[:MAX_OFF_TOPIC_CHARS])
    return topics[:MAX_OFF_TOPICS]


class OffTopicQuestions(Protocol):
    """Questions trainers marked out of scope in the queue (``assistant.services.queue``)."""

    def off_topic_vectors(self) -> np.ndarray:
        """Their embeddings, unit rows (shape (0, 0) when there are none)."""


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class TopicSimilarity:
    """The gate's topic signals of a question's embedding:

    - ``heading_similarity``: the best cosine similarity to a section heading of the corpus;
    - ``off_topic_similarity``: the best one to a topic the corpus does not treat (left out
      when there is none: the gate then reads it as average).

    Headings follow the index (``refresh`` with its generation; only new headings are
    embedded), the topics file is read again when it changes (checked at most once a second;
    a broken file keeps the previous topics and is reported in ``error``).
    """

    def __init__(
        self,
        embedder: SupportsEmbedding,
        off_topics_path: Path | None = None,
        *,
        marked: OffTopicQuestions | None = None,
    ) -> None:
        self.embedder = embedder
        self.marked = marked
        self._file: WatchedFile[list[str]] = WatchedFile(
            off_topics_path, load_off_topics, [], (OffTopicsError,)
        )
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}  # text -> unit embedding, kept across changes
        self._generation: object = object()
        self._headings = np.zeros((0, 0), dtype=np.float32)
        self._topics = np.zeros((0, 0), dtype=np.float32)

    @property
    def off_topics_path(self) -> Path | None:
        return self._file.path

    @property
    def error(self) -> str:
        """Why the topics file could not be read ("" when it could)."""
        return self._file.error

    def _embedded(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        for text, vector in zip(missing, self._embed(missing), strict=True):
            self._vectors[text] = vector
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return _unit_rows([self.embedder.get_query_embedding(t) for t in texts])

    def refresh(self, generation: object, headings: Sequence[str]) -> None:
        """Follow the index's headings, and the topics file if it changed."""
        with self._lock:
            if generation != self._generation:
                self._headings = self._embedded(list(headings))
                self._generation = generation
            if self._file.check():
                self._topics = self._embedded(self._file.value)

    def signals(self, vector: Sequence[float], *, words: int = 0) -> dict[str, float]:
        """The topic signals of a question's embedding (none before the first ``refresh``).

        A question of more than ``LONG_QUESTION_WORDS`` words gets only ``long_question``: a
        story's embedding follows the story (« une dame est passée au guichet… »), not the
        question at its end, and its topic signals refused stories the corpus answers."""
        if words > LONG_QUESTION_WORDS:
            return {"long_question": 1.0}
        with self._lock:
            headings, topics = self._headings, self._topics
        query = _unit_rows([vector])[0]
        signals: dict[str, float] = {"long_question": 0.0}
        if headings.size and headings.shape[1] == query.shape[0]:
            signals["heading_similarity"] = round(float((headings @ query).max()), 4)
        marked = self.marked.off_topic_vectors() if self.marked is not None else None
        best = [
            float((matrix @ query).max())
            for matrix in (topics, marked)
            if matrix is not None and matrix.size and matrix.shape[1] == query.shape[0]
        ]
        if best:
            signals["off_topic_similarity"] = round(max(best), 4)
        return signals
