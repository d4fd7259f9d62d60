"""The committee's bilan: figures gathered from the records and the quality history into one
``BilanData``, charts drawn from it, and one writer per format (ODT, DOCX, PDF, Markdown).

``gather_bilan`` is the only part that reads anything; ``render_bilan`` composes the document
once (``document.compose``) and hands it to the writer of the format.
"""

from __future__ import annotations

from pathlib import Path

from assistant.bilan.data import BilanData, Period
from assistant.bilan.gather import default_period, gather_bilan

#: Format -> (file extension for a single download, media type).
FORMATS: dict[str, tuple[str, str]] = {
    "odt": (".odt", "application/vnd.oasis.opendocument.text"),
    "docx": (".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "pdf": (".pdf", "application/pdf"),
    "md": (".zip", "application/zip"),
}

__all__ = ["FORMATS", "BilanData", "Period", "default_period", "gather_bilan", "render_bilan"]


def render_bilan(data: BilanData, fmt: str, out: Path) -> Path:
    """Write ``data`` as ``fmt`` to ``out`` (Markdown: ``.zip``, or ``.md`` + PNG beside)."""
    from assistant.bilan.charts import draw_charts
    from assistant.bilan.document import compose
    from assistant.bilan.writers import write

    if fmt not in FORMATS:
        raise ValueError(fmt)
    return write(compose(data, draw_charts(data)), fmt, out)
