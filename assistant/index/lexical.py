"""French lexical index: BM25 (bm25s) over accent-folded, Snowball-stemmed tokens."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.index.text import analyse
from assistant.query import COMMON_SHARE, Vocabulary, acronyms_defined_in


class LexicalIndex:
    """An immutable BM25 snapshot over chunk texts; rebuilt when the corpus changes."""

    def __init__(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        *,
        generation: int = 0,
        themes: Sequence[str] | None = None,
        headings: Sequence[str] = (),
    ) -> None:
        import bm25s

        self.ids = list(ids)
        self.themes = list(themes) if themes is not None else [""] * len(self.ids)
        self.generation = generation
        # The distinct section headings of the snapshot (the refusal gate's topic signal)
        self.headings = sorted(set(headings))
        self._retriever = None
        self._vocab: dict[str, int] = {}
        # The corpus's written words, for typo-tolerant query understanding (assistant/query.py)
        self.vocabulary = Vocabulary(texts)
        self.document_frequency: Counter[str] = Counter()
        if self.ids:
            tokens = [analyse(text) for text in texts]
            for doc in tokens:
                self.document_frequency.update(set(doc))
            self._vocab = {}
            for doc in tokens:
                for token in doc:
                    self._vocab.setdefault(token, len(self._vocab))
            corpus_ids = [[self._vocab[t] for t in doc] for doc in tokens]
            retriever = bm25s.BM25(k1=1.2, b=0.75)
            retriever.index(
                bm25s.tokenization.Tokenized(ids=corpus_ids, vocab=self._vocab), show_progress=False
            )
            self._retriever = retriever
        # Acronyms the texts define, but not those in most passages (« IA »): spelling those
        # out adds the same words to every question.
        common = max(3, COMMON_SHARE * len(self.ids))
        self.defined_acronyms = [
            entry
            for entry in acronyms_defined_in(texts)
            if all(self.document_frequency.get(t, 0) <= common for t in analyse(entry.term))
        ]
        self._lock = threading.Lock()

    def knows(self, stem: str) -> bool:
        """Whether a stemmed term occurs in the indexed texts."""
        return stem in self._vocab

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, *, theme: str | None = None) -> list[tuple[str, float]]:
        """Best chunks as (chunk_id, BM25 score > 0), best first; optionally one theme only."""
        if self._retriever is None or k <= 0:
            return []
        # At most 256 query terms: a question is 4,000 characters at most, more costs time only.
        token_ids = [self._vocab[t] for t in analyse(query) if t in self._vocab][:256]
        if not token_ids:
            return []
        scores = self._retriever.get_scores(token_ids)
        if theme:
            scores = np.where(np.array(self.themes) == theme, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Persist the ids and generation (the BM25 matrix is rebuilt from Chroma's texts)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "lexical.json").write_text(
            json.dumps({"generation": self.generation, "size": len(self.ids)}), encoding="utf-8"
        )
