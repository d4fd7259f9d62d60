"""Speed of the French PII scrubber, on one core.

    .venv/bin/python eval/bench_scrub.py [--questions 300] [--json]

Prints the start-up time (spaCy model + Presidio analyzer) and the memory it takes, then the
p50/p95 latency of scrubbing one 20-60 word question and of scrubbing a four-turn history with
one vault (batched with ``scrub_many``, and turn by turn). Targets: question p95 < 15 ms,
four-turn history p95 < 50 ms.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported: one core means one thread

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUESTION_TARGET_MS = 15.0
HISTORY_TARGET_MS = 50.0

OPENINGS = [
    "Bonjour, je suis {person}, secrétaire de mairie à {town}.",
    "Bonjour, {person} du CCAS de {town} ici.",
    "Je travaille au service urbanisme de {town} avec {person}.",
    "Pour le compte de {title} {last}, agent d'état civil,",
    "Bonsoir, question de {person} (service RH de {town}) :",
    "Dans le cadre du webinaire sur la charte,",
    "Suite à la formation de la semaine dernière,",
    "Question rapide de la part du service communication :",
]
QUESTIONS = [
    "puis-je coller dans ChatGPT le courrier de {person2}, qui habite {address}, pour préparer "
    "une réponse sur sa demande de logement social ?",
    "un administré m'a envoyé son numéro de sécurité sociale {nir} par mail, est-ce que je peux "
    "le transmettre à Mistral pour remplir le formulaire de la CAF ?",
    "est-ce que Copilot peut résumer le dossier de {person2}, né le {dob}, sans enfreindre le "
    "RGPD ni la charte du syndicat ?",
    "la famille {last2} m'a laissé son téléphone {phone} et son IBAN {iban} pour un "
    "remboursement de cantine, où dois-je les noter ?",
    "quelles sont les règles de la charte pour utiliser une IA générative quand on rédige une "
    "délibération du conseil municipal ?",
    "le fournisseur SIRET {siret} nous propose un outil d'IA hébergé aux États-Unis, que dit la "
    "fiche sur la souveraineté des données ?",
    "peut-on demander à Albert de traduire un arrêté municipal qui contient le nom de "
    "{person2} et son adresse e-mail {email} ?",
    "la police municipale veut analyser des photos de la plaque {plate} avec une IA, est-ce "
    "autorisé par la CNIL et par notre charte ?",
    "comment anonymiser un compte rendu de la commission d'appel d'offres avant de le donner "
    "à un assistant d'IA pour en faire une synthèse ?",
    "le DPO demande un registre des usages de l'IA dans les services, quelle fiche pratique "
    "dois-je lire en premier ?",
    "j'ai reçu la carte d'identité {cni} de {person2} en pièce jointe, puis-je utiliser un outil "
    "de reconnaissance de texte en ligne ?",
    "est-ce que la Directrice générale des services doit valider l'usage de Gemini pour les "
    "courriers aux usagers de {town} ?",
]
CLOSINGS = [
    "Merci d'avance pour votre réponse.",
    "Cordialement.",
    "Merci beaucoup, c'est urgent pour la réunion de jeudi.",
    "",
    "Bonne journée à toute l'équipe.",
]


def _faker_values(seed: int):
    from faker import Faker

    Faker.seed(seed)
    fake = Faker("fr_FR")
    return {
        "person": fake.name,
        "person2": lambda: random.choice(
            [fake.name(), f"{fake.last_name().upper()} {fake.first_name()}"]
        ),  # fmt: skip
        "last": fake.last_name,
        "last2": fake.last_name,
        "title": lambda: random.choice(["M.", "Mme", "Madame", "Monsieur"]),
        "town": lambda: random.choice(["Nantes", "Rezé", "Saint-Nazaire", "La Roche-sur-Yon"]),
        "address": lambda: (
            f"{fake.building_number()} {fake.street_name()}, {fake.postcode()} {fake.city()}"
        ),
        "nir": fake.ssn,
        "dob": lambda: fake.date_of_birth().strftime("%d/%m/%Y"),
        "phone": fake.phone_number,
        "iban": fake.iban,
        "siret": fake.siret,
        "email": fake.email,
        "plate": fake.license_plate,
        "cni": lambda: f"{random.randint(10**11, 10**12 - 1)}",
    }


def build_questions(count: int, seed: int = 42) -> list[str]:
    """``count`` varied French questions of 20 to 60 words, with personal data in most."""
    random.seed(seed)
    values = _faker_values(seed)
    questions: list[str] = []
    while len(questions) < count:
        template = " ".join(
            [random.choice(OPENINGS), random.choice(QUESTIONS), random.choice(CLOSINGS)]
        ).strip()
        fields = {name: make() for name, make in values.items() if "{" + name + "}" in template}
        question = template.format(**fields)
        if 20 <= len(question.split()) <= 60:
            questions.append(question)
    return questions


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> dict[str, float]:
    from assistant.evaluation.metrics import percentile

    return {
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "max_ms": max(samples) * 1000,
        "mean_ms": statistics.fmean(samples) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    rss_before = rss_mb()
    start = time.perf_counter()
    from guardrails.pii import PiiScrubber, PseudonymVault

    scrubber = PiiScrubber()
    scrubber.warm_up()
    startup_s = time.perf_counter() - start
    rss_after = rss_mb()

    questions = build_questions(max(args.questions, 200))
    words = [len(q.split()) for q in questions]
    for question in questions[:20]:  # warm caches
        scrubber.scrub(question)

    single = []
    masked = 0
    for question in questions:
        t0 = time.perf_counter()
        result = scrubber.scrub(question)
        single.append(time.perf_counter() - t0)
        masked += len(result.findings)

    histories = [questions[i : i + 4] for i in range(0, len(questions) - 3, 2)]
    batched, sequential = [], []
    for turns in histories:
        t0 = time.perf_counter()
        scrubber.scrub_many(turns, PseudonymVault())
        batched.append(time.perf_counter() - t0)
        vault = PseudonymVault()
        t0 = time.perf_counter()
        for turn in turns:
            scrubber.scrub(turn, vault)
        sequential.append(time.perf_counter() - t0)

    report = {
        "cpu": f"1 core (affinity {sorted(os.sched_getaffinity(0))})",
        "startup_s": round(startup_s, 3),
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_after": round(rss_after, 1),
        "questions": len(questions),
        "words_min_max_mean": [min(words), max(words), round(statistics.fmean(words), 1)],
        "findings_per_question": round(masked / len(questions), 2),
        "question": percentiles(single),
        "history4_scrub_many": percentiles(batched),
        "history4_turn_by_turn": percentiles(sequential),
    }
    ok = (
        report["question"]["p95_ms"] < QUESTION_TARGET_MS
        and report["history4_scrub_many"]["p95_ms"] < HISTORY_TARGET_MS
    )
    report["targets_met"] = ok
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0 if ok else 1

    def line(name: str, stats: dict[str, float], target: float | None = None) -> str:
        mark = "" if target is None else ("  OK" if stats["p95_ms"] < target else "  TROP LENT")
        goal = "" if target is None else f" (objectif p95 < {target:g} ms)"
        return (
            f"  {name:<34} p50 {stats['p50_ms']:6.2f} ms   p95 {stats['p95_ms']:6.2f} ms   "
            f"max {stats['max_ms']:6.2f} ms{goal}{mark}"
        )

    print("Banc d'essai de l'anonymisation (PiiScrubber)")
    print(f"  processeur : {report['cpu']}")
    print(f"  démarrage (spaCy fr_core_news_md + Presidio) : {startup_s:.2f} s")
    print(f"  mémoire RSS : {rss_before:.0f} Mo avant, {rss_after:.0f} Mo après chargement")
    print(
        f"  {len(questions)} questions de {min(words)} à {max(words)} mots "
        f"({report['findings_per_question']} données masquées par question en moyenne)"
    )
    print(line("une question", report["question"], QUESTION_TARGET_MS))
    print(line("historique de 4 tours (scrub_many)", report["history4_scrub_many"],
               HISTORY_TARGET_MS))  # fmt: skip
    print(line("historique de 4 tours (tour à tour)", report["history4_turn_by_turn"]))
    print("objectifs atteints" if ok else "objectifs NON atteints")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
