"""The webinar dashboard's tables and the committee's report."""

from __future__ import annotations

from datetime import UTC, datetime

from ui import report

ANALYTICS = {
    "total": 4,
    "by_theme": {"charte": 2, "cybersecurite": 1, "aucun": 1},
    "by_job": {"secretariat": 3, "non précisé": 1},
    "jobs": {"secretariat": "Secrétariat de mairie"},
    "by_backend": {"extractive": 3, "refus": 1},
    "refused_count": 1,
    "refused": [
        {"ts": "2025-05-14T08:30:00+00:00", "question": "Quel temps fera-t-il ?", "job": None}
    ],
    "flagged_count": 0,
    "feedback": {
        "up": 1,
        "down": 1,
        "recent": [{"ts": "2025-05-14T08:31:00+00:00", "vote": "down", "reason": "Trop | vague"}],
    },
    "questions": [
        {
            "ts": "2025-05-14T08:31:00+00:00",
            "question": "Puis-je appeler [PERSONNE_1] ?",
            "theme": "charte",
            "job": "secretariat",
            "refused": False,
            "finding_types": ["PERSONNE"],
            "vote": "down",
            "feedback_reason": "Trop | vague",
        },
        {
            "ts": "2025-05-14T08:30:00+00:00",
            "question": "Quel temps fera-t-il ?",
            "theme": None,
            "job": None,
            "refused": True,
            "finding_types": [],
            "vote": None,
        },
    ],
}


def test_when_is_french_local_time():
    assert report.when("2025-05-14T08:31:00+00:00") == "14/05 10:31"
    assert report.when("2025-01-14T08:31:00+00:00", with_year=True) == "14/01/2025 09:31"
    assert report.when(None) == ""


def test_dashboard_tables_and_summary():
    tables = report.dashboard_tables(ANALYTICS)
    assert tables["questions"][0] == [
        "14/05 10:31",
        "Puis-je appeler [PERSONNE_1] ?",
        "Charte",
        "Secrétariat de mairie",
        "oui",
        "👎 pas utile",
    ]
    assert tables["questions"][1][2:5] == ["—", "Non précisé", "non"]
    assert ["Aucun (sans réponse du corpus)", 1] in tables["themes"]
    assert tables["refused"] == [["14/05 10:30", "Quel temps fera-t-il ?", "Non précisé"]]
    summary = report.summary_markdown(ANALYTICS)
    assert "**4 questions**" in summary and "**1** sans réponse du corpus" in summary


def test_export_writes_report_chart_and_csv():
    now = datetime(2025, 5, 14, 9, 0, tzinfo=UTC)
    paths = report.export_files(
        ANALYTICS, b"\xef\xbb\xbfdate;question\r\n", period="La dernière heure", now=now
    )
    markdown, chart, csv_file = paths
    assert markdown.name == "rapport-assistant-2025-05-14-11h00.md"
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbf")
    text = markdown.read_text(encoding="utf-8")
    assert f"![Questions par thème et par métier]({chart.name})" in text
    assert "| Charte | 2 | 50 % |" in text
    assert "| Secrétariat de mairie | 3 | 75 % |" in text
    assert "- Quel temps fera-t-il ?" in text
    assert "Trop \\| vague" in text
    assert "- nom de personne : 1" in text
    assert "période : la dernière heure" in text


def test_chart_of_an_empty_period(tmp_path):
    empty = {"total": 0, "by_theme": {}, "by_job": {}, "jobs": {}}
    assert report.chart_png(empty, tmp_path / "vide.png").stat().st_size > 1000
