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


@pytest.mark.parametrize(
    ("task", "sheet"),
    [
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
    ],
)  # fmt: skip
def test_a_retour_maps_to_the_sheet_it_speaks_of_or_to_none(container, task, sheet):
    """The measurements behind ``MIN_SIMILARITY``; no job given, so no sheet bonus helps."""
    found = container.use_cases.nearest(task)
    assert (found.doc_id if found else None) == sheet


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
