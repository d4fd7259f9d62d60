"""Query understanding: agents' typed words made searchable against the corpus vocabulary,
and the outcomes they lead to (answered, partial, refused) through the real engine."""

from __future__ import annotations

import os
import time

import pytest

from assistant.query import (
    QueryUnderstanding,
    Vocabulary,
    acronyms_defined_in,
    load_lexicon_file,
)
from tests.assistant.ingestion.test_pipeline import write_doc

CORPUS_TEXTS = [
    "Le hameçonnage par courriel : ne cliquez pas sur le lien. Les données personnelles "
    "collées dans une IA gratuite sortent de la collectivité.",
    "J'ai collé un secret dans une IA : changez le mot de passe. L'IA fantôme est interdite.",
    "L'analyse d'impact relative à la protection des données (AIPD) est exigée par le RGPD.",
    "Le permis de construire est instruit par le service urbanisme ; un prompt est une consigne.",
]


def understanding(lexicon_path=None) -> QueryUnderstanding:
    from assistant.index.lexical import LexicalIndex

    index = LexicalIndex([str(n) for n in range(len(CORPUS_TEXTS))], CORPUS_TEXTS)
    qu = QueryUnderstanding(lexicon_path)
    qu.refresh(1, index.vocabulary, index.defined_acronyms)
    return qu


def test_sms_spellings_and_glued_elisions_are_spelt_out():
    qu = understanding()
    assert qu.understand("c koi un prompt").normalised == "c'est quoi un prompt"
    assert qu.understand("jai collé un secret ds lia").normalised == (
        "j'ai collé un secret dans l'IA"
    )


def test_missing_accents_and_typos_are_matched_to_the_corpus_words():
    qu = understanding()
    understood = qu.understand("hamecconage par courriel, donnees colées")
    assert understood.normalised == "hameçonnage par courriel, données collées"
    assert ("hamecconage", "hameçonnage") in understood.corrections


def test_a_word_the_corpus_writes_as_typed_keeps_its_accents_or_their_absence():
    from assistant.index.lexical import LexicalIndex

    texts = ["Le référent valide la demande.", "Le dossier validé est classé.", "Dossier validé."]
    index = LexicalIndex(["a", "b", "c"], texts)
    qu = QueryUnderstanding()
    qu.refresh(1, index.vocabulary, index.defined_acronyms)
    # « validé » is the corpus's most frequent form, but « valide » is a word it writes too
    assert qu.understand("qui valide le dossier").normalised == "qui valide le dossier"
    assert qu.understand("le referent").normalised == "le référent"  # accents still restored


def test_real_french_words_and_placeholders_are_left_as_typed():
    qu = understanding()
    # « peux » and « blanquette » are French words the corpus never uses: not "corrected"
    text = "Je peux donner la blanquette de [PERSONNE_1] au [TÉLÉPHONE_1] ?"
    assert qu.understand(text).normalised == text


def test_acronyms_the_corpus_defines_are_expanded():
    entries = {e.term: e.meanings for e in acronyms_defined_in(CORPUS_TEXTS)}
    assert entries["AIPD"] == ("analyse d'impact relative à la protection des données",)
    expanded = understanding().understand("délai aipd ?").expanded
    assert "analyse d'impact relative à la protection des données" in expanded


def test_lexicon_terms_are_expanded_and_common_words_only_in_capitals(tmp_path):
    lexicon = tmp_path / "lexique.yaml"
    lexicon.write_text(
        "- {terme: PC, sens: permis de construire, metiers: [urbanisme]}\n"
        "- {terme: [AS, assistante sociale], sens: travailleur social}\n"
        "- {terme: [expé, l'expé], sens: expérimentation}\n",
        encoding="utf-8",
    )
    qu = understanding(lexicon)
    assert qu.understand("PC délai instruction ?").expanded == (
        "PC délai instruction ? (permis de construire)"
    )
    assert qu.understand("l'expé c'est pour qui ?").expansions == (("l'expé", "expérimentation"),)
    assert qu.understand("tu as un modèle ?").expansions == ()
    assert qu.understand("l'AS du CCAS").expansions == (("AS", "travailleur social"),)


def test_a_lexicon_term_holding_an_sms_spelling_is_found_once_it_is_spelt_out(tmp_path):
    lexicon = tmp_path / "lexique.yaml"
    lexicon.write_text("- {terme: données perso, sens: données personnelles}\n", encoding="utf-8")
    understood = understanding(lexicon).understand("des données perso dans l'IA ?")
    # « perso » is spelt « personnel » before the lexicon is read: the term still matches
    assert understood.expansions == (("données personnel", "données personnelles"),)


def test_a_lexicon_term_the_corpus_uses_everywhere_is_searched_as_typed(tmp_path):
    from assistant.index.lexical import LexicalIndex

    lexicon = tmp_path / "lexique.yaml"
    lexicon.write_text(
        "- {terme: [le syndicat, synd], sens: syndicat Territoires Numériques}\n"
        "- {terme: PC, sens: permis de construire}\n",
        encoding="utf-8",
    )
    # « syndicat » in every passage but one, « permis » in one: the first is common
    texts = [f"Le syndicat propose l'outil {n}." for n in range(20)] + ["Le permis de construire."]
    index = LexicalIndex([str(n) for n in range(len(texts))], texts)
    qu = QueryUnderstanding(lexicon)
    qu.refresh(1, index.vocabulary, index.defined_acronyms)
    understood = qu.understand("le syndicat instruit le PC ?")
    assert understood.expansions == (("PC", "permis de construire"),)
    # the short form the corpus does not use is still spelt out
    assert qu.understand("synd et PC").expansions[0] == ("synd", "syndicat Territoires Numériques")


def test_the_lexicon_file_is_read_again_when_it_changes_and_a_broken_one_keeps_the_old(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("assistant.watched_file.CHECK_SECONDS", 0.0)  # not once a second
    lexicon = tmp_path / "lexique.yaml"
    lexicon.write_text("- {terme: PM, sens: police municipale}\n", encoding="utf-8")
    qu = understanding(lexicon)
    assert qu.understand("la PM ?").expansions == (("PM", "police municipale"),)

    lexicon.write_text("- {terme: PM, sens: prévention des incidents}\n", encoding="utf-8")
    os.utime(lexicon, (time.time() + 5, time.time() + 5))
    qu.refresh(1, qu.vocabulary, [])  # what the retriever does before each question
    assert qu.understand("la PM ?").expansions == (("PM", "prévention des incidents"),)

    lexicon.write_text("- {terme: PM\n", encoding="utf-8")
    os.utime(lexicon, (time.time() + 10, time.time() + 10))
    qu.refresh(1, qu.vocabulary, [])
    assert qu.understand("la PM ?").expansions == (("PM", "prévention des incidents"),)
    assert "lexique illisible" in qu.lexicon_error


def test_the_bundled_lexicon_is_valid_and_names_corpus_words():
    from pathlib import Path

    entries = load_lexicon_file(Path(__file__).parents[2] / "corpus" / "lexique.yaml")
    assert len(entries) > 100
    assert all(e.meanings for e in entries)


def test_vocabulary_prefers_a_doubled_letter_typed_once():
    vocabulary = Vocabulary(["code code code collé"])
    assert vocabulary.closest("cole") == "colle"


@pytest.fixture
def glossary(container, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    write_doc(
        folder,
        "glossaire",
        "## A à Z\n\n### Token (jeton)\nUnité de texte que le modèle lit et produit : un mot "
        "ou un morceau de mot.\n\n### Hallucination\nRéponse fausse présentée avec "
        "assurance.\n",
        theme="glossaire",
    )
    write_doc(
        folder,
        "fuite",
        "## Que faire après une fuite de données\nAvant d'agir, prévenez :\n\n"
        "- le RSSI de la collectivité ;\n- le DPO du syndicat, qui notifie la CNIL.\n",
        theme="cybersecurite",
    )
    container.ingestor.ingest_paths([folder])
    return container


def test_a_term_naming_a_heading_is_never_refused(glossary):
    engine = glossary.chat_engine
    engine.min_relevance = engine.partial_relevance = 1.0  # only the heading rule can answer
    record = engine.ask("token ?")
    assert record.coverage == "partial" and not record.refused
    assert record.citations[0]["section"] == "Token (jeton)"
    assert record.answer.startswith("Le corpus ne répond peut-être pas exactement")
    assert engine.ask("recette de la blanquette ?").coverage == "refused"


def test_the_three_outcomes_follow_the_two_thresholds(glossary):
    engine = glossary.chat_engine
    question = "qui prévenir, le RSSI ?"  # no term of it names a heading
    engine.min_relevance, engine.partial_relevance = 0.0, 0.0
    assert engine.ask(question).coverage == "answered"
    engine.min_relevance, engine.partial_relevance = 1.0, 0.0
    partial = engine.ask(question)
    assert partial.coverage == "partial" and not partial.refused and partial.citations
    engine.min_relevance, engine.partial_relevance = 1.0, 1.0
    refused = engine.ask(question)
    assert refused.coverage == "refused" and refused.refused and not refused.citations


def test_extractive_answer_is_a_whole_unit_with_its_list(glossary):
    engine = glossary.chat_engine
    engine.min_relevance = engine.partial_relevance = 0.0
    record = engine.ask("que faire après une fuite de données ?")
    assert "**Que faire après une fuite de données**" in record.answer
    assert "Avant d'agir, prévenez :\n- le RSSI de la collectivité ;" in record.answer
    assert "notifie la CNIL. [1]" in record.answer


def test_extractive_units_never_end_on_an_announcing_colon():
    from assistant.llm.extractive import units

    text = "Premier paragraphe clair.\n\nÀ vérifier :\n\n- un point\n- un autre\n\nFin :"
    assert units(text) == ["Premier paragraphe clair.", "À vérifier :\n- un point\n- un autre"]


def test_extractive_units_leave_out_a_sentence_cut_by_the_chunking():
    from assistant.llm.extractive import units

    text = (
        "ou l'assistance ;\n- recueille les besoins ;\n- alimente le registre.\n\n"
        "**Le référent IA** est désigné par chaque collectivité."
    )
    assert units(text) == ["**Le référent IA** est désigné par chaque collectivité."]
    # a passage that is nothing but the fragment still says it
    assert units("ou l'assistance ;\n- recueille les besoins.") != []


def test_placeholders_and_civilities_do_not_count_as_the_questions_terms():
    """« Mme [PERSONNE_1] » says nothing of the topic: its « personne », « 1 » and « mme » used
    to dilute the coverage of a question the corpus answers, and the gate refused it."""
    understood = understanding().understand(
        "Mme [PERSONNE_1], allocataire n° [ALLOCATAIRE_1] : son dossier dans ChatGPT ?"
    )
    terms = set().union(*understood.term_groups)
    assert {"mme", "person", "1"}.isdisjoint(terms)
    assert {"allocatair", "dossi", "chatgpt"} <= terms
    assert "[PERSONNE_1]" in understood.expanded  # still searched as typed
