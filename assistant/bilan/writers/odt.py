"""ODT writer (odfpy): real « Heading 1/2 » styles with outline levels, real tables, embedded
PNG figures, page numbers in the footer; LibreOffice opens and edits it."""

from __future__ import annotations

import struct
from pathlib import Path

from assistant.bilan.document import Block, Bullets, Figure, Heading, PageBreak, Paragraph, Table
from assistant.bilan.labels import BLUE, GREY, LIGHT_BLUE

FIGURE_WIDTH_CM = 16.0


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return struct.unpack(">II", png[16:24])


class _Styles:
    """The document's named and automatic styles."""

    def __init__(self, document) -> None:
        from odf.style import (
            ListLevelProperties,
            MasterPage,
            PageLayout,
            PageLayoutProperties,
            ParagraphProperties,
            Style,
            TableCellProperties,
            TableColumnProperties,
            TextProperties,
        )
        from odf.text import ListLevelStyleBullet, ListStyle

        def add(style, *properties, automatic=False):
            for prop in properties:
                style.addElement(prop)
            (document.automaticstyles if automatic else document.styles).addElement(style)
            return style

        self.title = add(
            Style(name="Title", displayname="Title", family="paragraph"),
            TextProperties(fontsize="20pt", fontweight="bold", color=BLUE),
            ParagraphProperties(marginbottom="0.3cm"),
        )
        self.headings = {
            level: add(
                Style(
                    name=f"Heading_20_{level}",
                    displayname=f"Heading {level}",
                    family="paragraph",
                    defaultoutlinelevel=str(level),
                ),
                TextProperties(fontsize=size, fontweight="bold", color=BLUE),
                ParagraphProperties(margintop="0.5cm", marginbottom="0.2cm", keepwithnext="always"),
            )
            for level, size in ((1, "16pt"), (2, "13pt"))
        }
        self.body = add(
            Style(name="Text_20_body", displayname="Text body", family="paragraph"),
            ParagraphProperties(marginbottom="0.2cm"),
            TextProperties(fontsize="10pt"),
        )
        self.note = add(
            Style(name="Bilan_20_note", displayname="Bilan note", family="paragraph"),
            TextProperties(fontsize="8.5pt", color=GREY),
            ParagraphProperties(marginbottom="0.2cm"),
        )
        self.caption = add(
            Style(name="Caption", displayname="Caption", family="paragraph"),
            TextProperties(fontsize="8.5pt", fontstyle="italic", color=GREY),
        )
        self.footer = add(
            Style(name="Footer", displayname="Footer", family="paragraph"),
            ParagraphProperties(textalign="center"),
            TextProperties(fontsize="8pt"),
        )
        self.page_break = add(
            Style(name="PageBreak", family="paragraph"),
            ParagraphProperties(breakafter="page"),
            automatic=True,
        )
        self.cell = add(
            Style(name="Cell", family="table-cell"),
            TableCellProperties(border="0.5pt solid #999999", padding="0.08cm"),
            automatic=True,
        )
        self.head_cell = add(
            Style(name="HeadCell", family="table-cell"),
            TableCellProperties(
                border="0.5pt solid #999999", padding="0.08cm", backgroundcolor=LIGHT_BLUE
            ),
            automatic=True,
        )
        self.cell_text = add(
            Style(name="CellText", family="paragraph"),
            TextProperties(fontsize="9pt"),
            automatic=True,
        )
        self.cell_bold = add(
            Style(name="CellBold", family="paragraph"),
            TextProperties(fontsize="9pt", fontweight="bold"),
            automatic=True,
        )
        self.column = add(
            Style(name="Column", family="table-column"), TableColumnProperties(), automatic=True
        )
        bullets = ListStyle(name="Bullets")
        level = ListLevelStyleBullet(level=1, bulletchar="•")
        level.addElement(ListLevelProperties(spacebefore="0.3cm", minlabelwidth="0.5cm"))
        bullets.addElement(level)
        document.styles.addElement(bullets)
        self.bullets = bullets
        layout = add(
            PageLayout(name="A4"),
            PageLayoutProperties(
                pagewidth="21cm",
                pageheight="29.7cm",
                margintop="1.8cm",
                marginbottom="1.5cm",
                marginleft="2cm",
                marginright="2cm",
                printorientation="portrait",
            ),
            automatic=True,
        )
        self.master = MasterPage(name="Standard", pagelayoutname=layout)
        document.masterstyles.addElement(self.master)


def _footer(styles: _Styles) -> None:
    from odf.style import Footer
    from odf.text import P, PageNumber

    footer = Footer()
    paragraph = P(stylename=styles.footer, text="Page ")
    paragraph.addElement(PageNumber(selectpage="current", text="1"))
    footer.addElement(paragraph)
    styles.master.addElement(footer)


def _table(block: Table, styles: _Styles, index: int):
    from odf.table import Table as OdfTable
    from odf.table import TableCell, TableColumn, TableRow
    from odf.text import P

    table = OdfTable(name=f"Tableau{index}")
    table.addElement(TableColumn(numbercolumnsrepeated=len(block.headers), stylename=styles.column))
    rows = [(block.headers, True)] + [
        (row, block.total and i == len(block.rows) - 1) for i, row in enumerate(block.rows)
    ]
    for position, (row, bold) in enumerate(rows):
        line = TableRow()
        for value in row:
            cell = TableCell(
                valuetype="string", stylename=styles.head_cell if position == 0 else styles.cell
            )
            cell.addElement(
                P(stylename=styles.cell_bold if bold else styles.cell_text, text=str(value))
            )
            line.addElement(cell)
        table.addElement(line)
    return table


def write_odt(blocks: list[Block], out: Path) -> Path:
    """Write the bilan as an OpenDocument text (``.odt``)."""
    from odf.draw import Frame, Image
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    styles = _Styles(document)
    _footer(styles)
    body = document.text
    tables = 0
    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 0:
                body.addElement(P(stylename=styles.title, text=block.text))
            else:
                body.addElement(
                    H(
                        outlinelevel=block.level,
                        stylename=styles.headings[block.level],
                        text=block.text,
                    )
                )
        elif isinstance(block, Paragraph):
            body.addElement(
                P(stylename=styles.note if block.note else styles.body, text=block.text)
            )
        elif isinstance(block, Bullets):
            items = List(stylename=styles.bullets)
            for text in block.items:
                item = ListItem()
                item.addElement(P(stylename=styles.body, text=text))
                items.addElement(item)
            body.addElement(items)
        elif isinstance(block, Table):
            tables += 1
            body.addElement(_table(block, styles, tables))
            body.addElement(P(stylename=styles.body))
        elif isinstance(block, Figure):
            width, height = png_size(block.png)
            href = document.addPicture(f"Pictures/{block.name}.png", "image/png", block.png)
            frame = Frame(
                width=f"{FIGURE_WIDTH_CM}cm",
                height=f"{FIGURE_WIDTH_CM * height / width:.2f}cm",
                anchortype="as-char",
                name=block.name,
            )
            frame.addElement(Image(href=href))
            holder = P(stylename=styles.body)
            holder.addElement(frame)
            body.addElement(holder)
            body.addElement(P(stylename=styles.caption, text=block.caption))
        elif isinstance(block, PageBreak):
            body.addElement(P(stylename=styles.page_break))
    document.save(str(out))
    return out
