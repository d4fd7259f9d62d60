"""The field set « terrain »: questions agents really asked, whose group a trainer linked to a
section (`assistant queue dataset --out eval/datasets/terrain.yaml`). Run by the same session
as the golden sets, on the corpus alone (links live in a deployment's database, not here):
it tracks how much of what agents ask the corpus itself answers. Reported apart, no floor."""

from __future__ import annotations

import pytest

from assistant.evaluation.datasets import load_split

TERRAIN = load_split("terrain")


@pytest.mark.skipif(
    not TERRAIN,
    reason="aucun jeu terrain exporté : `assistant queue dataset --out "
    "eval/datasets/terrain.yaml` l'écrit depuis les groupes reliés",
)
def test_the_field_set_is_run_and_reported_apart(eval_run):
    results, _, entry = eval_run
    terrain = entry["splits"]["terrain"]
    assert set(terrain["items"]) == {item.id for item in TERRAIN}
    assert {r.kind for r in results if r.split == "terrain"} == {"terrain"}
    assert set(terrain["metrics"]) >= {"hit_at_5", "false_refusal_rate"}
    print(
        "\nterrain : "
        + ", ".join(
            f"{k} {v['value']:.3f}"
            for k, v in terrain["metrics"].items()
            if k in ("hit_at_5", "mrr", "false_refusal_rate")
        )
    )
