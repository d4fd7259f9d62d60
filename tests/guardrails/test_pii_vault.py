"""Pseudonymisation: placeholders stable within a conversation, independent across
conversations, restorable; the vault store's time to live, size limit and thread safety."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from guardrails.pii import PseudonymVault, VaultStore


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --------------------------------------------------------------------------- vault alone
def test_same_value_same_placeholder_and_numbering_per_type():
    vault = PseudonymVault()
    assert vault.placeholder_for("PERSONNE", "Marie Durand") == "[PERSONNE_1]"
    assert vault.placeholder_for("PERSONNE", "Paul Martin") == "[PERSONNE_2]"
    assert vault.placeholder_for("TÉLÉPHONE", "06 12 34 56 78") == "[TÉLÉPHONE_1]"
    assert vault.placeholder_for("PERSONNE", "Marie Durand") == "[PERSONNE_1]"


@pytest.mark.parametrize(
    ("entity_type", "a", "b"),
    [
        ("TÉLÉPHONE", "06 12 34 56 78", "+33 6 12 34 56 78"),
        ("TÉLÉPHONE", "06.12.34.56.78", "0033 (0)6 12 34 56 78"),
        ("PERSONNE", "Marie DURAND", "DURAND Marie"),
        ("PERSONNE", "Élodie Le Gall", "ELODIE LE GALL"),
        ("IBAN", "FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
        ("NIR", "1 84 12 76 451 089 46", "184127645108946"),
        ("EMAIL", "Marie.Durand@Nantes.fr", "marie.durand@nantes.fr"),
        ("DATE_NAISSANCE", "3 janvier 1990", "03/01/1990"),
        ("PLAQUE", "AB-123-CD", "AB 123 CD"),
    ],
)
def test_spellings_of_one_value_share_a_placeholder(entity_type, a, b):
    vault = PseudonymVault()
    assert vault.placeholder_for(entity_type, a) == vault.placeholder_for(entity_type, b)


def test_type_is_part_of_the_key():
    vault = PseudonymVault()
    assert vault.placeholder_for("SIREN", "732829320") == "[SIREN_1]"
    assert vault.placeholder_for("CNI", "732829320") == "[CNI_1]"


def test_restore_unknown_placeholders_untouched_and_repr_hides_values():
    vault = PseudonymVault()
    vault.placeholder_for("PERSONNE", "Marie Durand")
    text = "[PERSONNE_1] et [PERSONNE_7] ; [EMAIL_1]"
    assert vault.restore(text) == "Marie Durand et [PERSONNE_7] ; [EMAIL_1]"
    assert "Marie" not in repr(vault)
    assert len(vault) == 1


# --------------------------------------------------------------------------- with the scrubber
def test_same_value_same_placeholder_across_turns(scrubber):
    vault = PseudonymVault()
    first = scrubber.scrub("Bonjour, je suis Marie DURAND, tél. 06 12 34 56 78.", vault)
    second = scrubber.scrub("Rappelez DURAND Marie au +33 6 12 34 56 78 demain.", vault)
    third = scrubber.scrub("Paul Martin remplace Marie Durand.", vault)
    assert first.text == "Bonjour, je suis [PERSONNE_1], tél. [TÉLÉPHONE_1]."
    assert second.text == "Rappelez [PERSONNE_1] au [TÉLÉPHONE_1] demain."
    assert third.text == "[PERSONNE_2] remplace [PERSONNE_1]."


def test_vaults_are_independent(scrubber):
    one, two = PseudonymVault(), PseudonymVault()
    scrubber.scrub("Marie Durand a écrit.", one)
    a = scrubber.scrub("Paul Martin et Marie Durand.", one)
    b = scrubber.scrub("Paul Martin et Marie Durand.", two)
    assert a.text == "[PERSONNE_2] et [PERSONNE_1]."
    assert b.text == "[PERSONNE_1] et [PERSONNE_2]."
    assert two.restore("[PERSONNE_1]") == "Paul Martin"
    assert one.restore("[PERSONNE_1]") == "Marie Durand"


RESTORABLE = [
    "Bonjour, je suis Marie Durand, j'habite 12 rue des Lilas 44000 Nantes, tél 06 12 34 56 78.",
    "Mme Le Gall (marie.legall@orange.fr), NIR 1 84 12 76 451 089 46, IBAN "
    "FR76 3000 6000 0112 3456 7890 189, née le 3 janvier 1990.",
    "Véhicule AB-123-CD de M. Dupont, SIRET 732 829 320 00074, passeport 12AB34567.",
    "Rien de personnel ici : la CNIL et le RGPD.",
]


@pytest.mark.parametrize("text", RESTORABLE)
def test_restore_gives_the_original_text_back(scrubber, text):
    vault = PseudonymVault()
    result = scrubber.scrub(text, vault)
    assert vault.restore(result.text) == text
    for finding in result.findings:
        assert finding.placeholder in result.text
        assert text[finding.start : finding.end] not in result.text


def test_restore_accepts_the_spellings_a_model_may_use():
    vault = PseudonymVault()
    vault.placeholder_for("TÉLÉPHONE", "06 12 34 56 78")
    vault.placeholder_for("PERSONNE", "Marie Durand")
    answer = "Appelez [PERSONNE 1] au [TELEPHONE_1] ou [ téléphone_1 ] ; [PERSONNE_2] inconnu."
    assert vault.restore(answer) == (
        "Appelez Marie Durand au 06 12 34 56 78 ou 06 12 34 56 78 ; [PERSONNE_2] inconnu."
    )


def test_restore_a_model_answer(scrubber):
    vault = PseudonymVault()
    question = scrubber.scrub("Puis-je transmettre le dossier de Marie Durand à la CAF ?", vault)
    assert "Marie" not in question.text
    answer = "Oui, le dossier de [PERSONNE_1] peut être transmis (fiche 3)."
    assert vault.restore(answer) == "Oui, le dossier de Marie Durand peut être transmis (fiche 3)."


def test_scrub_many_numbers_in_turn_order(scrubber):
    vault = PseudonymVault()
    turns = ["Je suis Marie Durand.", "Et moi Paul Martin.", "Marie Durand est absente."]
    results = scrubber.scrub_many(turns, vault)
    assert [r.text for r in results] == [
        "Je suis [PERSONNE_1].",
        "Et moi [PERSONNE_2].",
        "[PERSONNE_1] est absente.",
    ]
    alone = [scrubber.scrub(t).text for t in turns]
    assert alone == ["Je suis [PERSONNE_1].", "Et moi [PERSONNE_1].", "[PERSONNE_1] est absente."]


def test_findings_never_carry_the_value(scrubber):
    result = scrubber.scrub("Marie Durand, 06 12 34 56 78")
    assert result.counts == {"PERSONNE": 1, "TÉLÉPHONE": 1}
    for finding in result.findings:
        data = finding.to_dict()
        assert set(data) == {"type", "start", "end", "score", "placeholder"}
        assert "Durand" not in str(data) and "06 12" not in str(data)


# --------------------------------------------------------------------------- the store
def test_store_creates_returns_and_drops():
    store = VaultStore()
    vault = store.get("conv-1")
    assert store.get("conv-1") is vault
    assert store.get("conv-2") is not vault
    assert len(store) == 2
    store.drop("conv-1")
    store.drop("inconnue")
    assert len(store) == 1
    assert store.get("conv-1") is not vault


def test_store_ttl_with_a_fake_clock():
    clock = FakeClock()
    store = VaultStore(ttl_seconds=60, clock=clock)
    vault = store.get("a")
    vault.placeholder_for("PERSONNE", "Marie Durand")
    store.get("b")
    clock.advance(40)
    assert store.get("a") is vault  # refreshes a's time to live
    clock.advance(30)  # b: 70 s unused, a: 30 s
    assert len(store) == 1
    assert "b" not in store and "a" in store
    assert store.get("a") is vault
    clock.advance(60)
    assert len(store) == 0
    fresh = store.get("a")
    assert fresh is not vault
    assert fresh.restore("[PERSONNE_1]") == "[PERSONNE_1]"


def test_store_max_size_drops_least_recently_used():
    store = VaultStore(max_conversations=3, clock=FakeClock())
    first = store.get("1")
    store.get("2")
    store.get("3")
    store.get("1")  # "2" is now the least recently used
    store.get("4")
    assert len(store) == 3
    assert "2" not in store
    assert store.get("1") is first


def test_store_validates_its_limits():
    with pytest.raises(ValueError):
        VaultStore(ttl_seconds=0)
    with pytest.raises(ValueError):
        VaultStore(max_conversations=0)


def test_vault_is_thread_safe():
    vault = PseudonymVault()
    values = [f"Personne {i}" for i in range(200)]
    barrier = threading.Barrier(8)

    def work(seed: int) -> dict[str, str]:
        barrier.wait()
        order = values[seed:] + values[:seed]
        return {v: vault.placeholder_for("PERSONNE", v) for v in order}

    with ThreadPoolExecutor(8) as pool:
        maps = list(pool.map(work, range(0, 200, 25)))
    assert all(m == maps[0] for m in maps)
    assert sorted(maps[0].values()) == sorted(f"[PERSONNE_{i}]" for i in range(1, 201))


def test_store_and_scrubber_under_many_threads(scrubber):
    """Many conversations scrubbed at once: each conversation's placeholders stay consistent
    and conversations do not leak into each other."""
    store = VaultStore(ttl_seconds=3600, clock=FakeClock())
    people = ["Marie Durand", "Paul Martin", "Sophie Lambert", "Karim Benali", "Léa Rousseau"]
    phones = ["06 12 34 56 78", "07 98 76 54 32", "02 40 12 34 56", "06 11 22 33 44"]

    def conversation(index: int) -> tuple[int, list[str]]:
        vault = store.get(f"conv-{index}")
        person = people[index % len(people)]
        phone = phones[index % len(phones)]
        texts = []
        for turn in range(3):
            result = scrubber.scrub(
                f"Tour {turn} : {person} demande un rappel au {phone} pour son dossier.", vault
            )
            texts.append(result.text)
        return index, texts

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(conversation, range(40)))
    for index, texts in outcomes:
        for turn, text in enumerate(texts):
            assert text == (
                f"Tour {turn} : [PERSONNE_1] demande un rappel au [TÉLÉPHONE_1] pour son dossier."
            ), (index, text)
        vault = store.get(f"conv-{index}")
        assert vault.restore("[PERSONNE_1]") == people[index % len(people)]
        assert vault.restore("[TÉLÉPHONE_1]") == phones[index % len(phones)]
    assert len(store) == 40


def test_concurrent_store_access_with_expiry():
    clock = FakeClock()
    store = VaultStore(ttl_seconds=5, max_conversations=50, clock=clock)
    errors: list[BaseException] = []

    def hammer(worker: int) -> None:
        try:
            for i in range(300):
                vault = store.get(f"c{(worker * 7 + i) % 80}")
                vault.placeholder_for("EMAIL", f"user{i % 5}@example.org")
                if i % 50 == 0:
                    store.drop(f"c{i % 80}")
                len(store)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        clock.advance(1)
    for thread in threads:
        thread.join()
    assert not errors
    assert len(store) <= 50
