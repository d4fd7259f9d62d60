"""The README's picture of the bilan: a fictitious example database, its PDF, one page as PNG.

    .venv/bin/python eval/make_bilan_example.py [--page 1] [--out docs/bilan-exemple-page1.png]

Seeds 1,660 logged questions (scrubbed only, as the server logs them; two one-hour webinars
among them) over three months in a temporary SQLite database, adds illustrative items for
parts 3 and 4 (the priorities ranking, published retours and the trainers' queue, whose
services are not in this branch yet), writes the PDF with the repository's quality history
and draws one page with poppler's ``pdftoppm``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

START, END = date(2026, 9, 3), date(2026, 12, 2)


PRIORITIES = [  # rank, job, use case, questions, sessions, retours, positive, minutes, risk
    (1, "Ressources humaines", "Rédiger une fiche de poste", 48, 31, 6, 0.82, 240, "faible"),
    (
        2,
        "Secrétariat de mairie",
        "Résumer un compte rendu de conseil",
        41,
        29,
        4,
        0.77,
        180,
        "faible",
    ),
    (3, "Communication", "Adapter un texte pour les réseaux sociaux", 35, 22, 3, 0.71, 95, "moyen"),
]
RETOURS = [  # date, job, task, tool, result, minutes saved, risk
    ("2026-10-02", "Ressources humaines", "Fiche de poste", "Albert", "utile", 45, "faible"),
    ("2026-10-15", "Secrétariat de mairie", "Compte rendu", "Albert", "utile", 60, "faible"),
    ("2026-11-04", "Communication", "Publication", "Mistral (local)", "à relire", 20, "moyen"),
]
QUEUE = [  # status, questions, sessions, example, link
    ("open", 23, 17, "Peut-on utiliser l'IA pour un marché public ?", ""),
    ("drafted", 14, 11, "Quelle IA pour transcrire une réunion ?", "fiche-transcription"),
    ("linked", 9, 8, "L'IA peut-elle répondre aux administrés ?", "charte"),
    ("out_of_scope", 4, 4, "Quel temps fera-t-il demain ?", ""),
]


def illustrative_phase(data) -> None:
    """Parts 3 and 4 as the three services will fill them (fictitious figures)."""
    from assistant.bilan.data import PriorityItem, QueueGroup, Retour
    from assistant.bilan.proposals import derive_proposals

    coverage = {"answered": 40, "partial": 5, "refused": 3}
    data.priorities_method = (
        "Score = questions × part d'avis positifs × (1 + minutes gagnées déclarées / 60), "
        "pondéré par le risque (exemple)."
    )
    data.priorities = [
        PriorityItem(
            rank,
            job,
            use,
            f"cas-{rank}",
            "1",
            questions,
            sessions,
            retours,
            positive,
            minutes,
            risk,
            0,
            coverage,
            10.0 - rank,
        )
        for rank, job, use, questions, sessions, retours, positive, minutes, risk in PRIORITIES
    ]
    data.retours = [Retour(f"r{i}", *row) for i, row in enumerate(RETOURS, start=1)]
    data.queue_groups = [
        QueueGroup(f"g{i}", status, count, sessions, [example], [], {"refused": count}, link)
        for i, (status, count, sessions, example, link) in enumerate(QUEUE, start=1)
    ]
    data.proposals = derive_proposals(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "bilan-exemple-page1.png")
    parser.add_argument("--pdf", type=Path, default=None, help="Garder aussi le PDF ici.")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm absent : `make system-packages` installe poppler-utils.")

    from assistant.bilan import Period, gather_bilan, render_bilan
    from assistant.container import Container
    from assistant.settings import load_settings
    from eval.bilan_seed import insert_entries, question_entries, vote_entries

    with tempfile.TemporaryDirectory(prefix="bilan-exemple-") as tmp:
        folder = Path(tmp)
        settings = load_settings(
            _env_file=None, data_dir=folder / "data", llm={"backend": "extractive"}
        )
        container = Container(settings)
        questions = question_entries(1500, datetime(2026, 9, 3, 6, tzinfo=UTC), 89, seed=3)
        for number, day in enumerate((17, 24), start=1):  # two one-hour webinars in September
            questions += question_entries(
                80, datetime(2026, 9, day, 12, tzinfo=UTC), 1 / 24, seed=number, prefix=f"w{number}"
            )
        insert_entries(container.records, questions, vote_entries(questions))
        data = gather_bilan(container, Period(START, END))
        illustrative_phase(data)
        pdf = render_bilan(data, "pdf", folder / "bilan-exemple.pdf")
        if args.pdf:
            shutil.copyfile(pdf, args.pdf)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        stem = folder / "page"
        subprocess.run(
            [
                "pdftoppm",
                "-f",
                str(args.page),
                "-l",
                str(args.page),
                "-r",
                "80",
                "-png",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            check=True,
            timeout=120,
        )
        shutil.copyfile(stem.with_suffix(".png"), args.out)
    print(f"Page {args.page} du bilan d'exemple : {args.out}")


if __name__ == "__main__":
    main()
