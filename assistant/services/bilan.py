"""The committee's bilan as a file: what the CLI, the trainers' API route and the trainers'
area all call.

``BilanService(container).build(start, end, fmt)`` checks the period and the format (French
``Invalid`` errors), gathers the figures and returns the file's bytes with its name and media
type; ``write(...)`` writes it to a path (the CLI; Markdown there may be a ``.md`` with its
figures beside it).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from assistant.services.errors import Invalid

FORMAT_NAMES = ("odt", "docx", "pdf", "md")
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class BilanFile:
    """A generated bilan: its download name, media type and content."""

    filename: str
    media_type: str
    content: bytes


def parse_day(value: str | date | None, field: str) -> date | None:
    """``AAAA-MM-JJ`` (or a date) as a date; ``Invalid`` naming the field otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(
            f"Date de {field} illisible : attendu le format AAAA-MM-JJ, par exemple 2026-09-01."
        ) from None


def parse_period(start: str | date | None, end: str | date | None):
    """The period of the bilan; the last 90 days by default, each bound optional."""
    from assistant.bilan import Period, default_period

    fallback = default_period()
    first = parse_day(start, "début") or fallback.start
    last = parse_day(end, "fin") or (fallback.end if first <= fallback.end else first)
    if first > last:
        raise Invalid("La date de début est postérieure à la date de fin : inversez-les.")
    if (last - first).days >= MAX_DAYS:
        raise Invalid("Période trop longue : trois ans au plus.")
    return Period(first, last)


def check_format(fmt: str) -> str:
    """``fmt`` lower-cased if it is one of odt, docx, pdf, md; ``Invalid`` otherwise."""
    name = (fmt or "").strip().lower()
    if name not in FORMAT_NAMES:
        raise Invalid("Format inconnu : choisissez odt, docx, pdf ou md.")
    return name


class BilanService:
    """Build the bilan of a period in a format, from the container's records."""

    def __init__(self, container: Any, *, history_file: Path | None = None) -> None:
        self.container = container
        self.history_file = history_file

    def gather(self, start: str | date | None, end: str | date | None):
        """The ``BilanData`` of the period (checked first)."""
        from assistant.bilan import gather_bilan

        return gather_bilan(
            self.container, parse_period(start, end), history_file=self.history_file
        )

    def write(self, start: str | date | None, end: str | date | None, fmt: str, out: Path) -> Path:
        """Write the bilan to ``out``; return the path written."""
        from assistant.bilan import render_bilan

        fmt = check_format(fmt)
        data = self.gather(start, end)
        return render_bilan(data, fmt, out)

    def build(self, start: str | date | None, end: str | date | None, fmt: str) -> BilanFile:
        """The bilan as one downloadable file (Markdown: a zip with its figures)."""
        from assistant.bilan import FORMATS

        fmt = check_format(fmt)
        period = parse_period(start, end)
        extension, media_type = FORMATS[fmt]
        filename = f"bilan-assistant-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}{extension}"
        with tempfile.TemporaryDirectory(prefix="bilan-") as folder:
            path = self.write(period.start, period.end, fmt, Path(folder) / filename)
            return BilanFile(filename, media_type, path.read_bytes())
