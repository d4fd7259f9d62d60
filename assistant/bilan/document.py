"""The bilan as a list of blocks (headings, paragraphs, lists, tables, figures), composed once
from ``BilanData`` and its charts, so that the four writers print the same content.

Each writer only maps a block to its format (``writers/``); none decides what to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.bilan.data import BilanData
from assistant.bilan.labels import number, percent, share, when
from assistant.bilan.proposals import RULES

TITLE = "Bilan de la phase d'expérimentation de l'assistant IA"
PARTS = (
    "1. Synthèse",
    "2. Usage",
    "3. Cas d'usage prioritaires et retours d'expérience",
    "4. Ce que le corpus ne couvre pas encore",
    "5. Qualité des réponses",
    "6. Protection des données et sécurité",
    "7. Numérique responsable",
    "8. Propositions pour la seconde étape",
)
PROPOSALS_LABEL = "Propositions soumises à la discussion du Comité"
SOURCE_HOSTED = (
    "C. Elsner et al., « Measuring the environmental impact of delivering AI at Google "
    "scale », Google, août 2025, arXiv:2508.15734."
)
QUEUE_STATUS = {
    "open": "à traiter",
    "linked": "reliée à une fiche existante",
    "drafted": "nouvelle fiche rédigée",
    "out_of_scope": "hors du champ de l'assistant",
}


@dataclass(frozen=True)
class Heading:
    """A title (level 0), a part (1) or a sub-part (2)."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``note``: smaller and muted (methods, sources)."""

    text: str
    note: bool = False


@dataclass(frozen=True)
class Bullets:
    """A bulleted list."""

    items: list[str]


@dataclass(frozen=True)
class Table:
    """A table with a header row; ``total``: its last row is a total."""

    headers: list[str]
    rows: list[list[str]]
    total: bool = False


@dataclass(frozen=True)
class Figure:
    """A chart (PNG bytes) and its caption."""

    name: str
    png: bytes = field(repr=False)
    caption: str


@dataclass(frozen=True)
class PageBreak:
    """The next block starts a new page."""


Block = Heading | Paragraph | Bullets | Table | Figure | PageBreak


def _period(data: BilanData) -> str:
    return f"du {data.period.start:%d/%m/%Y} au {data.period.end:%d/%m/%Y}"


def _figure(charts: dict[str, bytes], name: str, caption: str) -> list[Block]:
    return [Figure(name, charts[name], caption)] if name in charts else []


def compose(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    """The whole bilan, in order; an empty period gives a short document that says so."""
    blocks: list[Block] = [
        Heading(0, TITLE),
        Paragraph(
            f"{data.syndicate} — rapport au Comité syndical — période {_period(data)} "
            f"({data.period.days} jours) — établi le {when(data.generated_at, with_year=True)}."
        ),
        Paragraph(
            "Ce bilan ne contient que des chiffres et des questions anonymisées : les données "
            "personnelles sont masquées avant tout enregistrement, et aucune n'apparaît ici.",
            note=True,
        ),
    ]
    if data.empty:
        return blocks + [
            Heading(1, "Aucune question sur la période"),
            Paragraph(
                f"Aucune question n'a été posée à l'assistant {_period(data)} : il n'y a pas "
                "de chiffre d'usage à présenter. Choisissez une période qui couvre les "
                "webinaires et les semaines d'utilisation."
            ),
            Paragraph(
                f"Configuration actuelle : moteur {data.privacy.backend} "
                f"({data.privacy.model}), {data.privacy.runs_where} ; questions conservées "
                f"{data.privacy.retention_days} jours.",
                note=True,
            ),
        ]
    for part in (
        _synthesis,
        _usage,
        _priorities,
        _uncovered,
        _quality,
        _privacy,
        _energy,
        _proposals,
    ):
        blocks += part(data, charts)
    return blocks


def _synthesis(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    u, p = data.usage, data.privacy
    top_uses = [
        f"« {i.use_case} » ({i.job})" for i in sorted(data.priorities, key=lambda i: i.rank)[:3]
    ]
    open_groups = sorted(
        (g for g in data.queue_groups if g.status != "out_of_scope"), key=lambda g: -g.count
    )[:3]
    gaps = [
        f"« {g.examples[0] if g.examples else g.id} » ({g.count} questions)" for g in open_groups
    ]
    return [
        Heading(1, PARTS[0]),
        Table(
            ["Indicateur", "Valeur"],
            [
                ["Questions posées", number(u.questions)],
                ["Sessions distinctes (conversations)", number(u.sessions)],
                ["Jours d'utilisation", number(u.active_days)],
                [
                    "Heures de webinaire probables (20 questions ou plus en une heure)",
                    number(u.busy_hours),
                ],
                ["Collectivités", "non enregistré (aucune donnée nominative conservée)"],
                [
                    "Questions auxquelles le corpus répond",
                    f"{number(u.answered)} ({percent(u.answered, u.questions)})",
                ],
                [
                    "Réponses partielles (passages les plus proches)",
                    f"{number(u.partial)} ({percent(u.partial, u.questions)})",
                ],
                [
                    "Questions sans réponse du corpus",
                    f"{number(u.refused)} ({percent(u.refused, u.questions)})",
                ],
                [
                    "Satisfaction (avis utiles / avis donnés)",
                    f"{share(u.satisfaction)} ({u.votes_up} utiles, {u.votes_down} pas utiles)",
                ],
                [
                    "Questions où des données personnelles ont été masquées",
                    number(p.questions_with_personal_data),
                ],
                ["Tentatives d'injection arrêtées", number(p.injections_flagged)],
                ["Données personnelles envoyées à un modèle", "0"],
            ],
        ),
        *_figure(charts, "couverture", "Part des questions auxquelles le corpus répond."),
        Paragraph(
            "Trois cas d'usage prioritaires : "
            + (" ; ".join(top_uses) if top_uses else "aucun cas d'usage classé sur la période")
            + "."
        ),
        Paragraph(
            "Trois principaux sujets non couverts : "
            + (
                " ; ".join(gaps)
                if gaps
                else "aucun groupe de la file des formateurs sur la période"
            )
            + "."
        ),
        PageBreak(),
    ]


def _usage(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    u = data.usage
    jobs = [
        [j.job, number(j.questions), percent(j.refused, j.questions), share(j.satisfaction)]
        for j in u.per_job
    ]
    jobs.append(
        [
            "Total",
            number(sum(j.questions for j in u.per_job)),
            percent(u.refused, u.questions),
            share(u.satisfaction),
        ]
    )
    themes = [[c.label, number(c.value), percent(c.value, u.questions)] for c in u.per_theme]
    themes.append(["Total", number(sum(c.value for c in u.per_theme)), "100 %"])
    timing = (
        f" ; temps de réponse médian {number((u.p50_ms or 0) / 1000, 1)} s, 95 % des réponses "
        f"en moins de {number((u.p95_ms or 0) / 1000, 1)} s"
        if u.p95_ms is not None
        else ""
    )
    return [
        Heading(1, PARTS[1]),
        Heading(2, "Questions par semaine"),
        *_figure(charts, "semaines", "Questions posées chaque semaine (semaine du lundi)."),
        Table(
            ["Semaine du", "Questions"],
            [[c.label, number(c.value)] for c in u.per_week] + [["Total", number(u.questions)]],
            total=True,
        ),
        Heading(2, "Par thème"),
        *_figure(charts, "themes", "Questions par thème du document cité en premier."),
        Table(["Thème", "Questions", "Part"], themes, total=True),
        Heading(2, "Par métier"),
        *_figure(charts, "metiers", "Questions par métier déclaré par l'agent."),
        Table(["Métier", "Questions", "Sans réponse", "Satisfaction"], jobs, total=True),
        Heading(2, "Charge de pointe tenue"),
        Paragraph(
            f"Au plus fort, {number(u.peak_minute)} questions en une minute "
            f"(le {when(u.peak_minute_at, with_year=True)}) et {number(u.peak_hour)} en une "
            f"heure{timing}."
        ),
    ]


def _priorities(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    blocks: list[Block] = [Heading(1, PARTS[2]), Heading(2, "Cas d'usage prioritaires")]
    if data.priorities:
        if data.priorities_method:
            blocks.append(Paragraph("Méthode : " + data.priorities_method, note=True))
        blocks.append(
            Table(
                [
                    "Rang",
                    "Cas d'usage",
                    "Métier",
                    "Questions",
                    "Sessions",
                    "Retours",
                    "Avis positifs",
                    "Minutes gagnées",
                    "Risque",
                ],
                [
                    [
                        str(i.rank),
                        i.use_case,
                        i.job,
                        number(i.questions),
                        number(i.sessions),
                        number(i.retours),
                        share(i.positive_share),
                        number(i.minutes_saved),
                        i.risk,
                    ]
                    for i in sorted(data.priorities, key=lambda i: i.rank)
                ],
            )
        )
    else:
        blocks.append(Paragraph("Aucun cas d'usage classé sur la période."))
    blocks.append(Heading(2, "Retours d'expérience publiés, par métier"))
    if not data.retours:
        return blocks + [Paragraph("Aucun retour d'expérience publié sur la période.")]
    by_job: dict[str, list] = {}
    for r in data.retours:
        by_job.setdefault(r.job or "Non précisé", []).append(r)
    rows = [
        [job, number(len(items)), number(sum(r.time_saved_minutes for r in items))]
        for job, items in sorted(by_job.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    rows.append(
        [
            "Total",
            number(len(data.retours)),
            number(sum(r.time_saved_minutes for r in data.retours)),
        ]
    )
    return blocks + [
        Table(["Métier", "Retours publiés", "Minutes gagnées déclarées"], rows, total=True),
        Table(
            ["Métier", "Tâche", "Outil", "Résultat", "Minutes gagnées", "Risque"],
            [
                [r.job, r.task, r.tool, r.result, number(r.time_saved_minutes), r.risk]
                for r in data.retours
            ],
        ),
    ]


def _uncovered(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    u = data.usage
    blocks: list[Block] = [
        Heading(1, PARTS[3]),
        Paragraph(
            f"Sur la période, {number(u.refused)} questions sont restées sans réponse du corpus "
            f"et {number(u.partial)} n'ont reçu que les passages les plus proches. Les "
            "formateurs les regroupent par sujet dans leur file de travail."
        ),
    ]
    if not data.queue_groups:
        return blocks + [Paragraph("Aucun groupe de questions non couvertes sur la période.")]
    groups = sorted(data.queue_groups, key=lambda g: (-g.count, g.id))
    rows = [
        [
            g.examples[0] if g.examples else g.id,
            number(g.count),
            "—" if g.sessions is None else number(g.sessions),
            QUEUE_STATUS.get(g.status, g.status),
            g.link or ", ".join(n.get("title") or n.get("doc_id", "") for n in g.nearest[:1]),
        ]
        for g in groups[:15]
    ]
    rows.append(
        [
            "Total",
            number(sum(g.count for g in groups)),
            "—"
            if any(g.sessions is None for g in groups)
            else number(sum(g.sessions or 0 for g in groups)),
            "",
            "",
        ]
    )
    remaining = [g for g in groups if g.status == "open"]
    done = {status: sum(1 for g in groups if g.status == status) for status in QUEUE_STATUS}
    return blocks + [
        Table(
            [
                "Sujet (exemple anonymisé)",
                "Questions",
                "Sessions",
                "Suite donnée",
                "Fiche liée ou la plus proche",
            ],
            rows,
            total=True,
        ),
        Paragraph(
            f"Suites données : {_count(done['linked'], 'groupe relié', 'groupes reliés')} à "
            f"une fiche existante, {_count(done['drafted'], 'groupe', 'groupes')} devenu"
            f"{'s' if done['drafted'] > 1 else ''} une nouvelle fiche, "
            f"{_count(done['out_of_scope'], 'groupe', 'groupes')} hors du champ. Reste à "
            f"traiter : {_count(len(remaining), 'groupe', 'groupes')}, "
            f"{_count(sum(g.count for g in remaining), 'question', 'questions')}."
        ),
    ]


def _quality(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    q = data.quality
    blocks: list[Block] = [Heading(1, PARTS[4])]
    if not q.history:
        return blocks + [
            Paragraph(
                "Aucune exécution de la suite de qualité (pytest eval/) avant la fin de la période."
            )
        ]
    split_names = {
        "dev": "développement (réglages choisis dessus)",
        "test": "test (figé, écrit à l'aveugle)",
        "field": "terrain (questions reliées par les formateurs)",
    }
    blocks += [
        Paragraph(
            f"Dernière exécution de la suite de qualité : {q.latest_date[:10]} (version "
            f"{q.commit}, modèle de plongements {q.embedding_model}), "
            f"{len(q.history)} exécutions jusqu'à la fin de la période."
        ),
        Table(
            ["Mesure", "Valeur", "Questions"],
            [[label, share(value), number(count)] for label, value, count in q.metrics],
        ),
    ]
    if q.splits:
        blocks.append(
            Table(
                [
                    "Jeu de questions",
                    "Questions",
                    "Section parmi les sources",
                    "Refus à tort",
                    "Hors corpus refusées",
                ],
                [
                    [
                        split_names.get(s.name, s.name),
                        number(s.count),
                        share(s.shown_hit_at_5),
                        share(s.false_refusal_rate),
                        share(s.refusal_accuracy),
                    ]
                    for s in q.splits
                ],
            )
        )
    if not any(s.name == "field" for s in q.splits):
        blocks.append(
            Paragraph("Jeu terrain : pas encore mesuré par la suite de qualité.", note=True)
        )
    return blocks + _figure(charts, "qualite", "Évolution des mesures de qualité.")


def _privacy(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    p = data.privacy
    masked = [[c.label, number(c.value)] for c in p.masked_by_type]
    masked.append(["Total", number(sum(c.value for c in p.masked_by_type))])
    leak = (
        ""
        if p.pii_leak_rate is None
        else f" La suite de qualité mesure un taux de fuite de {share(p.pii_leak_rate)} sur ses "
        "questions piégées."
    )
    oldest = when(p.oldest_record, with_year=True) if p.oldest_record else "aucun"
    return [
        Heading(1, PARTS[5]),
        Paragraph(
            f"{number(p.questions_with_personal_data)} questions contenaient des données "
            "personnelles : elles ont été masquées avant la recherche, avant le modèle et "
            "avant tout enregistrement. Types masqués (nombre d'occurrences) :"
        ),
        Table(["Type de donnée masquée", "Occurrences"], masked, total=True),
        Bullets(
            [
                f"Tentatives d'injection d'instructions détectées et neutralisées : "
                f"{number(p.injections_flagged)}.",
                "Données personnelles envoyées à un modèle : 0 (seule la question masquée est "
                "transmise)." + leak,
                f"Conservation : {p.retention_days} jours, appliquée chaque jour ; plus ancien "
                f"enregistrement conservé : {oldest}.",
                f"Modèle : {p.model} (moteur {p.backend}), {p.runs_where}.",
            ]
        ),
        Table(
            ["Moteur des réponses de la période", "Réponses"],
            [[c.label, number(c.value)] for c in p.answers_by_engine],
        ),
    ]


def _energy(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    e = data.energy
    return [
        Heading(1, PARTS[6]),
        Table(
            ["", "Assistant du syndicat (estimation)", "Grand modèle hébergé (publié)"],
            [
                [
                    "Énergie par réponse",
                    f"{number(e.wh_per_answer, 3)} Wh",
                    f"{number(e.hosted_wh_per_prompt, 2)} Wh",
                ],
                [
                    "Énergie pour la période",
                    f"{number(e.wh_period, 1)} Wh",
                    f"{number(e.hosted_wh_period, 1)} Wh",
                ],
                [
                    "Émissions pour la période",
                    "selon le mix électrique de l'hébergeur",
                    f"{number(e.questions * e.hosted_gco2_per_prompt, 1)} g CO2e",
                ],
                [
                    "Eau pour la période",
                    "non estimée",
                    f"{number(e.questions * e.hosted_water_ml_per_prompt, 0)} mL",
                ],
            ],
        ),
        *_figure(
            charts,
            "energie",
            "Énergie des questions de la période, ici et pour un grand modèle hébergé.",
        ),
        Heading(2, "Méthode"),
        Paragraph(
            f"Énergie d'une réponse = durée mesurée de la réponse sur le serveur (moyenne "
            f"{number(e.mean_answer_s, 2)} s sur {number(e.measured_answers)} réponses "
            f"chronométrées) × puissance du serveur ({number(e.server_watts)} W, réglage "
            f"ASSISTANT_BILAN__SERVER_WATTS) × PUE ({number(e.pue, 2)}, réglage "
            "ASSISTANT_BILAN__PUE). La puissance par défaut, 60 W, est l'ordre de grandeur d'un "
            "petit serveur à 2 cœurs en charge ; elle compte tout le serveur, pas seulement la "
            "part de l'assistant, et gagne à être remplacée par une mesure au wattmètre.",
            note=True,
        ),
        Paragraph(
            "Comparaison : les mêmes questions envoyées à un grand modèle hébergé, à raison de "
            "0,24 Wh, 0,03 g CO2e et 0,26 mL d'eau par requête texte médiane (Gemini Apps, "
            "chiffres publiés par Google). Source : " + SOURCE_HOSTED,
            note=True,
        ),
    ]


def _proposals(data: BilanData, charts: dict[str, bytes]) -> list[Block]:
    titles = {
        "outiller": "Usages à outiller en premier",
        "rediger": "Fiches à rédiger",
        "former": "Métiers à former",
    }
    blocks: list[Block] = [
        Heading(1, PARTS[7]),
        Paragraph(
            PROPOSALS_LABEL + " : elles découlent des chiffres de ce bilan par les "
            "règles ci-dessous, et ne sont pas des décisions."
        ),
        Bullets(list(RULES)),
    ]
    for kind, title in titles.items():
        items = [p for p in data.proposals if p.kind == kind]
        blocks.append(Heading(2, title))
        blocks.append(
            Bullets([f"{p.text} ({p.because})" for p in items])
            if items
            else Paragraph(
                "Aucune proposition de ce type : les chiffres de la période "
                "n'en font ressortir aucune."
            )
        )
    return blocks


def _count(count: int, singular: str, plural: str) -> str:
    """« 1 groupe », « 0 groupe », « 2 groupes » (French: 0 and 1 take the singular)."""
    return f"{number(count)} {singular if count <= 1 else plural}"
