"""Priority use cases: questions and retours mapped to the cas-usage sections, by job."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from assistant.services.priorities import (
    METHOD,
    OUTSIDE,
    compute_priorities,
    priorities_csv,
)
from assistant.services.retours import RetoursService
from tests.servers.live_app import ingest_use_case_sheets

SHEET = "cas-usage-secretariat-mairie"
CAN_DO = "Ce que l'IA peut faire pour le secrétariat de mairie"
FORBIDDEN = "Ce qui est interdit au secrétariat de mairie"
ITEM_KEYS = [
    "rank", "job", "use_case", "doc_id", "section", "questions", "sessions", "retours",
    "positive_share", "minutes_saved", "risk", "risk_findings", "coverage", "score",
]  # fmt: skip


def _question(records, *, job, section=None, session=None, coverage="answered", **extra):
    citations = []
    if section:
        citations = [{"doc_id": SHEET, "section": section, "theme": "cas-usage"}]
    entry = {"job": job, "citations": citations, "coverage": coverage, **extra}
    if session is not None:
        entry["session"] = session
    records.questions.append(entry)


def _by_use_case(result, job):
    return {i["use_case"]: i for i in result["items"] if i["job"] == job}


def test_demand_sessions_coverage_and_risk_by_use_case(records_container):
    records = records_container.records
    for session in ("s1", "s1", "s2"):
        _question(records, job="secretariat", section=CAN_DO, session=session)
    _question(records, job="secretariat", section=CAN_DO, coverage="partial")  # no session
    _question(
        records, job="secretariat", section=FORBIDDEN, session="s3",
        finding_types=["PERSONNE"],
        citations=[
            {"doc_id": SHEET, "section": FORBIDDEN, "theme": "cas-usage"},
            {"doc_id": "charte-ia", "section": "Article 4 – Usages interdits de l'IA",
             "theme": "charte"},
        ],
    )  # fmt: skip
    _question(records, job=None, coverage="refused", refused=True)
    _question(
        records, job="secretariat", session="s4",
        citations=[{"doc_id": "charte-ia", "section": "Article 4 – Usages interdits de l'IA",
                    "theme": "charte"}],
    )  # fmt: skip

    result = compute_priorities(records_container)
    assert result["method"] == METHOD
    assert result["period"]["questions"] == 7
    secretariat = _by_use_case(result, "secretariat")
    can_do = secretariat[CAN_DO]
    assert list(can_do)[: len(ITEM_KEYS)] == ITEM_KEYS
    assert (can_do["questions"], can_do["sessions"]) == (4, 3)  # s1, s2 and one old entry
    assert can_do["coverage"] == {"answered": 0.75, "partial": 0.25, "refused": 0.0}
    assert can_do["risk"] == 0.0 and can_do["doc_id"] == SHEET
    forbidden = secretariat[FORBIDDEN]
    assert forbidden["risk_findings"] == 1 and forbidden["forbidden_asked"] == 1
    assert forbidden["risk"] == 1.0
    outside = secretariat[OUTSIDE]
    assert (outside["doc_id"], outside["section"], outside["forbidden_asked"]) == (None, None, 1)
    unknown_job = _by_use_case(result, "non-precise")[OUTSIDE]
    assert unknown_job["coverage"]["refused"] == 1.0
    # Ranked within each job, by score.
    ranks = [(i["rank"], i["score"]) for i in result["items"] if i["job"] == "secretariat"]
    assert [r for r, _ in ranks] == [1, 2, 3]
    assert [s for _, s in ranks] == sorted((s for _, s in ranks), reverse=True)


def test_retours_add_value_to_their_nearest_use_case(records_container):
    ingest_use_case_sheets(records_container)
    service = RetoursService(records_container)
    common = {"job": "secretariat", "tool": "assistant-syndicat", "contact_consent": False}
    for result, minutes in (("gain-de-temps", 30), ("qualite", None), ("abandonne", 10)):
        service.submit(
            **common,
            task="Préparer l'ordre du jour et la convocation du conseil municipal",
            description="Trame de convocation du conseil municipal à partir des points.",
            result=result,
            time_saved_minutes=minutes,
        )
    rejected = service.submit(
        **common, task="Convocation du conseil", description="Trame de convocation.",
        result="gain-de-temps", time_saved_minutes=500,
    )  # fmt: skip
    service.reject(rejected["id"])
    service.submit(
        **common, task="Recette de cuisine", description="Un gâteau pour la fête des voisins.",
        result="sans-effet", risk="Aucun",
    )  # fmt: skip

    result = compute_priorities(records_container)
    secretariat = _by_use_case(result, "secretariat")
    mapped = [i for i in secretariat.values() if i["doc_id"] == SHEET]
    assert len(mapped) == 1
    [item] = mapped
    assert (item["retours"], item["minutes_saved"]) == (3, 40)
    assert item["positive_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert item["questions"] == 0 and item["positive_share"] is not None
    outside = secretariat[OUTSIDE]
    assert (outside["retours"], outside["positive_share"], outside["risk"]) == (1, 0.0, 1.0)
    assert result["period"]["retours"] == 4


RETOUR_SHEETS = [
        ("J'ai préparé la trame de convocation du conseil municipal et l'ordre du jour",
         "cas-usage-secretariat-mairie"),
        ("Rédaction d'une fiche de poste pour un recrutement d'agent technique",
         "cas-usage-ressources-humaines"),
        ("Réponse type à un pétitionnaire sur les pièces manquantes d'un permis de construire",
         "cas-usage-urbanisme"),
        ("Courrier d'information générique sur les aides du CCAS pour les seniors",
         "cas-usage-action-sociale-ccas"),
        ("Liste des pièces à fournir pour un dossier de mariage à l'accueil de la mairie",
         "cas-usage-accueil-etat-civil"),
        ("Aide à la rédaction du cahier des charges d'un marché public de fournitures",
         "cas-usage-finances-marches-publics"),
        ("Rédaction d'articles pour le bulletin municipal et les réseaux sociaux",
         "cas-usage-communication"),
        ("Préparer le discours du maire pour les voeux à la population", "cas-usage-elus"),
        ("Rédiger un avis de travaux de voirie pour informer les riverains",
         "cas-usage-services-techniques"),
        ("Traduire en FALC une page du site internet", "cas-usage-communication"),
        ("Le chat de la voisine est monté dans l'arbre", None),
        ("Il a plu toute la semaine", None),
        ("J'ai fait un gâteau au chocolat pour la fête des voisins", None),
]  # fmt: skip


def test_a_retour_maps_to_the_sheet_it_speaks_of_or_to_none(container):
    """The measurements behind ``MIN_SIMILARITY``; no job given, so no sheet bonus helps."""
    ingest_use_case_sheets(container)
    found = {task: container.use_cases.nearest(task) for task, _ in RETOUR_SHEETS}
    assert {task: (f.doc_id if f else None) for task, f in found.items()} == dict(RETOUR_SHEETS)


def test_an_uploaded_sheet_is_a_use_case_at_once_and_a_removed_one_no_longer(container):
    """The catalog follows the index: a sheet imported while the server runs (through the
    page, or published from a retour) is mapped to without a restart, and a removal counts."""
    ingest_use_case_sheets(container)
    task = "Organiser le planning des tournées de déneigement avec les agents de la voirie"
    assert container.use_cases.nearest(task) is None or (
        container.use_cases.nearest(task).doc_id != "cas-usage-deneigement"
    )
    sheet = (
        "---\nid: cas-usage-deneigement\ntitle: Déneigement et IA\ntheme: cas-usage\n---\n"
        "# Déneigement et IA\n\n## Planifier les tournées de déneigement\n\n"
        "L'IA aide à préparer le planning des tournées de déneigement des agents de voirie, "
        "selon les prévisions et les routes prioritaires.\n"
    )
    outcome = container.ingestor.ingest_bytes("cas-usage-deneigement.md", sheet.encode())
    assert outcome.status == "indexed", outcome.message
    found = container.use_cases.nearest(task)
    assert (found.doc_id, found.section, found.sheet_title) == (
        "cas-usage-deneigement", "Planifier les tournées de déneigement", "Déneigement et IA",
    )  # fmt: skip
    container.index.remove_document("cas-usage-deneigement")
    after = container.use_cases.nearest(task)
    assert after is None or after.doc_id != "cas-usage-deneigement"


def test_period_filters_questions_and_the_csv_export(records_container):
    records = records_container.records
    old = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    records.questions.append({"ts": old, "job": "rh", "citations": [], "session": "x"})
    _question(records, job="secretariat", section=CAN_DO, session="s")
    today = datetime.now(UTC).date()
    recent = compute_priorities(records_container, since=today - timedelta(days=1))
    assert recent["period"] == {
        "since": (today - timedelta(days=1)).isoformat(), "until": None,
        "questions": 1, "retours": 0,
    }  # fmt: skip
    assert {i["job"] for i in recent["items"]} == {"secretariat"}
    older = compute_priorities(records_container, until=today - timedelta(days=2))
    assert [i["job"] for i in older["items"]] == ["rh"]
    rows = list(csv.reader(io.StringIO(priorities_csv(recent).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["rang", "métier", "cas d'usage"]
    assert rows[1][1] == "Secrétariat de mairie" and rows[1][2] == CAN_DO
    assert float(rows[1][-1].replace(",", ".")) == recent["items"][0]["score"] > 0
