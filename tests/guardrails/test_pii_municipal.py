"""Identifiers of a town hall's daily work (``guardrails/pii/municipal.py``): what agents really
write must be masked, with the French label they see, and the ordinary numbers of their
questions (years, amounts, articles, roads, deliberations...) must stay."""

from __future__ import annotations

import pytest

from guardrails.pii import ENTITY_TYPES, PseudonymVault, redact_structured
from guardrails.pii.checksums import nif_valid
from guardrails.pii.municipal import (
    AllocataireRecognizer,
    CivilStatusRecordRecognizer,
    ClientNumberRecognizer,
    ParcelRecognizer,
    TaxNumberRecognizer,
    UrbanismFileRecognizer,
)
from guardrails.pii.scrubber import merge_detections
from guardrails.pii.vault import normalise


def found(recognizer, text: str, threshold: float = 0.5) -> list[str]:
    """What the recognizer alone masks (its overlapping matches merged)."""
    spans = [(recognizer.ENTITY, s, e, sc) for s, e, sc in recognizer.find(text) if sc >= threshold]
    return [text[s:e] for _, s, e, _ in merge_detections(spans)]


# --------------------------------------------------------------------------- checksum
def test_tax_number_check_is_stdnum_mod_511():
    assert nif_valid("0701987765493")  # python-stdnum's own test vector
    assert nif_valid("07 01 987 765 493")
    assert not nif_valid("0701987765432")
    body = "3123456789"
    assert nif_valid(body + f"{int(body) % 511:03d}")
    body = "4123456789"  # the first digit is 0 to 3
    assert not nif_valid(body + f"{int(body) % 511:03d}")


# --------------------------------------------------------------------------- recognizers
def test_allocataire_needs_its_announcing_words():
    rec = AllocataireRecognizer()
    assert found(rec, "allocataire CAF n° 1234567") == ["1234567"]
    assert found(rec, "n° allocataire 0123456, numéro CAF : 12345678") == ["0123456", "12345678"]
    assert found(rec, "allocataire à la CAF de Loire-Atlantique sous le numéro 1234567A") == [
        "1234567A"
    ]
    assert found(rec, "n° MSA 1234567") == ["1234567"]
    assert found(rec, "dossier 1234567 à compléter") == []  # seven digits alone: no
    assert found(rec, "la CAF a versé 1500000 euros à 1234567 allocataires") == []
    assert found(rec, "la CAF de Loire-Atlantique (44) n° 1234567") == []  # a digit between


def test_parcels_after_their_words_and_in_lists():
    rec = ParcelRecognizer()
    assert found(rec, "la parcelle AB 123 de M. Martin") == ["AB 123"]
    assert found(rec, "terrain cadastré section ZC n° 45") == ["ZC n° 45"]
    assert found(rec, "parcelle cadastrée B 1234") == ["B 1234"]
    assert found(rec, "parcelle AK 0012") == ["AK 0012"]
    assert found(rec, "référence cadastrale 000 AB 123") == ["000 AB 123"]
    assert found(rec, "parcelles AB 12, AB 13 et 15 de M. Martin") == ["AB 12", "AB 13", "15"]
    assert found(rec, "parcelles CD 16 et C 12") == ["CD 16", "C 12"]
    assert found(rec, "la parcelle AB 12 et 3 maisons") == ["AB 12"]
    # a two-letter section with a parcel word nearby, not right before it
    assert found(rec, "la parcelle de M. Martin (AB 123) est en zone UB") == ["AB 123"]
    # the 14-character national reference stands alone
    assert found(rec, "voir 33063000AB0123 sur le plan") == ["33063000AB0123"]


@pytest.mark.parametrize(
    "text",
    [
        "La parcelle est en zone UB : que dit l'article UB 7 du PLU ?",
        "La parcelle longe la RD 937 et l'A 63.",
        "La section 4 du guide traite des parcelles agricoles.",
        "La parcelle a 3 propriétaires en indivision.",
        "La parcelle fait 1500 m² et la maison 120 m².",
        "Formulaire AB 123 à remplir.",  # no parcel word: a form's name
        "Sur la parcelle, la norme EN 1176 s'applique à l'aire de jeux.",
        "La section des CM2 et les CM 2 de l'école voisine de la parcelle.",
    ],
)
def test_parcel_look_alikes_stay(text):
    assert found(ParcelRecognizer(), text) == []


def test_urbanism_file_numbers():
    rec = UrbanismFileRecognizer()
    assert found(rec, "recours contre le PC 033 063 24 A0012") == ["PC 033 063 24 A0012"]
    assert found(rec, "le DP 044 109 25 X0034 M01") == ["DP 044 109 25 X0034 M01"]
    assert found(rec, "le PC0441092400012") == ["PC0441092400012"]
    assert found(rec, "permis de construire n° 044 109 24 A0012") == ["044 109 24 A0012"]
    assert found(rec, "permis de construire déposé le 12/03/2025") == []
    assert found(rec, "cerfa n° 13406*07 pour un permis de construire") == []


def test_tax_numbers_valid_or_announced():
    rec = TaxNumberRecognizer()
    assert found(rec, "numéro fiscal 07 01 987 765 493") == ["07 01 987 765 493"]
    assert found(rec, "voici le 0701987765493") == ["0701987765493"]  # mod 511 holds
    assert found(rec, "voici le 0701987765432") == []  # it does not
    assert found(rec, "numéro fiscal 0701987765432") == ["0701987765432"]  # typo, announced
    assert found(rec, "référence de l'avis 24 44 A123456 78") == ["24 44 A123456 78"]
    assert found(rec, "NIR 1 84 12 76 451 089 46") == []  # never inside a longer number


def test_civil_status_records_need_their_number_sign():
    rec = CivilStatusRecordRecognizer()
    assert found(rec, "acte de naissance n° 45 de Paul") == ["45"]
    assert found(rec, "l'acte de décès n° 2024/12") == ["2024/12"]
    assert found(rec, "l'acte de naissance de 1987") == []


def test_client_numbers_but_not_supplier_invoices():
    rec = ClientNumberRecognizer()
    assert found(rec, "n° client 00123456") == ["00123456"]
    assert found(rec, "Numéro d'usager du portail famille : C718182") == ["C718182"]
    assert found(rec, "facture de cantine n° 2024-000123") == ["2024-000123"]
    assert found(rec, "code famille 4521") == ["4521"]
    assert found(rec, "code famille 2024") == []  # a year
    assert found(rec, "la facture d'eau de 2024 a doublé") == []
    assert found(rec, "Facture n° 2026-041 du prestataire") == []


def test_the_nearest_announcement_names_the_value():
    assert redact_structured("allocataire du RSA, identifiant France Travail 1234567A") == (
        "allocataire du RSA, identifiant France Travail [FRANCE_TRAVAIL]"
    )
    assert redact_structured("identifiant France Travail en cours, n° CAF 1234567") == (
        "identifiant France Travail en cours, n° CAF [ALLOCATAIRE]"
    )
    # a phone-shaped number stays the phone recognizer's
    assert redact_structured("code famille, tél. 0612345678") == "code famille, tél. [TÉLÉPHONE]"


def test_redact_structured_masks_them_without_spacy():
    text = (
        "allocataire CAF n° 1234567, parcelle AB 123, PC 033 063 24 A0012, "
        "numéro fiscal 0701987765493, identifiant France Travail 1234567A, "
        "permis de conduire n° 123456789012, acte de naissance n° 45, INE 1234567890A, "
        "numéro d'électeur 123456789, n° client 00123456, le 12 mars 2026."
    )
    assert redact_structured(text) == (
        "allocataire CAF n° [ALLOCATAIRE], parcelle [PARCELLE], [DOSSIER_URBANISME], "
        "numéro fiscal [NUMÉRO_FISCAL], identifiant France Travail [FRANCE_TRAVAIL], "
        "permis de conduire n° [PERMIS_CONDUIRE], acte de naissance n° [ACTE_ÉTAT_CIVIL], "
        "INE [INE], numéro d'électeur [NUMÉRO_ÉLECTEUR], n° client [NUMÉRO_CLIENT], "
        "le 12 mars 2026."
    )


# --------------------------------------------------------------------------- agents' questions
#: Questions as agents write them, with what must be masked (type, value), in reading order.
MUST_MASK: list[tuple[str, list[tuple[str, str]]]] = [
    ("Mme Durand, allocataire CAF n° 1234567, demande une aide exceptionnelle : puis-je "
     "résumer sa demande avec l'IA ?",
     [("PERSONNE", "Durand"), ("ALLOCATAIRE", "1234567")]),
    ("La parcelle AB 123 de M. Martin au 4 rue des Lilas fait l'objet d'une DIA : l'IA peut-elle "
     "rédiger le courrier au notaire ?",
     [("PARCELLE", "AB 123"), ("PERSONNE", "Martin"), ("ADRESSE", "4 rue des Lilas")]),
    ("Le terrain cadastré section ZC n° 45 est-il constructible selon le PLU ?",
     [("PARCELLE", "ZC n° 45")]),
    ("Le propriétaire des parcelles AB 12, AB 13 et 15 conteste le bornage, que lui répondre ?",
     [("PARCELLE", "AB 12"), ("PARCELLE", "AB 13"), ("PARCELLE", "15")]),
    ("Référence cadastrale 000 AK 0012 : puis-je la coller dans Mistral ?",
     [("PARCELLE", "000 AK 0012")]),
    ("Puis-je demander à ChatGPT de résumer le recours contre le PC 044 109 24 A0012 ?",
     [("DOSSIER_URBANISME", "PC 044 109 24 A0012")]),
    ("Un administré m'a donné son numéro fiscal 07 01 987 765 493 pour le quotient familial, où "
     "le noter ?",
     [("NUMÉRO_FISCAL", "07 01 987 765 493")]),
    ("Exploitant agricole, n° MSA 1234567 : l'IA peut-elle remplir sa demande d'aide ?",
     [("ALLOCATAIRE", "1234567")]),
    ("Son n° MSA est 1 84 12 76 451 089, est-ce une donnée sensible ?",
     [("NIR", "1 84 12 76 451 089")]),
    ("Procuration : le numéro national d'électeur du mandataire est 123456789, est-ce complet ?",
     [("NUMÉRO_ÉLECTEUR", "123456789")]),
    ("Copie intégrale de l'acte de naissance n° 45 de Paul Bernard : peut-on l'envoyer par "
     "courriel ?",
     [("ACTE_ÉTAT_CIVIL", "45"), ("PERSONNE", "Paul Bernard")]),
    ("L'usager, identifiant France Travail 1234567A, demande le tarif social de la cantine.",
     [("FRANCE_TRAVAIL", "1234567A")]),
    ("Le candidat joint son permis de conduire n° 123456789012, puis-je le vérifier avec l'IA ?",
     [("PERMIS_CONDUIRE", "123456789012")]),
    ("INE de l'élève : 1234567890A, peut-on le mettre dans le tableur de la cantine ?",
     [("INE", "1234567890A")]),
    ("Mon numéro client est le 00123456 et ma facture d'eau a doublé, que faire ?",
     [("NUMÉRO_CLIENT", "00123456")]),
    ("Le numéro de carte vitale 1 84 12 76 451 089 46 figure sur la demande d'aide.",
     [("NIR", "1 84 12 76 451 089 46")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), MUST_MASK, ids=lambda x: str(x)[:40])
def test_agents_questions_are_masked_with_french_labels(scrubber, text, expected):
    result = scrubber.scrub(text)
    cursor = 0
    for entity_type, value in expected:
        start = text.index(value, cursor)
        cursor = start + len(value)
        covering = [f for f in result.findings if f.start <= start and start + len(value) <= f.end]
        assert covering, f"{value!r} non masqué : {result.text!r}"
        assert covering[0].type == entity_type, (value, covering[0], result.text)
        assert covering[0].placeholder.startswith(f"[{entity_type}_")
        assert value not in result.text
    assert {f.type for f in result.findings} == {t for t, _ in expected}, result.text


def test_what_the_agent_sees(scrubber):
    result = scrubber.scrub(
        "Mme Durand, allocataire CAF n° 1234567, demande une aide pour la parcelle AB 123."
    )
    assert result.text == (
        "Mme [PERSONNE_1], allocataire CAF n° [ALLOCATAIRE_1], demande une aide pour la "
        "parcelle [PARCELLE_1]."
    )
    assert [f["type"] for f in result.to_dict()["findings"]] == [
        "PERSONNE",
        "ALLOCATAIRE",
        "PARCELLE",
    ]


#: Ordinary agent questions with numbers: nothing in them is personal data.
ORDINARY_QUESTIONS = [
    "L'article 35 de la charte s'applique-t-il aux agents contractuels ?",
    "Que dit l'article L.311-3-1 du CRPA sur les algorithmes publics ?",
    "L'article L. 2121-29 du CGCT fixe-t-il les compétences du conseil municipal ?",
    "La section 4 du guide traite-t-elle des parcelles agricoles ?",
    "Le budget 2026 prévoit 1 250 000 € pour la voirie, comment le présenter ?",
    "La CAF a versé 1500000 euros aux familles de la commune en 2025.",
    "La CAF compte 1234567 allocataires dans la région, est-ce une donnée publique ?",
    "Combien d'allocataires CAF ont demandé l'aide au CCAS en 2024 ?",
    "Le numéro de la CAF est le 3230, puis-je le donner aux usagers ?",
    "La MSA verse une prime de 250 € aux exploitants depuis 2023.",
    "La parcelle fait 1500 m² et la maison 120 m², faut-il un permis de construire ?",
    "Une parcelle sur trois est en zone UB ; que dit l'article UB 7 du PLU ?",
    "La parcelle longe la RD 937 et l'A 63 : faut-il l'avis du département ?",
    "Les parcelles de la section ZC sont en zone agricole depuis 2010.",
    "Le cadastre de 1830 est-il consultable aux archives départementales ?",
    "Le PLU de 2019 classe le secteur en zone 1AU, l'IA peut-elle résumer le règlement ?",
    "La délibération n° 2024-12 du conseil municipal fixe les tarifs de la cantine.",
    "L'arrêté n° 2024-123 réglemente la circulation rue de la Gare pendant 3 jours.",
    "Le décret n° 2019-341 encadre l'usage du NIR par les collectivités.",
    "La loi n° 78-17 du 6 janvier 1978 a créé la CNIL.",
    "Le règlement (UE) 2016/679 est-il le RGPD ?",
    "Le formulaire cerfa n° 13406*07 est-il le bon pour un permis de construire ?",
    "Quel délai pour une déclaration préalable déposée le 12/03/2026 ?",
    "Le permis de construire de 2024 a-t-il une durée de validité de 3 ans ?",
    "Le service a instruit 450 permis de construire et 1200 déclarations préalables en 2025.",
    "En 2024, 3 200 dossiers d'urbanisme ont été déposés sur le guichet numérique.",
    "L'acte de naissance de 1987 peut-il être délivré en copie intégrale ?",
    "La mairie a dressé 245 actes de naissance en 2025, faut-il le publier ?",
    "La norme EN 1176 s'applique-t-elle aux aires de jeux de la commune ?",
    "Le DTU 20.1 concerne-t-il la maçonnerie des petits ouvrages ?",
    "La facture n° 2026-041 du prestataire est-elle à payer sous 30 jours ?",
    "La facture d'eau de 2024 a augmenté de 12 % pour la commune.",
    "Le prix du repas de cantine passe à 4,20 € au 1er septembre 2026.",
    "Le numéro RNA W443001234 de l'association doit-il figurer sur la demande de subvention ?",
    "Le quotient familial de 650 donne-t-il droit au tarif 2 de la cantine ?",
    "Le bureau de vote n° 3 ouvre à 8 h le 15 mars 2026.",
    "La liste électorale compte 12450 électeurs, combien de procurations en 2024 ?",
    "France Travail organise un forum emploi le 15 avril 2026 à 14 h.",
    "Le permis de conduire est-il exigé pour le poste d'agent technique de catégorie C ?",
    "Les 28 élèves de CM2 passent en 6e en septembre 2026.",
    "Le compte 6411 enregistre-t-il les rémunérations des titulaires ?",
    "Le code APE 8411Z correspond-il à l'administration publique générale ?",
    "Le code INSEE de la commune est 44109, où le trouver ?",
    "La section de fonctionnement s'élève à 2 500 000 €, comment l'expliquer aux habitants ?",
    "Le chapitre 012 représente 55 % des dépenses de fonctionnement.",
    "Le marché n° 2025-015, lot 3, a été attribué le 2 février 2026.",
    "Le PC de l'accueil a 16 Go de mémoire, peut-il faire tourner un modèle local ?",
    "La version 2.3 du logiciel de paie est-elle compatible avec la DSN ?",
    "Le numéro fiscal est-il une donnée personnelle au sens du RGPD ?",
    "Mon numéro client ? Je ne le trouve pas sur la facture d'eau.",
    "La taxe foncière 2025 de la commune rapporte 1 234 000 €.",
    "L'identifiant national élève est-il connu de la mairie ?",
    "Les parcelles AB sont-elles toutes en zone naturelle ?",
]


def test_ordinary_questions_are_left_alone(scrubber):
    assert len(ORDINARY_QUESTIONS) >= 50
    masked = []
    for question in ORDINARY_QUESTIONS:
        result = scrubber.scrub(question)
        if result.findings:
            masked.append(f"{question!r} -> {result.text!r}")
        assert redact_structured(question) == question
    assert not masked, "masqué à tort :\n" + "\n".join(masked)


# --------------------------------------------------------------------------- vault
def test_one_parcel_one_placeholder_whatever_the_spelling():
    assert normalise("PARCELLE", "AB 0123") == normalise("PARCELLE", "AB n° 123")
    assert normalise("PARCELLE", "000 AB 123") == normalise("PARCELLE", "AB 123")
    assert normalise("PARCELLE", "001 AB 123") != normalise("PARCELLE", "AB 123")
    assert normalise("PARCELLE", "AB 123") != normalise("PARCELLE", "AC 123")
    vault = PseudonymVault()
    first = vault.placeholder_for("PARCELLE", "AB 0123")
    assert vault.placeholder_for("PARCELLE", "AB n° 123") == first == "[PARCELLE_1]"


def test_accented_placeholders_come_back_for_the_agent(scrubber):
    vault = PseudonymVault()
    result = scrubber.scrub("numéro fiscal 0701987765493, acte de naissance n° 45", vault)
    assert result.text == (
        "numéro fiscal [NUMÉRO_FISCAL_1], acte de naissance n° [ACTE_ÉTAT_CIVIL_1]"
    )
    answer = "Ne copiez pas [NUMERO_FISCAL_1] ni [ACTE ÉTAT CIVIL 1] dans un outil."
    assert vault.restore(answer) == "Ne copiez pas 0701987765493 ni 45 dans un outil."


def test_every_new_type_is_in_the_contract():
    assert set(ENTITY_TYPES) >= {
        "ALLOCATAIRE",
        "PARCELLE",
        "DOSSIER_URBANISME",
        "NUMÉRO_FISCAL",
        "FRANCE_TRAVAIL",
        "PERMIS_CONDUIRE",
        "ACTE_ÉTAT_CIVIL",
        "INE",
        "NUMÉRO_ÉLECTEUR",
        "NUMÉRO_CLIENT",
    }
