"""Priority use cases: which use cases of the corpus agents ask about and report, by job.

A « use case » is a section of an indexed cas-usage sheet (``corpus/cas-usage/``, one sheet per
job, and the sheets trainers upload or publish from retours). A logged question maps to the use
case of its first citation when that citation is a cas-usage section; a retour maps to the
nearest section by words (TF-IDF cosine over French stems of its task and description, see
``UseCaseCatalog``). Everything else is « hors fiches ».
Each (job of the agent, use case) pair gets four factors and a score; see ``METHOD``.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from assistant.services.retours import POSITIVE_RESULTS, RetoursService, period_bounds
from assistant.storage.models import QuestionRow

OUTSIDE = "hors fiches"
NO_JOB = "non-precise"
#: Weights of the score (0 to 100): demand, reported value, risk, coverage gap.
WEIGHTS = {"demand": 0.40, "value": 0.30, "risk": 0.20, "gap": 0.10}
#: A retour maps to a section only from this cosine on. Measured on the bundled sheets: ten
#: retours written as agents would (tests/services/test_priorities.py) reach their sheet with
#: 0.18 to 0.37, the sheets' own « Ce que l'IA peut faire » lines 0.24 to 0.6, unrelated
#: sentences at most 0.12. A section of the sheet of the retour's job gets a small bonus.
MIN_SIMILARITY = 0.15
JOB_SHEET_BONUS = 0.05
#: The sheet of each job (``JOBS`` of the API); « services techniques » has no job of its own.
JOB_SHEETS = {
    "secretariat": "cas-usage-secretariat-mairie",
    "rh": "cas-usage-ressources-humaines",
    "urbanisme": "cas-usage-urbanisme",
    "social": "cas-usage-action-sociale-ccas",
    "etat-civil": "cas-usage-accueil-etat-civil",
    "finances": "cas-usage-finances-marches-publics",
    "communication": "cas-usage-communication",
    "elu": "cas-usage-elus",
}
#: The theme of the use-case sheets (their folder in the corpus).
USE_CASES = "cas-usage"
FORBIDDEN_THEMES = ("charte", USE_CASES)

METHOD = (
    "Un cas d'usage est une section des fiches « cas d'usage » du corpus. Une question y est "
    "rattachée par sa première source citée, un retour d'expérience par la section dont le "
    "vocabulaire est le plus proche de sa tâche et de sa description (mots racinisés, TF-IDF, "
    "avec une préférence pour la fiche du métier déclaré) ; le reste est classé « hors "
    "fiches ». Pour chaque métier déclaré et chaque cas d'usage, on mesure la demande (questions "
    "et sessions distinctes), la valeur rapportée (retours non rejetés ni fusionnés, part de "
    "résultats positifs — gain de temps ou qualité —, minutes gagnées par semaine), le risque "
    "(part des questions et retours où des données personnelles ont été masquées, des questions "
    "qui citent les usages interdits de la charte ou d'une fiche, des questions suspectes "
    "d'injection, des retours signalant un risque) et la couverture du corpus (part des "
    "questions répondues, partielles, refusées). Le score, sur 100, vaut 40 × sessions "
    "rapportées au maximum + 30 × valeur (moitié nombre de retours rapporté au maximum, un "
    "quart part positive, un quart minutes rapportées au maximum) + 20 × risque + 10 × part des "
    "questions non pleinement couvertes ; le classement est fait par métier."
)


@dataclass(frozen=True)
class UseCase:
    """One section of a cas-usage sheet."""

    doc_id: str
    section: str
    sheet_title: str


def _front_matter_id(text: str) -> str | None:
    match = re.match(r"---\s*\n(.*?)\n---", text, re.DOTALL)
    if not match:
        return None
    found = re.search(r"^id:\s*['\"]?([^'\"\n]+)", match.group(1), re.MULTILINE)
    return found.group(1).strip() if found else None


def read_use_cases(directory: Path) -> list[tuple[UseCase, str]]:
    """Each ``##`` section of the sheet files in ``directory`` with its text (title included):
    what the benchmarks seed questions with, before any index exists."""
    sections: list[tuple[UseCase, str]] = []
    for path in sorted(directory.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        doc_id = _front_matter_id(text) or path.stem
        title_match = re.search(r"^# (.+)$", text, re.MULTILINE)
        sheet_title = title_match.group(1).strip() if title_match else doc_id
        parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
        for heading, body in zip(parts[1::2], parts[2::2], strict=True):
            heading = heading.strip()
            sections.append((UseCase(doc_id, heading, sheet_title), f"{heading}\n{body}"))
    return sections


class UseCaseCatalog:
    """The use cases of the corpus and a TF-IDF index of their words (French stems).

    ``nearest(text, job)`` is the section whose vector is closest (cosine) to the text's,
    with a small bonus for the sheet of ``job``; None under ``MIN_SIMILARITY``.
    """

    def __init__(self, sections: list[tuple[UseCase, str]]) -> None:
        from assistant.index.text import analyse

        self.use_cases = [use_case for use_case, _ in sections]
        counts = [Counter(analyse(text)) for _, text in sections]
        documents = Counter(term for count in counts for term in count)
        total = max(len(counts), 1)
        self._idf = {term: math.log((1 + total) / (1 + df)) + 1 for term, df in documents.items()}
        self._terms = {term: n for n, term in enumerate(self._idf)}
        # Sections × terms, rows L2-normalised: one product scores every section at once.
        self._matrix = np.zeros((len(counts), len(self._terms)), dtype=np.float32)
        for row, count in enumerate(counts):
            for term, weight in self._normalised(count).items():
                self._matrix[row, self._terms[term]] = weight
        self._sheets = np.array([use_case.doc_id for use_case in self.use_cases], dtype=object)

    @classmethod
    def from_index(cls, index: Any) -> UseCaseCatalog:
        """The catalog of the indexed documents of theme ``cas-usage``: the shipped sheets, the
        ones uploaded through the page and the retours published as sheets, each section as
        the questions' citations name it (``doc_id``, ``section``)."""
        lexical = index.lexical
        themes = zip(lexical.ids, lexical.themes, strict=True)
        ids = [chunk_id for chunk_id, theme in themes if theme == USE_CASES]
        sections: dict[tuple[str, str], list[Any]] = {}
        for chunk in index.get_chunks(ids):
            meta = chunk.metadata
            key = (str(meta.get("doc_id", "")), str(meta.get("section", "")))
            if key[1]:
                sections.setdefault(key, []).append(chunk)
        catalog: list[tuple[UseCase, str]] = []
        for (doc_id, section), chunks in sorted(
            sections.items(), key=lambda item: (item[0][0], _first_ordinal(item[1]))
        ):
            chunks.sort(key=lambda c: int(c.metadata.get("ordinal", 0)))
            title = str(chunks[0].metadata.get("title") or doc_id)
            body = "\n".join(c.text for c in chunks)
            catalog.append((UseCase(doc_id, section, title), f"{section}\n{body}"))
        return cls(catalog)

    def _normalised(self, count: Counter[str]) -> dict[str, float]:
        weights = {t: (1 + math.log(n)) * self._idf.get(t, 0.0) for t, n in count.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {t: w / norm for t, w in weights.items() if w}

    def nearest(self, text: str, job: str | None = None) -> UseCase | None:
        """The closest use case to ``text`` (see the class), or None."""
        from assistant.index.text import analyse

        query = self._normalised(Counter(analyse(text)))
        if not query or not self.use_cases:
            return None
        columns = [self._terms[t] for t in query]
        scores = self._matrix[:, columns] @ np.array(list(query.values()), dtype=np.float32)
        sheet = JOB_SHEETS.get(job or "")
        if sheet is not None:
            scores = scores + JOB_SHEET_BONUS * (
                (self._sheets == sheet) & (scores >= MIN_SIMILARITY)
            )
        best = int(np.argmax(scores))
        return self.use_cases[best] if scores[best] >= MIN_SIMILARITY else None


def _first_ordinal(chunks: list[Any]) -> int:
    return min(int(c.metadata.get("ordinal", 0)) for c in chunks)


class IndexedUseCases:
    """The use-case catalog of an index's current corpus: rebuilt when the corpus changes
    (an upload, a replacement, a removal, here or in another process), not at every read."""

    def __init__(self, index: Any) -> None:
        self._index = index
        self._built: tuple[int, UseCaseCatalog] | None = None
        self._lock = threading.Lock()

    def current(self) -> UseCaseCatalog:
        generation = self._index.lexical.generation
        with self._lock:
            if self._built is None or self._built[0] != generation:
                self._built = (generation, UseCaseCatalog.from_index(self._index))
            return self._built[1]


def is_forbidden_use(citation: dict[str, Any]) -> bool:
    """A citation of a forbidden-uses section: the charter's article 4 « Usages interdits »
    or a sheet's « Ce qui est interdit… »."""
    return citation.get("theme") in FORBIDDEN_THEMES and _forbidden_section(
        str(citation.get("section") or "")
    )


@functools.lru_cache(maxsize=4096)
def _forbidden_section(section: str) -> bool:
    from assistant.index.text import fold

    return "interdit" in fold(section)


@dataclass
class _Tally:
    questions: int = 0
    sessions: set[str] = field(default_factory=set)
    coverage: Counter[str] = field(default_factory=Counter)
    personal_data: int = 0
    forbidden: int = 0
    flagged: int = 0
    retours: int = 0
    positive: int = 0
    minutes: int = 0
    retour_risks: int = 0


def _read_questions(container: Any, start: datetime | None, end: datetime | None) -> list:
    query = select(QuestionRow.id, QuestionRow.job, QuestionRow.data)
    if start is not None:
        query = query.where(QuestionRow.ts >= start)
    if end is not None:
        query = query.where(QuestionRow.ts < end)
    with container.database.session() as session:
        return session.execute(query).all()


def _count_questions(tallies: dict, rows: list) -> None:
    for row_id, job, data in rows:
        citations = data.get("citations") or []
        first = citations[0] if citations else {}
        if first.get("theme") == "cas-usage":
            key = (job or NO_JOB, first.get("doc_id"), first.get("section"))
        else:
            key = (job or NO_JOB, None, None)
        tally = tallies.setdefault(key, _Tally())
        tally.questions += 1
        # An entry logged before sessions were recorded counts as a session of its own.
        tally.sessions.add(data.get("session") or f"entree-{row_id}")
        refused = data.get("refused")
        tally.coverage[data.get("coverage") or ("refused" if refused else "answered")] += 1
        tally.personal_data += bool(data.get("finding_types"))
        tally.forbidden += any(is_forbidden_use(c) for c in citations)
        tally.flagged += bool(data.get("question_flagged"))


def _count_retours(tallies: dict, retours: list[dict], catalog: UseCaseCatalog) -> None:
    for retour in retours:
        if retour["status"] in ("rejete", "fusionne"):
            continue
        use_case = catalog.nearest(f"{retour['task']}\n{retour['description']}", retour["job"])
        doc_id, section = (use_case.doc_id, use_case.section) if use_case else (None, None)
        tally = tallies.setdefault((retour["job"] or NO_JOB, doc_id, section), _Tally())
        tally.retours += 1
        tally.positive += retour["result"] in POSITIVE_RESULTS
        tally.minutes += retour["time_saved_minutes"] or 0
        tally.personal_data += bool(retour["finding_types"])
        tally.retour_risks += bool(retour["risk"].strip() or retour["finding_types"])


def _item(key: tuple, tally: _Tally, maxima: dict[str, int]) -> dict[str, Any]:
    job, doc_id, section = key
    asked = tally.questions
    shares = {
        name: round(tally.coverage.get(name, 0) / asked, 4) if asked else 0.0
        for name in ("answered", "partial", "refused")
    }
    positive_share = round(tally.positive / tally.retours, 4) if tally.retours else None
    demand = len(tally.sessions) / maxima["sessions"] if maxima["sessions"] else 0.0
    value = 0.0
    if tally.retours:
        value = 0.5 * tally.retours / maxima["retours"] + 0.25 * (positive_share or 0.0)
        value += 0.25 * (tally.minutes / maxima["minutes"] if maxima["minutes"] else 0.0)
    risky = tally.personal_data + tally.forbidden + tally.flagged + tally.retour_risks
    risk = min(1.0, risky / (asked + tally.retours)) if asked + tally.retours else 0.0
    gap = shares["partial"] + shares["refused"] if asked else 0.0
    score = 100 * (
        WEIGHTS["demand"] * demand
        + WEIGHTS["value"] * value
        + WEIGHTS["risk"] * risk
        + WEIGHTS["gap"] * gap
    )
    return {
        "rank": 0,
        "job": job,
        "use_case": section or OUTSIDE,
        "doc_id": doc_id,
        "section": section,
        "questions": asked,
        "sessions": len(tally.sessions),
        "retours": tally.retours,
        "positive_share": positive_share,
        "minutes_saved": tally.minutes,
        "risk": round(risk, 4),
        "risk_findings": tally.personal_data,
        "coverage": shares,
        "score": round(score, 1),
        "forbidden_asked": tally.forbidden,
        "flagged": tally.flagged,
    }


def compute_priorities(
    container: Any,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> dict[str, Any]:
    """The ranking of use cases by job over ``[since, until]`` (dates included):
    ``{"method", "period", "items"}``, items ranked within each job by score (ties: more
    sessions first), jobs in the order of ``JOBS``."""
    from assistant.services.jobs import JOBS

    start, end = period_bounds(since, until)
    rows = _read_questions(container, start, end)
    retours = RetoursService(container).list(since=start, until=end)
    tallies: dict[tuple, _Tally] = {}
    _count_questions(tallies, rows)
    _count_retours(tallies, retours, container.use_cases)
    maxima = {
        "sessions": max((len(t.sessions) for t in tallies.values()), default=0),
        "retours": max((t.retours for t in tallies.values()), default=0),
        "minutes": max((t.minutes for t in tallies.values()), default=0),
    }
    items = [_item(key, tally, maxima) for key, tally in tallies.items()]
    order = {job: n for n, job in enumerate([*JOBS, NO_JOB])}
    items.sort(key=lambda i: (order.get(i["job"], len(order)), -i["score"], -i["sessions"]))
    rank, previous_job = 0, None
    for item in items:
        rank = 1 if item["job"] != previous_job else rank + 1
        item["rank"], previous_job = rank, item["job"]
    return {
        "method": METHOD,
        "period": {
            "since": _day(since),
            "until": _day(until),
            "questions": len(rows),
            "retours": sum(i["retours"] for i in items),
        },
        "items": items,
    }


def _day(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


CSV_COLUMNS = [
    ("rank", "rang"),
    ("job", "métier"),
    ("use_case", "cas d'usage"),
    ("doc_id", "fiche"),
    ("questions", "questions"),
    ("sessions", "sessions distinctes"),
    ("retours", "retours d'expérience"),
    ("positive_share", "part de résultats positifs"),
    ("minutes_saved", "minutes gagnées par semaine"),
    ("risk", "risque (0 à 1)"),
    ("risk_findings", "avec données personnelles"),
    ("forbidden_asked", "usages interdits demandés"),
    ("answered", "part répondue"),
    ("partial", "part partielle"),
    ("refused", "part refusée"),
    ("score", "score (sur 100)"),
]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    if isinstance(value, float):
        text = f"{value:.4g}".replace(".", ",")
    # Spreadsheets run cells starting with these characters as formulas.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def priorities_csv(result: dict[str, Any]) -> str:
    """The ranking as CSV (``;``, UTF-8 with BOM, decimal comma: opens in a French
    spreadsheet), one line per item, with French column names."""
    from assistant.services.jobs import JOBS

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label in CSV_COLUMNS])
    for item in result["items"]:
        flat = {**item, **item["coverage"], "job": JOBS.get(item["job"], "Non précisé")}
        writer.writerow([_cell(flat[key]) for key, _ in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()
