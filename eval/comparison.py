"""Side-by-side retrieval configurations on the same golden set (dense, lexical, hybrid; each
embedding model available), so that the defaults are chosen on numbers."""

from __future__ import annotations

from assistant.evaluation.metrics import section_matches
from assistant.retrieval import HybridRetriever


def _retrieval_scores(
    retriever: HybridRetriever, items, questions: dict[str, str], threshold: float
) -> dict[str, float]:
    ranks, refused_out, refused_in = [], [], []
    for item in items:
        if item.id not in questions:
            continue
        result = retriever.retrieve(questions[item.id], top_k=5)
        refused = result.relevance < threshold or not result.passages
        if item.kind == "out_of_scope":
            refused_out.append(refused)
            continue
        refused_in.append(refused)
        rank = next(
            (
                i
                for i, p in enumerate(result.passages, start=1)
                if any(
                    section_matches(e.doc, e.section, p.doc_id, p.section_path)
                    for e in item.expected_sources
                )
            ),
            None,
        )
        ranks.append(rank)
    n = len(ranks) or 1
    return {
        "hit_at_1": sum(1 for r in ranks if r == 1) / n,
        "hit_at_5": sum(1 for r in ranks if r) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "refusal_accuracy": sum(refused_out) / (len(refused_out) or 1),
        "false_refusal_rate": sum(refused_in) / (len(refused_in) or 1),
    }


def compare_configurations(
    container, items, *, other_embeddings: tuple[str, ...] = ("use", "hashing"), corpus_dir=None
) -> list[dict]:
    """Rows of retrieval scores: the default first, then other fusions, modes and embedders.

    Questions without history, scrubbed as in production (the refusal gates were fitted on
    scrubbed questions, and no retrieval ever sees a raw name).
    """
    r = container.settings.retrieval
    questions = scrubbed_single_questions(container, items)
    other_fusion = "rrf" if r.fusion == "score" else "score"
    configurations = [(container, "hybrid", r.fusion), (container, "hybrid", other_fusion),
                      (container, "dense", r.fusion), (container, "lexical", r.fusion)]
    if corpus_dir is not None:
        for backend in other_embeddings:
            if backend != container.settings.embeddings.backend:
                configurations.append((_container_with(container, backend, corpus_dir),
                                       "hybrid", r.fusion))
    rows = []
    for owner, mode, fusion in configurations:
        retriever = HybridRetriever(owner.index, top_k=r.top_k, candidates=r.candidates,
                                    dense_weight=r.dense_weight, lexical_weight=r.lexical_weight,
                                    rrf_k=r.rrf_k, mode=mode, fusion=fusion)
        scores = _retrieval_scores(retriever, items, questions, r.min_relevance)
        name = f"{mode} ({fusion})" if mode == "hybrid" else mode
        rows.append({"name": f"{name} — {owner.embedder.model_id}",
                     "default": owner is container and (mode, fusion) == ("hybrid", r.fusion),
                     **scores})
    return rows


def scrubbed_single_questions(container, items) -> dict[str, str]:
    """Item id -> question scrubbed as in production, for the items asked without history
    (injection attempts left out): what retrieval comparisons and gate fitting run on."""
    return {
        item.id: container.question_scrubber.scrub(item.question).text
        for item in items
        if item.kind != "injection" and not item.turns
    }


def _container_with(container, embedding_backend: str, corpus_dir):
    """The same corpus indexed with another embedding model, in the same data dir (the
    collection is keyed by the model id, so the vectors never mix)."""
    from assistant.container import Container

    settings = container.settings.model_copy(
        update={"embeddings": container.settings.embeddings.model_copy(
            update={"backend": embedding_backend})})
    other = Container(settings)
    other.ingestor.ingest_paths([corpus_dir])
    return other
