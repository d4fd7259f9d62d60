"""The figures of the bilan, gathered from a seeded records database (real SQLite, and real
PostgreSQL for the period's bounds) and a quality history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import SecretStr

from assistant.bilan import Period, gather_bilan
from assistant.bilan.data import BilanData, Energy, JobFigures, Privacy, Quality, Usage
from assistant.bilan.experimental import (
    gather_experimental_phase,
    priority_item,
    queue_group,
    retour,
)
from assistant.bilan.gather import gather_usage
from assistant.bilan.proposals import derive_proposals
from tests.bilan.conftest import PERIOD, entry, seed


def test_usage_totals_of_the_seeded_period(seeded):
    container, facts, history = seeded
    data = gather_bilan(container, Period(*PERIOD), history_file=history)
    usage = data.usage
    assert usage.questions == facts["count"] == 12
    assert (usage.answered, usage.partial, usage.refused) == (8, 1, 3)
    # three distinct sessions, and seven questions without one count one each
    assert usage.sessions == 10
    assert usage.active_days == 8
    # the last vote of a question wins; a vote on a question outside the period is not counted
    assert (usage.votes_up, usage.votes_down) == (2, 1)
    assert {j.job: (j.questions, j.refused, j.up, j.down) for j in usage.per_job} == {
        "Ressources humaines": (5, 0, 2, 0),
        "Urbanisme": (4, 0, 0, 1),
        "Secrétariat de mairie": (2, 2, 0, 0),
        "Non précisé": (1, 1, 0, 0),
    }
    assert {c.label: c.value for c in usage.per_theme} == {
        "Charte": 6,
        "Cybersécurité": 3,
        "Aucun (sans réponse du corpus)": 3,
    }
    assert sum(c.value for c in usage.per_week) == 12
    assert [c.label for c in usage.per_week] == ["05/10/2026", "12/10/2026"]
    assert (usage.peak_minute, usage.peak_hour) == (4, 5)


def test_an_hour_of_twenty_questions_counts_as_a_webinar():
    webinar = [entry(f"2026-10-06T09:{m:02d}:00+00:00", f"w{m}") for m in range(0, 40, 2)]
    quiet = [entry(f"2026-10-07T09:{m:02d}:00+00:00", f"q{m}") for m in range(19)]
    usage = gather_usage(webinar + quiet, {})
    assert (usage.questions, usage.peak_hour, usage.busy_hours) == (39, 20, 1)
    assert usage.sessions == 39  # no session field: one each


def test_privacy_energy_and_quality(seeded):
    container, _, history = seeded
    data = gather_bilan(container, Period(*PERIOD), history_file=history)
    privacy = data.privacy
    assert privacy.questions_with_personal_data == 2
    assert {c.label for c in privacy.masked_by_type} >= {
        "nom de personne",
        "numéro de téléphone",
        "adresse électronique",
    }
    assert privacy.injections_flagged == 1
    assert privacy.retention_days == 180
    assert privacy.pii_leak_rate == 0.0
    energy = data.energy
    assert energy.measured_answers == 12
    assert energy.mean_answer_s == pytest.approx(1.7)
    assert energy.wh_per_answer == pytest.approx(1.7 * 60 / 3600)
    assert energy.wh_period == pytest.approx(20.4 * 60 / 3600)
    assert energy.hosted_wh_period == pytest.approx(12 * 0.24)
    quality = data.quality
    # the run after the period's end is left out
    assert [run.hit_at_5 for run in quality.history] == [0.81, 0.88]
    assert quality.latest_date.startswith("2026-10-10")
    assert [s.name for s in quality.splits] == ["dev", "test", "field"]


def test_server_power_comes_from_the_settings(container, tmp_path):
    from assistant.container import Container

    settings = container.settings.model_copy(
        update={
            "bilan": container.settings.bilan.model_copy(update={"server_watts": 120, "pue": 1.5})
        }
    )
    other = Container(settings)
    other.__dict__["question_scrubber"] = container.question_scrubber
    seed(other)
    energy = gather_bilan(other, Period(*PERIOD), history_file=tmp_path / "none").energy
    assert energy.wh_per_answer == pytest.approx(1.7 * 120 * 1.5 / 3600)


def test_period_bounds_are_french_days_on_postgresql(postgres_url, container):
    from assistant.container import Container

    settings = container.settings.model_copy(
        update={
            "database": container.settings.database.model_copy(
                update={"url": SecretStr(postgres_url)}
            )
        }
    )
    other = Container(settings)
    other.__dict__["question_scrubber"] = container.question_scrubber
    seed(other)
    data = gather_bilan(other, Period(*PERIOD))
    assert data.usage.questions == 12
    one_day = gather_bilan(other, Period(date(2026, 10, 19), date(2026, 10, 19)))
    assert one_day.usage.questions == 1  # the question at 00:30 in Paris
    other.database.dispose()


def test_experimental_phase_is_empty_while_the_services_are_absent(container):
    phase = gather_experimental_phase(container, None, None)
    assert (phase.priorities, phase.retours, phase.queue_groups) == ([], [], [])


def test_the_services_items_become_typed_fields():
    """The three contracts' items, as the services will return them, typed for the bilan."""
    item = priority_item(
        {
            "rank": 1,
            "job": "rh",
            "use_case": "Rédiger une fiche de poste",
            "questions": 7,
            "sessions": 5,
            "retours": 2,
            "positive_share": 0.8,
            "minutes_saved": 45,
            "risk": "faible",
            "risk_findings": 0,
            "coverage": {"answered": 5, "refused": 2},
            "score": 3.5,
            "doc_id": "cas-rh",
            "section": "2",
        }
    )
    assert (item.rank, item.use_case, item.questions, item.minutes_saved) == (
        1,
        "Rédiger une fiche de poste",
        7,
        45.0,
    )
    assert item.coverage == {"answered": 5, "partial": 0, "refused": 2}
    published = retour(
        {
            "id": "r1",
            "ts": "2026-10-07T10:00:00+00:00",
            "status": "publie",
            "job": "rh",
            "task": "courrier",
            "tool": "Albert",
            "result": "utile",
            "time_saved_minutes": "20",
            "risk": "faible",
            "description": "texte libre",
            "contact_consent": True,
        }
    )
    assert published.time_saved_minutes == 20.0
    assert not hasattr(published, "description")  # free text and contact stay out
    group = queue_group(
        {
            "id": "g1",
            "status": "linked",
            "count": 7,
            "sessions": 5,
            "first_ts": "",
            "last_ts": "",
            "examples": ["Question [PERSONNE_1] ?"],
            "nearest": [{"doc_id": "rgpd", "section": "1", "title": "Fiche RGPD"}],
            "kinds": {"refused": 6, "down": 1},
            "link": {"doc_id": "rgpd"},
        }
    )
    assert (group.status, group.count, group.link) == ("linked", 7, "rgpd")
    assert group.kinds == {"refused": 6, "partial": 0, "down": 1}


def _bare(per_job: list[JobFigures], refused: int, questions: int) -> BilanData:
    return BilanData(
        period=Period(date(2026, 10, 1), date(2026, 10, 31)),
        generated_at=datetime(2026, 11, 1, tzinfo=UTC),
        syndicate="Territoires Numériques",
        usage=Usage(questions=questions, refused=refused, per_job=per_job),
        privacy=Privacy(),
        quality=Quality(),
        energy=Energy(),
    )


def test_proposals_follow_their_rules():
    data = _bare(
        [
            JobFigures("Urbanisme", 10, 6, 1, 1),  # 60 % refused vs 20 %: train
            JobFigures("Ressources humaines", 10, 1, 1, 4),  # satisfaction 20 %: train
            JobFigures("Finances", 4, 4, 0, 0),  # too few questions to tell
            JobFigures("Communication", 20, 3, 9, 1),  # fine
        ],
        refused=10,
        questions=50,
    )
    proposals = derive_proposals(data)
    assert [(p.kind, p.text) for p in proposals] == [
        ("former", "Former en priorité les agents du métier « Ressources humaines »."),
        ("former", "Former en priorité les agents du métier « Urbanisme »."),
    ]
    assert derive_proposals(_bare([], 0, 0)) == []


def test_only_open_groups_become_sheets_to_write_and_unknown_sessions_are_not_invented():
    from assistant.bilan.data import QueueGroup

    data = _bare([], refused=0, questions=0)
    data.queue_groups = [
        QueueGroup("q1", "open", 9, None, ["période d'essai ?"], [], {"refused": 9}, ""),
        QueueGroup("q2", "linked", 20, None, ["phishing ?"], [], {"partial": 20}, "fiche"),
    ]
    (proposal,) = derive_proposals(data)
    assert proposal.text == "Rédiger une fiche pour les questions du type « période d'essai ? »."
    assert proposal.because == "9 questions sans fiche qui y réponde"
