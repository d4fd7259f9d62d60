"""Parts 3 and 4 of the bilan: the priorities ranking, the published retours, the queue.

These come from the services the trainers' area uses (``assistant.services.priorities``,
``.retours``, ``.queue``); an empty list makes the bilan say « Aucun … sur la période ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.bilan.data import PriorityItem, QueueGroup, Retour


@dataclass
class ExperimentalPhase:
    """What the three services returned for the period, typed."""

    method: str = ""
    priorities: list[PriorityItem] = field(default_factory=list)
    retours: list[Retour] = field(default_factory=list)
    queue_groups: list[QueueGroup] = field(default_factory=list)


def gather_experimental_phase(
    container: Any, since: datetime | None, until: datetime | None
) -> ExperimentalPhase:
    """The priorities, published retours and queue groups of ``[since, until)``."""
    from assistant.services.priorities import compute_priorities
    from assistant.services.queue import QueueService
    from assistant.services.retours import RetoursService

    phase = ExperimentalPhase()
    ranking = compute_priorities(container, since=since, until=until)
    phase.method = str(ranking.get("method", ""))
    phase.priorities = [priority_item(item) for item in ranking.get("items", [])]
    listed = RetoursService(container).list(status="publie", since=since, until=until)
    phase.retours = [retour(item) for item in listed]
    groups = QueueService(container).groups(status=None, since=since, until=until)
    phase.queue_groups = [queue_group(item) for item in groups]
    return phase


def _number(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def priority_item(item: dict[str, Any]) -> PriorityItem:
    """A ``compute_priorities`` item as a ``PriorityItem``."""
    coverage = item.get("coverage") or {}
    share = item.get("positive_share")
    return PriorityItem(
        rank=int(item.get("rank") or 0),
        job=str(item.get("job") or ""),
        use_case=str(item.get("use_case") or ""),
        doc_id=str(item.get("doc_id") or ""),
        section=str(item.get("section") or ""),
        questions=int(item.get("questions") or 0),
        sessions=int(item.get("sessions") or 0),
        retours=int(item.get("retours") or 0),
        positive_share=None if share is None else float(share),
        minutes_saved=_number(item.get("minutes_saved")),
        risk=str(item.get("risk") or ""),
        risk_findings=int(item.get("risk_findings") or 0),
        coverage={k: int(coverage.get(k) or 0) for k in ("answered", "partial", "refused")},
        score=_number(item.get("score")),
    )


def retour(item: dict[str, Any]) -> Retour:
    """A published retour as a ``Retour`` (no description, no contact: counts and labels)."""
    return Retour(
        id=str(item.get("id") or ""),
        ts=str(item.get("ts") or ""),
        job=str(item.get("job") or ""),
        task=str(item.get("task") or ""),
        tool=str(item.get("tool") or ""),
        result=str(item.get("result") or ""),
        time_saved_minutes=_number(item.get("time_saved_minutes")),
        risk=str(item.get("risk") or ""),
    )


def queue_group(item: dict[str, Any]) -> QueueGroup:
    """A queue group as a ``QueueGroup``."""
    link = item.get("link")
    if isinstance(link, dict):
        link = link.get("doc_id") or link.get("title") or ""
    return QueueGroup(
        id=str(item.get("id") or ""),
        status=str(item.get("status") or "open"),
        count=int(item.get("count") or 0),
        sessions=None if item.get("sessions") is None else int(item["sessions"]),
        examples=[str(e) for e in item.get("examples") or []],
        nearest=[
            {k: str(n.get(k) or "") for k in ("doc_id", "section", "title")}
            for n in item.get("nearest") or []
            if isinstance(n, dict)
        ],
        kinds={
            k: int((item.get("kinds") or {}).get(k) or 0) for k in ("refused", "partial", "down")
        },
        link=str(link or ""),
    )
