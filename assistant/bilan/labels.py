"""French labels, number formats and colours shared by the bilan and the trainers' dashboard.

Moved here from ``ui/report.py`` (which imports them back) so that the bilan's writers and the
dashboard print the same words and the same colours.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ui.texts import SYNDICATE, pii_label, theme_label
from ui.texts import backend_label as engine_label
from ui.theme import BLUE_FRANCE, TEXT

BLUE = BLUE_FRANCE
RED = "#ce0500"
GREY = "#666666"
LIGHT_BLUE = "#e8edff"
INK = TEXT

__all__ = [
    "BLUE",
    "GREY",
    "INK",
    "LIGHT_BLUE",
    "RED",
    "SYNDICATE",
    "engine_label",
    "job_label",
    "local_zone",
    "number",
    "percent",
    "pii_label",
    "share",
    "theme_label",
    "when",
]


def _jobs() -> dict[str, str]:
    from assistant.api.schemas import JOBS

    return JOBS


def job_label(job: str | None, jobs: dict[str, str] | None = None) -> str:
    """« Secrétariat de mairie » for ``secretariat``; « Non précisé » when none was given."""
    if not job or job == "non précisé":
        return "Non précisé"
    return (jobs if jobs is not None else _jobs()).get(job, job)


def percent(part: int, total: int) -> str:
    """« 42 % » (French typography), or « — » without a total."""
    return f"{round(100 * part / total)} %" if total else "—"


def share(value: float | None) -> str:
    """A share in [0, 1] as « 42 % », or « — »."""
    return "—" if value is None else f"{round(100 * value)} %"


def number(value: float, decimals: int = 0) -> str:
    """French number: « 12 345 », « 0,24 »."""
    text = f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text


def local_zone():
    """Europe/Paris (the syndicate's days), or UTC on a machine without a tz database."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no tz database on this machine
        return UTC


def when(ts: str | datetime | None, *, with_year: bool = False) -> str:
    """« 14/05 10:32 » (or « 14/05/2025 10:32 »), in French local time."""
    if not ts:
        return ""
    if isinstance(ts, datetime):
        moment = ts
    else:
        try:
            moment = datetime.fromisoformat(ts)
        except ValueError:
            return ts
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone()).strftime(
        "%d/%m/%Y %H:%M" if with_year else "%d/%m %H:%M"
    )
