"""The field files (terrain*.yaml) beside the dev files make a split of their own."""

from __future__ import annotations

import yaml

from assistant.evaluation.datasets import load_items
from assistant.evaluation.runner import ANSWERABLE_KINDS


def test_terrain_files_are_their_own_split_of_kind_terrain(tmp_path):
    question = {
        "question": "Que dit la charte ?",
        "expected_sources": [{"doc": "d", "section": "s"}],
    }
    (tmp_path / "in_scope.yaml").write_text(yaml.safe_dump([{"id": "dev-1", **question}]))
    (tmp_path / "terrain.yaml").write_text(
        yaml.safe_dump([{"id": "terrain-q1-1", "style": "terrain", **question}])
    )
    dev = load_items(tmp_path, split="dev")
    terrain = load_items(tmp_path, split="terrain")
    assert [(i.id, i.kind) for i in dev] == [("dev-1", "in_scope")]
    assert [(i.id, i.kind, i.split, i.style) for i in terrain] == [
        ("terrain-q1-1", "terrain", "terrain", "terrain")
    ]
    assert terrain[0].answerable and "terrain" in ANSWERABLE_KINDS
