"""Markdown writer: one ``.md`` with its PNG figures beside it, or all of it in a ``.zip``.

``out`` ending in ``.zip`` gives a zip holding ``bilan.md`` and ``figures/*.png`` (what the
API and the trainers' area hand out: one file to download); any other name gives the ``.md``
and ``<name>-<figure>.png`` files in the same folder.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from assistant.bilan.document import Block, Bullets, Figure, Heading, PageBreak, Paragraph, Table


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block], image_path) -> str:
    """The Markdown text; ``image_path(figure)`` names each figure's file."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append("#" * (block.level + 1) + " " + block.text)
        elif isinstance(block, Paragraph):
            parts.append(f"*{block.text}*" if block.note else block.text)
        elif isinstance(block, Bullets):
            parts.append("\n".join(f"- {item}" for item in block.items))
        elif isinstance(block, Table):
            rows = [
                [
                    f"**{_cell(c)}**"
                    if block.total and i == len(block.rows) - 1 and c
                    else _cell(c)
                    for c in row
                ]
                for i, row in enumerate(block.rows)
            ]
            lines = [
                "| " + " | ".join(_cell(h) for h in block.headers) + " |",
                "|" + "---|" * len(block.headers),
            ]
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            parts.append("\n".join(lines))
        elif isinstance(block, Figure):
            parts.append(f"![{block.caption}]({image_path(block)})\n\n*{block.caption}*")
        elif isinstance(block, PageBreak):
            parts.append("---")
    return "\n\n".join(parts) + "\n"


def write_markdown(blocks: list[Block], out: Path) -> Path:
    """Write the bilan as Markdown (``.zip``: with its figures inside)."""
    figures = [b for b in blocks if isinstance(b, Figure)]
    if out.suffix.lower() == ".zip":
        text = to_markdown(blocks, lambda f: f"figures/{f.name}.png")
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("bilan.md", text)
            for figure in figures:
                archive.writestr(f"figures/{figure.name}.png", figure.png)
        return out
    for figure in figures:
        (out.parent / f"{out.stem}-{figure.name}.png").write_bytes(figure.png)
    out.write_text(to_markdown(blocks, lambda f: f"{out.stem}-{f.name}.png"), encoding="utf-8")
    return out
