"""Each format written for a seeded database, then read back with its own library (odfpy,
python-docx, pypdf, zipfile): the eight parts' headings, tables with the seeded totals, the
figures, and none of the raw personal data the agents typed."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from datetime import date

import pytest

from assistant.bilan import Period, gather_bilan, render_bilan
from assistant.bilan.data import PriorityItem, QueueGroup, Retour
from assistant.bilan.document import PARTS, PROPOSALS_LABEL
from assistant.bilan.proposals import derive_proposals
from tests.bilan.conftest import PERIOD, RAW_VALUES, read_back

FORMATS = ("odt", "docx", "pdf", "md")
SUFFIX = {"odt": ".odt", "docx": ".docx", "pdf": ".pdf", "md": ".zip"}


def _with_experimental_phase(data, scrubbed: list[str]):
    """Parts 3 and 4 as the three services will fill them; the queue's examples are the
    scrubbed questions of the database, as the queue service groups them."""
    data.priorities_method = "Classement par questions, retours et minutes gagnées."
    data.priorities = [
        PriorityItem(
            2,
            "Urbanisme",
            "Résumer un dossier de permis",
            "urba",
            "2",
            4,
            3,
            1,
            0.5,
            30,
            "moyen",
            0,
            {"answered": 4, "partial": 0, "refused": 0},
            2.0,
        ),
        PriorityItem(
            1,
            "Ressources humaines",
            "Rédiger une fiche de poste",
            "rh",
            "1",
            5,
            2,
            2,
            1.0,
            45,
            "faible",
            0,
            {"answered": 5, "partial": 0, "refused": 0},
            3.0,
        ),
    ]
    data.retours = [
        Retour(
            "r1",
            "2026-10-07",
            "Ressources humaines",
            "Fiche de poste",
            "Albert",
            "utile",
            20,
            "faible",
        ),
        Retour(
            "r2", "2026-10-08", "Ressources humaines", "Annonce", "Albert", "utile", 15, "faible"
        ),
        Retour("r3", "2026-10-09", "Urbanisme", "Synthèse", "Mistral", "mitigé", 10, "moyen"),
    ]
    data.queue_groups = [
        QueueGroup(
            "g1",
            "open",
            7,
            5,
            [scrubbed[0]],
            [{"doc_id": "rgpd", "section": "", "title": "Fiche RGPD"}],
            {"refused": 7, "partial": 0, "down": 0},
            "",
        ),
        QueueGroup("g2", "drafted", 4, 3, [scrubbed[1]], [], {"refused": 4}, "fiche-outils"),
        QueueGroup("g3", "out_of_scope", 2, 2, ["Quelle météo demain ?"], [], {}, ""),
    ]
    data.proposals = derive_proposals(data)
    return data


@pytest.fixture
def bilan_data(seeded):
    container, facts, history = seeded
    data = gather_bilan(container, Period(*PERIOD), history_file=history)
    return _with_experimental_phase(data, facts["scrubbed"]), facts


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back_with_parts_totals_figures_and_no_personal_data(
    bilan_data, tmp_path, fmt
):
    data, facts = bilan_data
    out = render_bilan(data, fmt, tmp_path / f"bilan{SUFFIX[fmt]}")
    content = read_back(out, fmt)
    text = content["text"]
    for part in PARTS:
        assert part in text
    assert PROPOSALS_LABEL in text and "arXiv:2508.15734" in text
    assert content["images"] == 6  # coverage, weeks, themes, jobs, energy, quality
    # the scrubbed questions are shown (queue examples): the check below can fail
    assert facts["scrubbed"][0] in text.replace("&lt;", "<").replace("&gt;", ">")
    for raw in RAW_VALUES:
        assert raw not in text, f"{raw!r} dans le {fmt}"
    assert "Rédiger une fiche de poste" in text
    assert "Former" in text or "Aucune proposition" in text


def _rows(tables: list[list[list[str]]], header: str) -> list[list[str]]:
    return next(t for t in tables if t[0][0] == header)


@pytest.mark.parametrize("fmt", ["odt", "docx"])
def test_word_processor_files_have_real_headings_and_tables(bilan_data, tmp_path, fmt):
    data, _ = bilan_data
    content = read_back(render_bilan(data, fmt, tmp_path / f"bilan.{fmt}"), fmt)
    level_one = [text for level, text in content["headings"] if level == 1]
    assert level_one == list(PARTS)
    assert (2, "Questions par semaine") in content["headings"]
    jobs = _rows(content["tables"], "Métier")
    assert jobs[-1][:2] == ["Total", "12"]
    assert ["Urbanisme", "4", "0 %", "0 %"] in jobs
    assert _rows(content["tables"], "Semaine du")[1:] == [
        ["05/10/2026", "7"],
        ["12/10/2026", "5"],
        ["Total", "12"],
    ]
    retours = next(t for t in content["tables"] if t[0][:2] == ["Métier", "Retours publiés"])
    assert retours[1:] == [
        ["Ressources humaines", "2", "35"],
        ["Urbanisme", "1", "10"],
        ["Total", "3", "45"],
    ]
    queue = _rows(content["tables"], "Sujet (exemple anonymisé)")
    assert queue[-1][:3] == ["Total", "13", "10"]
    masked = _rows(content["tables"], "Type de donnée masquée")
    assert masked[-1][0] == "Total" and int(masked[-1][1]) >= 3


def test_pdf_has_page_numbers_an_outline_and_the_synthesis_on_page_one(bilan_data, tmp_path):
    data, _ = bilan_data
    content = read_back(render_bilan(data, "pdf", tmp_path / "bilan.pdf"), "pdf")
    pages = content["pages"]
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"Page {number}" in page
    assert "1. Synthèse" in pages[0] and "2. Usage" not in pages[0]
    assert "Questions posées" in pages[0] and "12" in pages[0]
    assert list(PARTS) == [t for t in content["outline"] if t in PARTS]


def test_markdown_beside_its_figures(bilan_data, tmp_path):
    data, _ = bilan_data
    out = render_bilan(data, "md", tmp_path / "bilan.md")
    text = out.read_text(encoding="utf-8")
    figures = sorted(p.name for p in tmp_path.glob("bilan-*.png"))
    assert len(figures) == 6
    for name in figures:
        assert f"]({name})" in text
    assert "| **Total** | **12** |" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_empty_period_gives_a_short_report(seeded, tmp_path, fmt):
    container, _, history = seeded
    data = gather_bilan(
        container, Period(date(2025, 1, 1), date(2025, 1, 31)), history_file=history
    )
    assert data.empty
    content = read_back(render_bilan(data, fmt, tmp_path / f"vide{SUFFIX[fmt]}"), fmt)
    assert "Aucune question sur la période" in content["text"]
    assert "2. Usage" not in content["text"]
    assert content["images"] == 0
    if fmt == "pdf":
        assert len(content["pages"]) == 1


def test_empty_lists_of_parts_3_and_4_say_so(seeded, tmp_path):
    container, _, history = seeded
    data = gather_bilan(container, Period(*PERIOD), history_file=history)
    # A period with questions but nothing ranked, shared or grouped.
    data = dataclasses.replace(data, priorities=[], retours=[], queue_groups=[])
    content = read_back(render_bilan(data, "docx", tmp_path / "b.docx"), "docx")
    assert "Aucun cas d'usage classé sur la période." in content["text"]
    assert "Aucun retour d'expérience publié sur la période." in content["text"]
    assert "Aucun groupe de questions non couvertes sur la période." in content["text"]


@pytest.mark.slow
def test_pdf_pages_render_to_png(bilan_data, tmp_path):
    """pdftoppm (poppler) draws every page; the pictures are kept in tests/artifacts/ to be
    looked at."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm absent : `make system-packages` installe poppler-utils")
    from pathlib import Path

    from PIL import Image

    data, _ = bilan_data
    pdf = render_bilan(data, "pdf", tmp_path / "bilan.pdf")
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(pdf), str(artifacts / "bilan-page")],
        check=True,
        timeout=120,
    )
    pictures = sorted(artifacts.glob("bilan-page-*.png"))
    assert len(pictures) == len(read_back(pdf, "pdf")["pages"])
    first = Image.open(pictures[0]).convert("RGB")
    # the title's blue (#000091) is on the first page
    colours = first.getcolors(1 << 20) or []
    assert any(r < 40 and g < 40 and b > 100 for _, (r, g, b) in colours)
