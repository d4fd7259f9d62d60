"""The flow of one question with real Presidio scrubbing, real Chroma and BM25 (hashing
embedder) and a scripted chat backend that records every prompt it is sent."""

from __future__ import annotations

import asyncio

import pytest

from assistant.chat import Turn
from tests.assistant.ingestion.test_pipeline import write_doc
from tests.doubles import ScriptedChatBackend

PHONE = "06 12 34 56 78"
NIR = "1 84 12 76 451 089 46"
EMAIL = "jean.martin@example.org"
NAME = "Jean Martin"


@pytest.fixture
def corpus(container, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_doc(
        folder,
        "charte",
        """\
        ## Article 5 – Données personnelles
        Il est interdit de saisir des données personnelles d'un administré, comme son numéro
        de sécurité sociale ou son téléphone, dans un outil d'IA non approuvé par le syndicat.

        ## Article 12 – Le DPO et le référent IA
        Le DPO du syndicat conseille les collectivités ; le référent IA anime les usages.
        """,
    )
    write_doc(
        folder,
        "cyber",
        """\
        ## Que faire après une fuite de données
        Prévenez immédiatement le RSSI et le DPO : la CNIL doit être notifiée sous 72 heures
        lorsque la fuite présente un risque pour les personnes.
        """,
        theme="cybersecurite",
    )
    container.ingestor.ingest_paths([folder])
    return container


def use_backend(container, backend):
    container.backends.mode = "ollama"
    container.backends.generative = backend
    container.backends._healthy = True
    return backend


def test_no_personal_data_reaches_any_prompt(corpus):
    backend = use_backend(
        corpus,
        ScriptedChatBackend(
            [
                "Quelle règle s'applique au numéro de sécurité sociale ?",
                "C'est interdit [1], prévenez [PERSONNE_1] au [TÉLÉPHONE_1].",
            ]
        ),
    )
    history = [
        Turn("user", f"Bonjour, je suis {NAME}, mon numéro est le {PHONE}."),
        Turn("assistant", "Bonjour, que puis-je faire ?"),
    ]
    record = corpus.chat_engine.ask(
        f"Et puis-je saisir le NIR {NIR} de M. {NAME} ({EMAIL}) dans ChatGPT ?",
        history=history,
        conversation_id="agent-1",
    )
    sent = backend.all_prompt_text()
    assert backend.received, "the model was never called"
    for value in (PHONE, NIR, EMAIL, "Martin", PHONE.replace(" ", "")):
        assert value not in sent
        assert value not in str(record.to_log())
    assert "[TÉLÉPHONE_1]" in sent and "[PERSONNE_1]" in sent
    types = {f["type"] for f in record.findings}
    assert {"NIR", "PERSONNE", "EMAIL"} <= types
    # Placeholders are restored for the same agent only.
    assert NAME in record.answer and PHONE in record.answer
    assert NAME not in record.answer_scrubbed


def test_same_value_keeps_its_placeholder_across_turns(corpus):
    use_backend(corpus, ScriptedChatBackend(["ok [1]"]))
    first = corpus.chat_engine.ask(f"Appeler le {PHONE} ?", conversation_id="c")
    second = corpus.chat_engine.ask(f"Et le {PHONE} encore ?", conversation_id="c")
    assert "[TÉLÉPHONE_1]" in first.scrubbed_question
    assert "[TÉLÉPHONE_1]" in second.scrubbed_question
    other = corpus.chat_engine.ask(f"Le 07 98 76 54 32 puis le {PHONE} ?", conversation_id="d")
    assert "[TÉLÉPHONE_1]" in other.scrubbed_question and "[TÉLÉPHONE_2]" in other.scrubbed_question


def test_passages_are_wrapped_as_untrusted_data(corpus):
    backend = use_backend(corpus, ScriptedChatBackend(["Réponse [1]."]))
    corpus.chat_engine.ask("Que faire après une fuite de données ?")
    system = backend.received[0][0].content
    assert "Passages" in system and "72 heures" in system
    marker = system.split("<<<")[1].split()[0] if "<<<" in system else None
    assert marker and system.count(marker) >= 2


def test_invented_citations_are_removed_and_counted(corpus):
    use_backend(corpus, ScriptedChatBackend(["Il faut prévenir le RSSI [1] selon l'article [9]."]))
    record = corpus.chat_engine.ask("Que faire après une fuite de données ?")
    assert "[9]" not in record.answer and "[1]" in record.answer
    assert record.invented_citations_removed == 1
    assert [c["n"] for c in record.citations] == [1]
    assert record.citations[0]["doc_id"] == "cyber"


def test_llm_dying_mid_stream_falls_back_to_extractive(corpus):
    use_backend(
        corpus,
        ScriptedChatBackend(["Un début de réponse qui va s'interrompre bientôt"], fail_after=3),
    )
    record = corpus.chat_engine.ask("Que faire après une fuite de données ?")
    assert record.backend == "scripted→extractive"
    assert record.fallback
    assert "s'est interrompu" in record.answer
    assert "72 heures" in record.answer
    assert not corpus.backends.degraded or corpus.backends.mode == "ollama"


def test_out_of_scope_question_is_refused_with_nearest_topics(corpus):
    corpus.chat_engine.min_relevance = corpus.chat_engine.partial_relevance = 0.99
    record = corpus.chat_engine.ask("Quelle est la recette de la tarte tatin ?")
    assert record.refused
    assert "ne couvre pas" in record.answer
    assert "référent IA" in record.answer and "DPO" in record.answer
    assert "Sujets proches" in record.answer


def test_follow_up_is_condensed_from_the_scrubbed_history(corpus):
    backend = use_backend(
        corpus,
        ScriptedChatBackend(
            ["Qui prévenir après une fuite de données personnelles ?", "Le RSSI [1]."]
        ),
    )
    record = corpus.chat_engine.ask(
        "Et qui dois-je prévenir ?",
        history=[
            Turn("user", f"{NAME} a envoyé un fichier à la mauvaise personne, c'est une fuite ?"),
            Turn("assistant", "Oui, c'est une fuite de données."),
        ],
    )
    condense_prompt = backend.received[0][0].content
    assert "Martin" not in condense_prompt and "[PERSONNE_1]" in condense_prompt
    assert record.standalone_question.startswith("Qui prévenir après une fuite")
    assert record.citations[0]["doc_id"] == "cyber"


def test_without_a_model_a_follow_up_keeps_the_topic_of_the_first_question(corpus):
    record = corpus.chat_engine.ask(
        "Et le DPO ?",
        history=[
            Turn("user", f"{NAME} a envoyé un fichier à la mauvaise personne : fuite de données ?"),
            Turn("assistant", "Oui, c'est une fuite de données [1]."),
            Turn("user", "D'accord, merci."),
            Turn("assistant", "Avec plaisir."),
        ],
    )
    assert record.backend == "extractive"
    assert record.standalone_question == (
        "Et le DPO ? ([PERSONNE_1] a envoyé un fichier à la mauvaise personne : "
        "fuite de données ? D'accord, merci.)"
    )
    assert not record.refused and record.citations[0]["doc_id"] == "cyber"
    assert "72 heures" in record.answer


def test_without_a_model_the_follow_up_s_own_words_reorder_the_context_s_passages(corpus):
    from assistant.retrieval import fuse_retrievals

    corpus.retriever.top_k = 2
    record = corpus.chat_engine.ask(
        "Et le référent IA ?",
        history=[Turn("user", "Un fichier est parti chez la mauvaise personne : une fuite ?")],
    )
    retrieve = corpus.retriever.retrieve
    with_context = retrieve(record.standalone_question)
    expected = fuse_retrievals(with_context, retrieve(record.scrubbed_question), top_k=2)
    assert record.retrieved == expected.passages
    # The question glued to its context puts the leak first; the follow-up is about the
    # référent IA, which the context's passages also hold.
    assert [p.doc_id for p in with_context.passages] == ["cyber", "charte"]
    assert record.retrieved[0].section == "Article 12 – Le DPO et le référent IA"
    assert record.citations[0]["section"] == "Article 12 – Le DPO et le référent IA"
    assert {p.chunk_id for p in record.retrieved} == {p.chunk_id for p in with_context.passages}


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("Et pour les élus ?", True),
        ("Il veut aussi savoir comment son tarif a été calculé : on doit lui répondre ?", True),
        ("Elle demande à voir tout son dossier, je fais comment pour lui transmettre ?", True),
        ("Il faut déclarer les traitements de données au registre de la collectivité ?", False),
        ("Il y a une procédure pour demander un nouvel outil d'intelligence artificielle ?", False),
        ("Quel est le rôle du délégué à la protection des données dans la collectivité ?", False),
        # Spoken French opens on a filler before the link word.
        ("bon, et une note d'info générale sur les congés pour tous les agents ?", True),
        ("Ben alors pour les stagiaires de la mairie qui arrivent en janvier prochain ?", True),
        ("Bon courage pour la réunion de demain avec le maire et les adjoints, que faire ?", False),
    ],
)
def test_what_counts_as_a_follow_up(question, follow_up):
    from assistant.chat import _looks_like_follow_up

    assert _looks_like_follow_up(question) is follow_up


def test_without_a_model_only_the_last_three_questions_are_kept():
    from assistant.chat import condense_without_model

    history = [("user", f"question {n}") for n in range(1, 6)] + [("assistant", "réponse")]
    assert condense_without_model("Et alors ?", history) == (
        "Et alors ? (question 3 question 4 question 5)"
    )
    assert condense_without_model("Et alors ?", [("assistant", "Bonjour")]) == "Et alors ?"


def test_extractive_answer_cites_its_passages(corpus):
    record = corpus.chat_engine.ask("Que faire après une fuite de données ?")
    assert record.backend == "extractive"
    assert "[1]" in record.answer
    assert "72 heures" in record.answer


def test_extractive_sentences_join_hard_wrapped_lines():
    from assistant.llm.extractive import split_sentences

    text = (
        "Il est interdit de coller le dossier dans un service comme\nChatGPT sans accord.\n"
        "- un point de liste important ici\n- un autre point de liste ici"
    )
    assert split_sentences(text) == [
        "Il est interdit de coller le dossier dans un service comme ChatGPT sans accord.",
        "un point de liste important ici",
        "un autre point de liste ici",
    ]


def test_placeholders_quoted_in_the_corpus_are_never_restored(container, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    write_doc(
        folder,
        "masquage",
        "## Le masquage automatique\nLes noms deviennent des étiquettes "
        "comme [PERSONNE_1] et les numéros [TÉLÉPHONE_1] avant d'atteindre le modèle.\n",
    )
    container.ingestor.ingest_paths([folder])
    record = container.chat_engine.ask(
        "Je suis Jean Martin (06 12 34 56 78) : comment marche le "
        "masquage automatique des étiquettes ?"
    )
    assert "[PERSONNE_1]" in record.scrubbed_question
    assert "Jean Martin" not in record.answer and "06 12 34 56 78" not in record.answer
    assert "[PERSONNE]" in record.answer


def test_the_masked_data_is_announced_before_the_answer(corpus):
    async def run():
        return [e async for e in corpus.chat_engine.astream(f"Que faire ? Mon numéro : {PHONE}")]

    import asyncio

    events = asyncio.run(run())
    assert events[0].type == "findings"
    assert events[0].data == [{"type": "TÉLÉPHONE", "placeholder": "[TÉLÉPHONE_1]"}]
    assert [e.type for e in events].index("token") > 0


def test_question_work_is_served_oldest_question_first_and_workers_stop_with_the_engine():
    import gc
    import threading
    import time

    from assistant.chat import ArrivalOrderExecutor

    executor = ArrivalOrderExecutor(1)
    gate = threading.Event()
    order: list[str] = []

    async def run(executor):
        blocker = asyncio.ensure_future(executor.run(0.0, gate.wait))
        await asyncio.sleep(0.05)  # the one worker is now busy
        # Queued newest first: they must still run oldest first.
        later = [
            asyncio.ensure_future(executor.run(arrival, order.append, name))
            for arrival, name in ((3.0, "troisième"), (1.0, "première"), (2.0, "deuxième"))
        ]
        failing = asyncio.ensure_future(executor.run(4.0, int, "pas un nombre"))
        gate.set()
        await asyncio.gather(blocker, *later)
        results = await asyncio.gather(failing, return_exceptions=True)
        return type(results[0]).__name__

    assert asyncio.run(run(executor)) == "ValueError"  # errors reach the question
    assert order == ["première", "deuxième", "troisième"]
    workers = list(executor.workers)
    assert len(workers) == 1
    del executor
    gc.collect()
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.is_alive() for t in workers)


def test_tokens_arriving_within_the_stream_interval_go_out_as_one_piece():
    from assistant.chat import paced

    async def model():
        for word in ["Un", " deux", " trois", " quatre"]:
            yield word
            await asyncio.sleep(0.01)

    async def run(interval_s):
        return [piece async for piece in paced(model(), interval_s)]

    pieces = asyncio.run(run(0.2))
    assert pieces[0] == "Un"  # the first token is never held back
    assert len(pieces) == 2 and "".join(pieces) == "Un deux trois quatre"
    assert asyncio.run(run(0)) == ["Un", " deux", " trois", " quatre"]


def test_a_paced_stream_reports_the_model_error_and_closes_the_model_when_left_early():
    from assistant.chat import paced
    from assistant.llm.base import LLMError

    closed = []

    async def failing():
        yield "Début"
        await asyncio.sleep(0.01)
        raise LLMError("coupure")

    async def endless():
        try:
            while True:
                yield "x"
                await asyncio.sleep(0.005)
        finally:
            closed.append(True)

    async def read_all():
        return [piece async for piece in paced(failing(), 0.05)]

    with pytest.raises(LLMError, match="coupure"):
        asyncio.run(read_all())

    async def leave_early():
        stream = paced(endless(), 0.05)
        first = await anext(stream)
        await stream.aclose()  # the agent went away
        await asyncio.sleep(0.02)
        return first

    assert asyncio.run(leave_early()) == "x"
    assert closed == [True]  # the model's stream was closed, its connection returned


def _streamed_text(engine, question: str) -> tuple[str, object]:
    async def run():
        tokens, record = [], None
        async for event in engine.astream(question):
            if event.type == "token":
                tokens.append(event.data)
            elif event.type == "final":
                record = event.data
        return "".join(tokens), record

    return asyncio.run(run())


@pytest.mark.parametrize("piece_chars", [0, 1, 3, 7])
def test_streamed_tokens_carry_no_link_or_image_that_the_answer_may_not(corpus, piece_chars):
    """The agent's browser renders the stream as it arrives: an image there is fetched."""
    use_backend(
        corpus,
        ScriptedChatBackend(
            [
                "Voir ![logo](http://host.example/pixel.png) et [le site](https://evil.example/p) "
                "ou <img src=http://host.example/a.png> puis http://host.example/x [1]."
            ],
            piece_chars=piece_chars,
        ),
    )
    corpus.chat_engine.min_relevance = corpus.chat_engine.partial_relevance = 0.0
    streamed, record = _streamed_text(corpus.chat_engine, "Que faire après une fuite de données ?")
    for dangerous in ("http://", "https://", "<img", "](", "pixel.png"):
        assert dangerous not in streamed, dangerous
    assert streamed == record.answer_scrubbed  # the stream is the answer, nothing else


def test_an_image_in_the_corpus_is_not_streamed_by_the_extractive_answer(container, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    write_doc(
        folder,
        "logo",
        "## Le logo du syndicat\nLe logo ![logo](http://host.example/pixel.png) figure sur "
        "chaque courrier du syndicat et sur les supports des webinaires.\n",
    )
    container.ingestor.ingest_paths([folder])
    container.chat_engine.min_relevance = container.chat_engine.partial_relevance = 0.0
    streamed, _ = _streamed_text(container.chat_engine, "Où figure le logo du syndicat ?")
    assert "logo" in streamed and "http://" not in streamed


def test_the_work_of_one_question_is_bounded_whatever_its_history(corpus):
    """A 58 KB request with a seven-turn history used to hold a worker 18-28 s: the engine masks
    and searches a bounded part of it (the part the prompt and the follow-up rewriting use)."""
    from assistant.chat import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, MAX_TURN_CHARS

    real = corpus.chat_engine.scrubber
    scrubbed: list[str] = []

    class RecordingScrubber:
        def scrub_many(self, texts, vault):
            scrubbed.extend(texts)
            return real.scrub_many(texts, vault)

    corpus.chat_engine.scrubber = RecordingScrubber()
    retriever = corpus.chat_engine.retriever
    embedded: list[str] = []
    real_embed = retriever.embed_query

    def recording_embed(text):
        embedded.append(text)
        return real_embed(text)

    retriever.embed_query = recording_embed
    long_turn = "Que faire après une fuite de données ? " * 210  # about 8,000 characters
    history = [Turn("user" if n % 2 == 0 else "assistant", long_turn) for n in range(7)]
    record = corpus.chat_engine.ask("Et ensuite ? " * 600, history=history)
    assert len(scrubbed) == 1 + MAX_HISTORY_TURNS
    assert len(scrubbed[0]) <= MAX_QUESTION_CHARS
    assert all(len(text) <= MAX_TURN_CHARS for text in scrubbed[1:])
    assert len(record.standalone_question) <= MAX_QUESTION_CHARS + 3 * 300 + 10
    # The embedding model's cost grows faster than the text: it reads a bounded part of it.
    from assistant.retrieval import DENSE_QUERY_CHARS

    assert embedded and all(len(text) <= DENSE_QUERY_CHARS + 3 for text in embedded)


def test_model_reformulations_are_searched_and_fused_without_personal_data(corpus):
    """Behind a setting, the model rewords the (scrubbed) question; each rewording is searched
    and the rankings fused, so a section only a rewording finds may enter."""
    backend = use_backend(
        corpus,
        ScriptedChatBackend(
            [
                "1. Quel est le rôle du DPO et du référent IA ?\n"
                "2. Qui anime les usages de l'IA dans la collectivité ?",
                "Le DPO conseille [1].",
            ]
        ),
    )
    engine = corpus.chat_engine
    engine.model_reformulations = 2
    engine.min_relevance = engine.partial_relevance = 0.0
    record = engine.ask(f"Je suis {NAME} ({PHONE}) : qui m'aide pour l'IA ?")
    reformulate_prompt = backend.received[0][0].content
    assert "autres façons de poser la question" in reformulate_prompt
    assert NAME not in reformulate_prompt and PHONE not in reformulate_prompt
    assert record.timings["reformulations"] == 2
    assert any("Article 12" in c["section"] for c in record.citations)


def test_reformulations_are_parsed_one_per_line():
    from assistant.prompts import parse_reformulations

    text = (
        "1. Qui est le DPO du syndicat ?\n- qui est le dpo du syndicat ?\nok\n« Que fait le DPO ? »"
    )
    assert parse_reformulations(text, "le dpo ?", 3) == [
        "Qui est le DPO du syndicat ?",
        "Que fait le DPO ?",
    ]


def test_a_follow_up_on_a_covered_topic_gets_the_closest_passages_rather_than_a_refusal(corpus):
    from assistant.retrieval import RetrievalResult

    engine = corpus.chat_engine
    engine.min_relevance, engine.partial_relevance = 0.6, 0.35
    history = [Turn("user", "Données personnelles d'un administré dans un outil d'IA ?")]
    passages = corpus.retriever.retrieve(history[0].content).passages

    def verdict(relevance, **signals):
        return engine.coverage(RetrievalResult(passages, relevance, signals=signals))

    # The gate refuses « Même pour rire ? » (0.2) unless its conversation is covered.
    assert verdict(0.2) == "refused"
    assert verdict(0.2, topic_relevance=0.5) == "partial"
    assert verdict(0.2, topic_relevance=0.3) == "refused"
    assert verdict(0.7, topic_relevance=0.1) == "answered"

    # The engine reads the topic only for a follow-up the gate would not answer.
    engine.min_relevance = 1.01
    asked: list[str] = []
    retrieve = corpus.retriever.retrieve
    corpus.retriever.retrieve = lambda text, **kw: asked.append(text) or retrieve(text, **kw)
    record = engine.ask("Même pour rire ?", history=history)
    assert asked[-1] == record.standalone_question.split(" (", 1)[1][:-1]
    assert record.coverage == "partial" and not record.refused
    asked.clear()
    engine.ask("Même pour rire ?")  # no conversation: no topic to read
    assert len(asked) == 1
