"""DOCX writer (python-docx): real Heading 1/2 styles, real tables, embedded PNG figures,
page numbers in the footer; a reader edits it in any word processor."""

from __future__ import annotations

import io
from pathlib import Path

from assistant.bilan.document import Block, Bullets, Figure, Heading, PageBreak, Paragraph, Table
from assistant.bilan.labels import BLUE, GREY

FIGURE_WIDTH_CM = 16


def _rgb(hex_colour: str):
    from docx.shared import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def _page_number_footer(document) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = 1  # centred
    paragraph.add_run("Page ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _table(document, block: Table) -> None:
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = "Table Grid"
    for column, header in enumerate(block.headers):
        cell = table.rows[0].cells[column]
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for index, row in enumerate(block.rows, start=1):
        bold = block.total and index == len(block.rows)
        for column, value in enumerate(row):
            cell = table.rows[index].cells[column]
            cell.text = str(value)
            if bold:
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    document.add_paragraph()


def write_docx(blocks: list[Block], out: Path) -> Path:
    """Write the bilan as a Word document (``.docx``)."""
    from docx import Document
    from docx.shared import Cm, Pt

    document = Document()
    document.core_properties.title = next(
        (b.text for b in blocks if isinstance(b, Heading) and b.level == 0), "Bilan"
    )
    document.core_properties.author = ""
    for name in ("Title", "Heading 1", "Heading 2"):
        document.styles[name].font.color.rgb = _rgb(BLUE)
    _page_number_footer(document)
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph(block.text)
            if block.note:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
                    run.font.color.rgb = _rgb(GREY)
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            document.add_picture(io.BytesIO(block.png), width=Cm(FIGURE_WIDTH_CM))
            document.add_paragraph(block.caption, style="Caption")
        elif isinstance(block, PageBreak):
            document.add_page_break()
    document.save(str(out))
    return out
