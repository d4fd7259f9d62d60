"""Chunking: sections respected, sizes bounded, pages and order kept, overlap, determinism."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.ingestion.chunking import Chunk, chunk_document, count_tokens
from assistant.ingestion.loaders import Block, LoadedDocument, load_bytes

ROOT = Path(__file__).resolve().parents[3]


def document(*blocks: Block, title: str = "Fiche") -> LoadedDocument:
    return LoadedDocument(
        source_name="fiche.md",
        format="md",
        sha256="0" * 64,
        metadata={"title": title},
        blocks=tuple(blocks),
    )


def sentences(prefix: str, count: int) -> str:
    return " ".join(
        f"{prefix} phrase numéro {i} explique une règle de la charte aux agents."
        for i in range(count)
    )


def long_section_doc() -> LoadedDocument:
    paragraphs = [sentences(f"P{p}", 6) for p in range(8)]
    return document(
        Block(("Fiche", "Longue partie"), "\n\n".join(paragraphs)),
        Block(("Fiche", "Courte partie"), "Deux lignes seulement.\nC'est tout."),
    )


def test_count_tokens_estimate():
    assert count_tokens("") == 0
    assert count_tokens("Bonjour") == 2  # 1.2 + 0.15 -> 2
    assert count_tokens("a b c d e") == 6
    assert count_tokens("« Oui ! »") == 5
    text = "Les agents vérifient l'outil avant de l'utiliser."
    assert 10 <= count_tokens(text) <= 20
    # additive over whitespace-separated parts (within rounding)
    left, right = "Première moitié du texte,", "seconde moitié du texte."
    assert abs(count_tokens(f"{left} {right}") - count_tokens(left) - count_tokens(right)) <= 1


def test_sections_are_never_mixed():
    doc = document(
        Block(("Fiche", "A"), "Texte de la partie A."),
        Block(("Fiche", "B"), "Texte de la partie B."),
        Block(("Fiche", "B", "B1"), "Texte de la sous-partie B1."),
    )
    chunks = chunk_document(doc)
    assert [(c.section, c.section_path, c.text) for c in chunks] == [
        ("A", "Fiche > A", "Texte de la partie A."),
        ("B", "Fiche > B", "Texte de la partie B."),
        ("B1", "Fiche > B > B1", "Texte de la sous-partie B1."),
    ]
    assert all(c.title == "Fiche" for c in chunks)


def test_long_section_is_split_within_max_tokens():
    chunks = chunk_document(long_section_doc(), max_tokens=120, overlap_tokens=20)
    long_chunks = [c for c in chunks if c.section == "Longue partie"]
    assert len(long_chunks) >= 4
    assert all(count_tokens(c.text) <= 120 for c in chunks)
    assert chunks[-1].section == "Courte partie"
    assert chunks[-1].text == "Deux lignes seulement.\nC'est tout."
    # every sentence of the section is somewhere in its chunks
    joined = " ".join(c.text for c in long_chunks)
    for p in range(8):
        for i in range(6):
            assert f"P{p} phrase numéro {i} " in joined


def test_long_paragraph_is_split_on_sentences():
    doc = document(Block(("T",), sentences("S", 40)))
    chunks = chunk_document(doc, max_tokens=80, overlap_tokens=0)
    assert len(chunks) > 3
    for chunk in chunks:
        assert count_tokens(chunk.text) <= 80
        assert chunk.text.endswith("agents.")  # cut at sentence ends
        assert chunk.text.startswith("S phrase")


def test_overlap_between_consecutive_pieces():
    doc = document(Block(("T",), sentences("S", 40)))
    chunks = chunk_document(doc, max_tokens=80, overlap_tokens=20)
    for before, after in zip(chunks, chunks[1:], strict=False):
        last_sentence = before.text.rsplit(". ", 1)[-1]
        assert after.text.startswith(last_sentence.rstrip("."))
        assert count_tokens(after.text) <= 80


def test_no_overlap_across_sections():
    doc = document(
        Block(("T", "A"), sentences("A", 20)),
        Block(("T", "B"), sentences("B", 20)),
    )
    chunks = chunk_document(doc, max_tokens=80, overlap_tokens=20)
    b_chunks = [c for c in chunks if c.section == "B"]
    assert "A phrase" not in b_chunks[0].text


def test_huge_sentence_without_punctuation_is_cut_on_words():
    doc = document(Block(("T",), " ".join(["mot"] * 500)))
    chunks = chunk_document(doc, max_tokens=50, overlap_tokens=10)
    assert len(chunks) > 5
    assert all(count_tokens(c.text) <= 50 for c in chunks)


def test_monster_word_is_cut():
    doc = document(Block(("T",), "https://exemple.fr/" + "a" * 3000))
    chunks = chunk_document(doc, max_tokens=60, overlap_tokens=0)
    assert all(count_tokens(c.text) <= 60 for c in chunks)


def test_page_is_kept():
    doc = LoadedDocument(
        source_name="r.pdf",
        format="pdf",
        sha256="0" * 64,
        metadata={"title": "Rapport"},
        blocks=(
            Block(("Rapport",), "Texte de la page un.", 1),
            Block(("Rapport",), sentences("Deux", 30), 2),
            Block(("Rapport",), "Texte de la page trois.", 3),
        ),
        page_count=3,
    )
    chunks = chunk_document(doc, max_tokens=100, overlap_tokens=10)
    assert chunks[0].page == 1 and chunks[-1].page == 3
    assert {c.page for c in chunks[1:-1]} == {2}
    assert all(c.section == "Rapport" for c in chunks)


def test_pdf_loaded_pages_flow_into_chunks(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "bilan.pdf"
    pdf = canvas.Canvas(str(path))
    for number in (1, 2):
        pdf.drawString(72, 800, f"Bilan de la page {number}.")
        pdf.showPage()
    pdf.save()
    doc = load_bytes("bilan.pdf", path.read_bytes())
    chunks = chunk_document(doc)
    assert [(c.page, c.text) for c in chunks] == [
        (1, "Bilan de la page 1."),
        (2, "Bilan de la page 2."),
    ]


def test_ordinals_are_consecutive():
    chunks = chunk_document(long_section_doc(), max_tokens=100, overlap_tokens=10)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_small_section_is_kept_and_empty_sections_and_title_give_nothing():
    doc = load_bytes(
        "f.md",
        b"# Titre seul\n\n## Partie vide\n\n## Petite partie\n\nUne ligne.\nDeux lignes.\n\n"
        b"## Autre vide\n",
    )
    chunks = chunk_document(doc, min_tokens=50)
    assert [(c.section, c.text) for c in chunks] == [
        ("Petite partie", "Une ligne.\nDeux lignes."),
    ]
    assert chunks[0].title == "Titre seul"
    assert chunks[0].section_path == "Titre seul > Petite partie"


def test_tiny_tail_is_merged_into_previous_piece():
    text = sentences("S", 12) + " Fin."
    doc = document(Block(("T",), text))
    chunks = chunk_document(doc, max_tokens=140, overlap_tokens=0, min_tokens=20)
    assert not any(c.text == "Fin." for c in chunks)
    assert chunks[-1].text.endswith("Fin.")
    assert all(count_tokens(c.text) <= 140 for c in chunks)


def test_fenced_code_block_stays_whole_when_it_fits():
    code = "```\nligne 1\n\nligne 3 après une ligne vide\n```"
    doc = document(Block(("T",), f"Avant.\n\n{code}\n\nAprès."))
    chunks = chunk_document(doc)
    assert code in chunks[0].text


def test_chunking_is_deterministic():
    doc = long_section_doc()
    first = chunk_document(doc, max_tokens=90, overlap_tokens=15)
    second = chunk_document(doc, max_tokens=90, overlap_tokens=15)
    assert first == second
    assert all(isinstance(c, Chunk) for c in first)


def test_no_section_gives_empty_section_fields():
    chunks = chunk_document(document(Block((), "Texte sans titre.")))
    assert (chunks[0].section, chunks[0].section_path) == ("", "")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_tokens": 10},
        {"max_tokens": 100, "overlap_tokens": 50},
        {"overlap_tokens": -1},
        {"min_tokens": -5},
    ],
)
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        chunk_document(document(Block((), "x")), **kwargs)


def test_bundled_corpus_chunks_are_bounded():
    files = sorted((ROOT / "corpus").rglob("*.md"))
    assert files
    total = 0
    for path in files:
        doc = load_bytes(path.name, path.read_bytes())
        chunks = chunk_document(doc)
        assert chunks, path.name
        assert all(count_tokens(c.text) <= 300 for c in chunks), path.name
        assert all(c.text.strip() for c in chunks)
        total += len(chunks)
    assert total >= len(files)
