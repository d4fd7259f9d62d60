"""Part 8: proposals for the second stage, each derived from the figures by a stated rule.

The rules (printed in the report, so the committee sees why each proposal is there):
- **outiller**: the three best-ranked use cases of the priorities ranking;
- **rédiger**: the three largest groups of the trainers' queue still open (or only linked to
  the nearest sheet), by number of questions;
- **former**: among jobs with at least ``MIN_JOB_QUESTIONS`` questions, those whose share of
  questions without an answer exceeds the whole period's by ``REFUSAL_MARGIN`` points, or whose
  satisfaction (votes) is under ``LOW_SATISFACTION``; at most three, worst first.
"""

from __future__ import annotations

from assistant.bilan.data import BilanData, Proposal
from assistant.bilan.labels import share

TOP = 3
MIN_JOB_QUESTIONS = 5
REFUSAL_MARGIN = 0.10
LOW_SATISFACTION = 0.6

RULES = (
    "Outiller : les trois cas d'usage les mieux classés par le classement des priorités.",
    "Rédiger : les trois plus grands groupes de questions non couvertes de la file des "
    "formateurs encore ouverts, par nombre de questions.",
    f"Former : les métiers d'au moins {MIN_JOB_QUESTIONS} questions dont la part de questions "
    f"sans réponse dépasse de plus de {round(REFUSAL_MARGIN * 100)} points celle de la période, "
    f"ou dont la satisfaction est inférieure à {round(LOW_SATISFACTION * 100)} % ; trois au "
    "plus, les plus éloignés d'abord.",
)


def derive_proposals(data: BilanData) -> list[Proposal]:
    """The proposals the rules give for ``data`` (empty lists give no proposal)."""
    proposals: list[Proposal] = []
    for item in sorted(data.priorities, key=lambda p: p.rank)[:TOP]:
        proposals.append(
            Proposal(
                "outiller",
                f"Outiller en priorité « {item.use_case} » ({item.job or 'tous métiers'}).",
                f"rang {item.rank} du classement : {item.questions} questions, "
                f"{item.retours} retours, {round(item.minutes_saved)} minutes gagnées déclarées",
            )
        )
    still_open = [g for g in data.queue_groups if g.status == "open"]
    for group in sorted(still_open, key=lambda g: (-g.count, g.id))[:TOP]:
        example = group.examples[0] if group.examples else group.id
        proposals.append(
            Proposal(
                "rediger",
                f"Rédiger une fiche pour les questions du type « {example} ».",
                f"{group.count} questions"
                + ("" if group.sessions is None else f" de {group.sessions} sessions")
                + " sans fiche qui y réponde",
            )
        )
    usage = data.usage
    overall = usage.refused / usage.questions if usage.questions else 0.0
    flagged = []
    for job in usage.per_job:
        if job.questions < MIN_JOB_QUESTIONS:
            continue
        gap = job.refused_share - overall
        low = job.satisfaction is not None and job.satisfaction < LOW_SATISFACTION
        if gap > REFUSAL_MARGIN or low:
            severity = max(gap, LOW_SATISFACTION - (job.satisfaction or 1.0))
            flagged.append((severity, job))
    for _, job in sorted(flagged, key=lambda f: (-f[0], f[1].job))[:TOP]:
        proposals.append(
            Proposal(
                "former",
                f"Former en priorité les agents du métier « {job.job} ».",
                f"{job.questions} questions, {share(job.refused_share)} sans réponse (période : "
                f"{share(overall)}), satisfaction {share(job.satisfaction)}",
            )
        )
    return proposals
