"""Checksums, French pattern recognizers, the regex-only ``redact_structured`` and the Presidio
wiring (offline, French registry)."""

from __future__ import annotations

import time

import pytest

from guardrails.pii import PiiScrubber, redact_structured
from guardrails.pii.checksums import (
    iban_length,
    iban_valid,
    luhn_valid,
    nir_key,
    nir_valid,
    siren_valid,
    siret_valid,
)
from guardrails.pii.recognizers import (
    AddressRecognizer,
    BirthDateRecognizer,
    IbanRecognizer,
    IdCardRecognizer,
    NirRecognizer,
    PassportRecognizer,
    PhoneRecognizer,
    PlateRecognizer,
    SirenRecognizer,
    SiretRecognizer,
)
from guardrails.pii.scrubber import merge_detections, split_text


def found(recognizer, text: str, threshold: float = 0.5) -> list[str]:
    """What the recognizer alone masks (its overlapping matches merged)."""
    spans = [(recognizer.ENTITY, s, e, sc) for s, e, sc in recognizer.find(text) if sc >= threshold]
    return [text[s:e] for _, s, e, _ in merge_detections(spans)]


# --------------------------------------------------------------------------- checksums
def test_nir_key_and_corsica():
    assert nir_key("1841276451089") == 46
    assert nir_valid("184127645108946")
    assert not nir_valid("184127645108947")
    body = "290052A012345"
    assert nir_key(body) == 97 - int("2900519012345") % 97
    assert nir_valid(body + f"{nir_key(body):02d}")
    body_b = "190052B012345"
    assert nir_key(body_b) == 97 - int("1900518012345") % 97
    # python-stdnum's own vectors, Corsica included
    assert nir_valid("2 95 10 99 126 111 93")
    assert not nir_valid("295109912611199")
    assert nir_valid("253072B07300470")
    assert nir_valid("253072A07300443")
    assert not nir_valid("253072C07300443")
    assert nir_key("253072C073004") is None


def test_luhn_siren_siret_iban():
    assert luhn_valid("732829320")
    assert siren_valid("732 829 320")
    assert not siren_valid("732 829 321")
    assert siret_valid("732 829 320 00074")
    assert siret_valid("35600000000048")  # La Poste's head office
    assert siret_valid("35600000049837")  # a La Poste office: digit sum multiple of 5
    assert iban_valid("FR76 3000 6000 0112 3456 7890 189")
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("FR76 3000 6000 0112 3456 7890 188")
    assert not iban_valid("FR76 3000 6000 0112 3456 7890")  # wrong length for France
    assert iban_length("FR") == 27 and iban_length("RU") == 33  # SWIFT's registry, via stdnum
    assert iban_length("SN") is None
    # a country outside the registry: mod 97 and 15-34 characters, still an account number
    assert iban_valid("SN08SN0100152000048500003035")
    assert not iban_valid("SN08SN0100152000048500003036")


# --------------------------------------------------------------------------- recognizers
def test_nir_needs_a_valid_key_or_a_context_word():
    rec = NirRecognizer()
    assert found(rec, "ref 1 84 12 76 451 089 46") == ["1 84 12 76 451 089 46"]
    assert found(rec, "ref 1 84 12 76 451 089 47") == []
    assert found(rec, "numéro de sécurité sociale 1 84 12 76 451 089 47") == [
        "1 84 12 76 451 089 47"
    ]


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "+262 692 12 34 56",
    ],
)
def test_phone_spellings(phone):
    assert found(PhoneRecognizer(), f"Tél : {phone}.") == [phone]
    assert found(PhoneRecognizer(), f"Il a dit {phone} hier") == [phone]


def test_iban_stops_at_the_right_length_and_rib():
    rec = IbanRecognizer()
    text = "IBAN FR76 3000 6000 0112 3456 7890 189 ET BIC AGRIFRPP"
    assert found(rec, text) == ["FR76 3000 6000 0112 3456 7890 189"]
    assert found(rec, "RIB 30006 00001 12345678901 42") == []  # wrong RIB key
    bank, branch, account = 30006, 1, 12345678901
    key = 97 - (89 * bank + 15 * branch + 3 * account) % 97
    rib = f"{bank:05d} {branch:05d} {account:011d} {key:02d}"
    assert found(rec, f"RIB {rib}") == [rib]


def test_siren_siret_and_amounts():
    assert found(SiretRecognizer(), "SIRET 732 829 320 00074") == ["732 829 320 00074"]
    assert found(SirenRecognizer(), "SIREN 732 829 320") == ["732 829 320"]
    assert found(SirenRecognizer(), "un budget de 732 829 320 euros") == []
    assert found(SirenRecognizer(), "SIREN 732 829 321") == []  # Luhn fails
    assert found(SirenRecognizer(), "SIRET 732 829 320 00074") == []  # part of a SIRET


def test_passport_and_identity_card_need_their_context():
    assert found(PassportRecognizer(), "passeport n° 12AB34567") == ["12AB34567"]
    assert found(PassportRecognizer(), "passeport 123456789") == ["123456789"]
    assert found(PassportRecognizer(), "dossier 123456789") == []
    assert found(IdCardRecognizer(), "carte d'identité 880692310285") == ["880692310285"]
    assert found(IdCardRecognizer(), "CNI X4RTBPFW4") == ["X4RTBPFW4"]
    assert found(IdCardRecognizer(), "référence X4RTBPFW4") == []


@pytest.mark.parametrize("plate", ["AB-123-CD", "AB 123 CD", "AB123CD", "1234 AB 56", "611-OMK-59"])
def test_plates(plate):
    assert found(PlateRecognizer(), f"véhicule {plate} stationné") == [plate]


def test_addresses():
    rec = AddressRecognizer()
    assert found(rec, "au 12 bis rue des Lilas, 44000 Nantes.") == [
        "12 bis rue des Lilas, 44000 Nantes"
    ]
    assert found(rec, "3, impasse du Moulin") == ["3, impasse du Moulin"]
    assert found(rec, "12 av. Jean Jaurès 85000 La Roche-sur-Yon") == [
        "12 av. Jean Jaurès 85000 La Roche-sur-Yon"
    ]
    assert found(rec, "il reste 3 cours de français et 12 places") == []
    assert found(rec, "article 22 de la charte") == []


def test_birth_dates_only_with_a_birth_word():
    rec = BirthDateRecognizer()
    assert found(rec, "née le 3 janvier 1990") == ["3 janvier 1990"]
    assert found(rec, "né à Nantes le 1er mars 1985") == ["1er mars 1985"]
    assert found(rec, "DDN 3/1/90") == ["3/1/90"]
    assert found(rec, "date de naissance : 03.01.1990") == ["03.01.1990"]
    assert found(rec, "le conseil du 12 mars 2026 et la réunion du 03/01/2026") == []


# --------------------------------------------------------------------------- helpers
def test_merge_prefers_the_widest_and_unites_partial_overlaps():
    merged = merge_detections(
        [
            ("SIREN", 6, 17, 0.95),
            ("SIRET", 6, 23, 0.95),
            ("PERSONNE", 30, 40, 0.75),
            ("PERSONNE", 35, 45, 0.85),
            ("EMAIL", 50, 60, 0.95),
        ]
    )
    assert merged == [("SIRET", 6, 23, 0.95), ("PERSONNE", 30, 45, 0.85), ("EMAIL", 50, 60, 0.95)]


def test_split_text_cuts_on_sentences_and_keeps_offsets():
    text = "Une phrase assez longue. " * 1000
    pieces = split_text(text, 1000)
    assert "".join(chunk for _, chunk in pieces) == text
    for offset, chunk in pieces:
        assert text[offset : offset + len(chunk)] == chunk
        assert len(chunk) <= 1000
    assert all(chunk.endswith(". ") for _, chunk in pieces[:-1])


# --------------------------------------------------------------------------- redact_structured
def test_redact_structured_masks_identifiers_without_spacy():
    text = (
        "Marie Durand, NIR 1 84 12 76 451 089 46, tél. 06 12 34 56 78, marie@example.org, "
        "IBAN FR76 3000 6000 0112 3456 7890 189, SIRET 732 829 320 00074, "
        "véhicule AB-123-CD, passeport 12AB34567, CNI X4RTBPFW4, le 12 mars 2026."
    )
    assert redact_structured(text) == (
        "Marie Durand, NIR [NIR], tél. [TÉLÉPHONE], [EMAIL], IBAN [IBAN], SIRET [SIRET], "
        "véhicule [PLAQUE], passeport [PASSEPORT], CNI [CNI], le 12 mars 2026."
    )


def test_redact_structured_is_fast_and_never_raises():
    assert redact_structured("") == ""
    assert redact_structured(None) == "None"  # type: ignore[arg-type]
    assert redact_structured("\ud800 06 12 34 56 78") == "\ufffd [TÉLÉPHONE]"
    line = "Requête de 06 12 34 56 78 sur /api/chat en 12 ms (statut 200)"
    start = time.perf_counter()
    for _ in range(200):
        redact_structured(line)
    assert (time.perf_counter() - start) / 200 < 0.005


# --------------------------------------------------------------------------- Presidio wiring
def test_the_analyzer_is_presidio_with_a_french_registry():
    scrubber = PiiScrubber()
    assert scrubber._analyzer is None  # nothing heavy before first use
    analyzer = scrubber.analyzer
    assert analyzer.supported_languages == ["fr"]
    assert set(analyzer.get_supported_entities("fr")) >= {"NIR", "IBAN", "PERSONNE", "ADRESSE"}
    nlp = analyzer.nlp_engine.get_nlp("fr")
    assert "ner" in nlp.pipe_names and "parser" not in nlp.pipe_names
    results = analyzer.analyze("Je suis Marie Durand, tél. 06 12 34 56 78", language="fr")
    assert {r.entity_type for r in results} >= {"PERSONNE", "TÉLÉPHONE"}


def test_a_missing_model_is_never_downloaded(monkeypatch):
    import spacy.cli

    def forbidden(*args, **kwargs):  # pragma: no cover - would be a bug
        raise AssertionError("téléchargement interdit")

    monkeypatch.setattr(spacy.cli, "download", forbidden)
    scrubber = PiiScrubber(spacy_model="fr_modele_absent")
    with pytest.raises(RuntimeError, match="pas installé"):
        scrubber.warm_up()
