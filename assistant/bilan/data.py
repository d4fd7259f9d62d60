"""``BilanData``: every figure of the committee's bilan, as pure typed data.

The gathering functions live in ``gather.py``; the writers only read this. Nothing here holds
a raw question: the only texts are scrubbed questions (the records never hold anything else)
and labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Period:
    """The days of the bilan, both included (French local days)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Count:
    """One labelled count (a theme, a job, a week…)."""

    label: str
    value: int


@dataclass(frozen=True)
class JobFigures:
    """The questions of one job: how many, how many refused, the agents' votes."""

    job: str
    questions: int
    refused: int
    up: int
    down: int

    @property
    def refused_share(self) -> float:
        return self.refused / self.questions if self.questions else 0.0

    @property
    def satisfaction(self) -> float | None:
        votes = self.up + self.down
        return self.up / votes if votes else None


@dataclass(frozen=True)
class Usage:
    """Participation and usage over the period (part 1 and 2)."""

    questions: int = 0
    answered: int = 0
    partial: int = 0
    refused: int = 0
    sessions: int = 0
    active_days: int = 0
    channels: list[Count] = field(default_factory=list)
    per_week: list[Count] = field(default_factory=list)
    per_theme: list[Count] = field(default_factory=list)
    per_job: list[JobFigures] = field(default_factory=list)
    peak_minute: int = 0
    peak_minute_at: datetime | None = None
    peak_hour: int = 0
    busy_hours: int = 0  # hours with at least BUSY_HOUR_QUESTIONS questions: webinars, likely
    p50_ms: float | None = None
    p95_ms: float | None = None
    votes_up: int = 0
    votes_down: int = 0

    @property
    def satisfaction(self) -> float | None:
        votes = self.votes_up + self.votes_down
        return self.votes_up / votes if votes else None


@dataclass(frozen=True)
class Privacy:
    """What the guardrails did over the period (part 6); counts only."""

    questions_with_personal_data: int = 0
    masked_by_type: list[Count] = field(default_factory=list)
    injections_flagged: int = 0
    pii_leak_rate: float | None = None  # the quality suite's measure, latest run
    retention_days: int = 0
    oldest_record: datetime | None = None
    backend: str = ""
    model: str = ""
    runs_where: str = ""
    answers_by_engine: list[Count] = field(default_factory=list)


@dataclass(frozen=True)
class QualityRun:
    """One run of ``pytest eval/`` (the quality history)."""

    date: str
    hit_at_5: float | None
    mrr: float | None
    refusal_accuracy: float | None
    false_refusal_rate: float | None


@dataclass(frozen=True)
class SplitFigures:
    """One dataset of the latest run: dev, test (frozen, blind) or field."""

    name: str
    count: int
    shown_hit_at_5: float | None
    false_refusal_rate: float | None
    refusal_accuracy: float | None


@dataclass(frozen=True)
class Quality:
    """The quality suite's latest figures and their history (part 5)."""

    latest_date: str = ""
    commit: str = ""
    embedding_model: str = ""
    metrics: list[tuple[str, float, int]] = field(default_factory=list)
    splits: list[SplitFigures] = field(default_factory=list)
    history: list[QualityRun] = field(default_factory=list)


@dataclass(frozen=True)
class Energy:
    """Estimated energy of the period's answers, and the published hosted-model figures."""

    server_watts: float = 0.0
    pue: float = 1.0
    measured_answers: int = 0
    mean_answer_s: float = 0.0
    wh_per_answer: float = 0.0
    wh_period: float = 0.0
    hosted_wh_per_prompt: float = 0.24
    hosted_gco2_per_prompt: float = 0.03
    hosted_water_ml_per_prompt: float = 0.26
    questions: int = 0

    @property
    def hosted_wh_period(self) -> float:
        return self.questions * self.hosted_wh_per_prompt


@dataclass(frozen=True)
class PriorityItem:
    """One ranked use case (``compute_priorities``'s item)."""

    rank: int
    job: str
    use_case: str
    doc_id: str
    section: str
    questions: int
    sessions: int
    retours: int
    positive_share: float | None
    minutes_saved: float
    risk: str
    risk_findings: int
    coverage: dict[str, int]
    score: float


@dataclass(frozen=True)
class Retour:
    """One published experience report (``RetoursService.list``'s item), scrubbed."""

    id: str
    ts: str
    job: str
    task: str
    tool: str
    result: str
    time_saved_minutes: float
    risk: str


@dataclass(frozen=True)
class QueueGroup:
    """One group of the trainers' queue of uncovered questions (``QueueService.groups``)."""

    id: str
    status: str  # open | linked | drafted | out_of_scope
    count: int
    sessions: int | None  # None: not recorded (the queue keeps no conversation)
    examples: list[str]
    nearest: list[dict[str, str]]
    kinds: dict[str, int]
    link: str


@dataclass(frozen=True)
class Proposal:
    """One proposal for the second stage, with the rule that produced it."""

    kind: str  # "outiller" | "rediger" | "former"
    text: str
    because: str


@dataclass
class BilanData:
    """Everything the bilan shows; the writers render it and query nothing."""

    period: Period
    generated_at: datetime
    syndicate: str
    usage: Usage
    privacy: Privacy
    quality: Quality
    energy: Energy
    priorities_method: str = ""
    priorities: list[PriorityItem] = field(default_factory=list)
    retours: list[Retour] = field(default_factory=list)
    queue_groups: list[QueueGroup] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No question on the period: the bilan says so in a few lines."""
        return self.usage.questions == 0
