"""PDF writer (reportlab): the same blocks as the other formats, A4, DejaVu Sans (shipped with
matplotlib: every French character), headings in the PDF outline, « Page n / N » at the foot
of every page."""

from __future__ import annotations

import io
from pathlib import Path

from assistant.bilan.document import Block, Bullets, Figure, Heading, PageBreak, Paragraph, Table
from assistant.bilan.labels import BLUE, GREY, INK, LIGHT_BLUE
from assistant.bilan.writers.odt import png_size

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN_CM = 2.0


def _register_fonts() -> None:
    from matplotlib import get_data_path
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


def _styles():
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=9.5, leading=13, textColor=HexColor(INK), spaceAfter=5
    )
    return {
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=BOLD,
            fontSize=18,
            leading=23,
            textColor=HexColor(BLUE),
            spaceAfter=8,
        ),
        1: ParagraphStyle(
            "h1",
            parent=base,
            fontName=BOLD,
            fontSize=14,
            leading=18,
            textColor=HexColor(BLUE),
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
        ),
        2: ParagraphStyle(
            "h2",
            parent=base,
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            textColor=HexColor(BLUE),
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "body": base,
        "note": ParagraphStyle(
            "note", parent=base, fontSize=8, leading=10.5, textColor=HexColor(GREY)
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "bold": ParagraphStyle(
            "cellbold", parent=base, fontName=BOLD, fontSize=8, leading=10, spaceAfter=0
        ),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=12, bulletIndent=2),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_widths(block: Table, width: float) -> list[float]:
    """Each column gets the width of its longest word (so that « Questions » is not cut in
    two), and the rest of ``width`` in proportion to its longest text."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    floors, wants = [], []
    for i, header in enumerate(block.headers):
        texts = [header] + [str(row[i]) for row in block.rows]
        word = max((w for t in texts for w in t.split()), key=len, default="-")
        floor = stringWidth(word, BOLD, 8) + 14  # 6 pt padding each side
        floors.append(min(floor, width / 4))
        wants.append(min(max(stringWidth(t, FONT, 8) for t in texts) + 14, width / 2))
    spare = max(0.0, width - sum(floors))
    extra = [max(0.0, want - floor) for want, floor in zip(wants, floors, strict=True)]
    if sum(extra) <= spare:
        spare_each = (spare - sum(extra)) / len(floors)
        return [f + e + spare_each for f, e in zip(floors, extra, strict=True)]
    return [f + spare * e / sum(extra) for f, e in zip(floors, extra, strict=True)]


def _table(block: Table, styles, width: float):
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    rows = [[P(_escape(h), styles["bold"]) for h in block.headers]]
    for i, row in enumerate(block.rows):
        style = styles["bold"] if block.total and i == len(block.rows) - 1 else styles["cell"]
        rows.append([P(_escape(str(c)), style) for c in row])
    table = T(rows, colWidths=_column_widths(block, width), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, HexColor("#999999")),
                ("BACKGROUND", (0, 0), (-1, 0), HexColor(LIGHT_BLUE)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def write_pdf(blocks: list[Block], out: Path) -> Path:
    """Write the bilan as a PDF with page numbers and an outline of its parts."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, ListFlowable, ListItem, SimpleDocTemplate, Spacer
    from reportlab.platypus import PageBreak as Break
    from reportlab.platypus import Paragraph as P

    _register_fonts()
    styles = _styles()
    title = next((b.text for b in blocks if isinstance(b, Heading) and b.level == 0), "Bilan")

    class Document(SimpleDocTemplate):
        def afterFlowable(self, flowable) -> None:  # reportlab hook name
            level = getattr(flowable, "outline_level", None)
            if level is not None:
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level)

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColorRGB(0.4, 0.4, 0.4)
        canvas.drawRightString(A4[0] - MARGIN_CM * cm, 1.0 * cm, f"Page {document.page}")
        canvas.drawString(MARGIN_CM * cm, 1.0 * cm, title)
        canvas.restoreState()

    document = Document(
        str(out),
        pagesize=A4,
        leftMargin=MARGIN_CM * cm,
        rightMargin=MARGIN_CM * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.8 * cm,
        title=title,
        author="",
        creator="assistant bilan",
    )
    width = A4[0] - 2 * MARGIN_CM * cm
    story = []
    for block in blocks:
        if isinstance(block, Heading):
            heading = P(_escape(block.text), styles["title" if block.level == 0 else block.level])
            heading.outline_level = max(0, block.level - 1)
            story.append(heading)
        elif isinstance(block, Paragraph):
            story.append(P(_escape(block.text), styles["note" if block.note else "body"]))
        elif isinstance(block, Bullets):
            story.append(
                ListFlowable(
                    [
                        ListItem(P(_escape(item), styles["body"]), leftIndent=12)
                        for item in block.items
                    ],
                    bulletType="bullet",
                    start="•",
                    bulletFontName=FONT,
                    leftIndent=12,
                )
            )
        elif isinstance(block, Table):
            story += [_table(block, styles, width), Spacer(1, 8)]
        elif isinstance(block, Figure):
            pixels_w, pixels_h = png_size(block.png)
            shown_w = min(width, 16 * cm)
            story.append(
                Image(io.BytesIO(block.png), width=shown_w, height=shown_w * pixels_h / pixels_w)
            )
            story.append(P(_escape(block.caption), styles["note"]))
        elif isinstance(block, PageBreak):
            story.append(Break())
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out
