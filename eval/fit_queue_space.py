"""Fit the queue's question space for the configured embedding model, and print its margins.

    python -m eval.fit_queue_space [--write]

1. The mean query embedding of the dev split's questions (never the frozen test split): what
   every French question about the syndicate shares. ``--write`` stores it in
   assistant/services/queue_space.json, keyed by the model's id; the queue and the links
   subtract it before comparing questions (see ``assistant.services.queue``).
2. On eval/queue/fit_groups.yaml: for each paraphrase, its similarity to the nearest question
   of its own group (positives), and for every other question the similarity to the nearest
   question of each group it does not belong to (negatives), raw and centred. A threshold
   between the lowest positive and the highest negative separates them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml

from assistant.offline import apply_offline_defaults

ROOT = Path(__file__).resolve().parents[1]
FIT_GROUPS = ROOT / "eval" / "queue" / "fit_groups.yaml"


def unit(rows: list[list[float]]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def margins(embed, data: dict, mean: np.ndarray | None) -> dict[str, float]:
    """Lowest positive and highest negative similarity (see the module's docstring)."""
    from assistant.services.queue import centred

    groups = data["groups"]
    members = [centred(unit([embed(q) for q in g["questions"]]), mean) for g in groups]
    paraphrases = [centred(unit([embed(q) for q in g["paraphrases"]]), mean) for g in groups]
    others = centred(unit([embed(q) for q in data["others"]]), mean)
    positives: list[float] = []
    negatives: list[float] = []
    for i, group in enumerate(members):
        positives += list((paraphrases[i] @ group.T).max(axis=1))
        strangers = [others] + [m for j, m in enumerate(members) if j != i]
        strangers += [p for j, p in enumerate(paraphrases) if j != i]
        negatives += list((np.concatenate(strangers) @ group.T).max(axis=1))
    return {"lowest_positive": float(min(positives)), "highest_negative": float(max(negatives))}


def main() -> None:
    apply_offline_defaults()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the fitted mean")
    args = parser.parse_args()

    from assistant.container import Container
    from assistant.evaluation.datasets import load_split
    from assistant.services.queue import SPACE_FILE
    from assistant.settings import get_settings

    container = Container(get_settings())
    embedder = container.embedder
    model_id = embedder.model_id
    questions = sorted({item.question for item in load_split("dev")})
    mean = unit([embedder.get_query_embedding(q) for q in questions]).mean(axis=0)
    data = yaml.safe_load(FIT_GROUPS.read_text(encoding="utf-8"))
    print(f"model {model_id}: {len(questions)} dev questions")
    for name, fitted in (("raw", None), ("centred", mean)):
        found = margins(embedder.get_query_embedding, data, fitted)
        print(
            f"{name:8s} lowest positive {found['lowest_positive']:.3f}  "
            f"highest negative {found['highest_negative']:.3f}  "
            f"margin {found['lowest_positive'] - found['highest_negative']:+.3f}"
        )
    if args.write:
        spaces = json.loads(SPACE_FILE.read_text(encoding="utf-8")) if SPACE_FILE.exists() else {}
        spaces[model_id] = {
            "questions": len(questions),
            "mean": [round(float(v), 6) for v in mean],
        }
        SPACE_FILE.write_text(json.dumps(spaces) + "\n", encoding="utf-8")
        print(f"written: {SPACE_FILE}")


if __name__ == "__main__":
    main()
