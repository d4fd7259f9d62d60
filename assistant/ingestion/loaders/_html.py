"""HTML pages: visible text by headings, hidden text set apart (guardrails.html_visibility)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from guardrails.html_visibility import HiddenText, PageVisibility, visible_text_of
from guardrails.injection import normalise_text

from ._base import IngestionError, LoaderResult, _Context, _core_title, _Sections

_DROPPED_TAGS = {
    "script",
    "style",
    "nav",
    "noscript",
    "template",
    "head",
    "svg",
    "iframe",
    "object",
    "embed",
    "canvas",
    "button",
    "select",
    "form",
}
_BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "caption",
    "hr",
    "body",
    "html",
}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


_INLINE_BREAKS = _BLOCK_TAGS | {"td", "th", "tr", "table", "pre", "blockquote"}


def _is_text(node: Any) -> bool:
    from bs4 import NavigableString

    # Exactly NavigableString: comments, doctypes, CDATA and script/style strings are subclasses.
    return isinstance(node, NavigableString) and type(node) is NavigableString


def _inline_text(node: Any, skipped: Callable[[Any], bool]) -> str:
    """Visible text of ``node`` (iterative: html.parser nests unclosed tags very deeply)."""
    parts: list[str] = []
    stack: list[Any] = list(reversed(list(node.children)))
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):  # a literal separator pushed below
            parts.append(item[0])
        elif _is_text(item):
            parts.append(str(item))
        elif not skipped(item):
            if item.name == "br":
                parts.append("\n")
                continue
            spaced = item.name in _INLINE_BREAKS
            if spaced:
                stack.append((" ",))
            stack.extend(reversed(list(item.children)))
            if spaced:
                parts.append(" ")
    return "".join(parts)


class _HtmlWalker:
    """Turns the visible part of a page into headings and paragraphs, without recursion.

    What is visible is decided by :class:`guardrails.html_visibility.PageVisibility`, the
    definition the injection scanner uses too; each hidden element that holds words is kept in
    ``context.hidden`` for the ingestion report.
    """

    def __init__(self, context: _Context, visibility: PageVisibility) -> None:
        self.context = context
        self.visibility = visibility
        self.sections = _Sections()
        self.buffer: list[str] = []
        self.quote_depth = 0
        self._reported: set[int] = set()

    def skipped(self, node: Any) -> bool:
        """Left out of the text: not an element, boilerplate (menus, forms...) or hidden."""
        from bs4 import Tag

        if not isinstance(node, Tag) or node.name in _DROPPED_TAGS:
            return True
        reason = self.visibility.hidden_reason(node)
        if reason is None:
            return False
        if id(node) not in self._reported:
            self._reported.add(id(node))
            text = normalise_text(visible_text_of(node)).strip()
            if re.search(r"\w", text):
                self.context.hidden.append(HiddenText(reason, text))
        return True

    def inline_text(self, node: Any) -> str:
        return _inline_text(node, self.skipped)

    def visible_within(self, node: Any, root: Any) -> bool:
        """``node`` and its ancestors up to ``root`` (excluded) are all shown."""
        while node is not None and node is not root:
            if self.skipped(node):
                return False
            node = node.parent
        return True

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
        text = "\n".join(line for line in lines if line)
        if text:
            self.add(self.context.norm(text))

    def add(self, paragraph: str) -> None:
        if self.quote_depth:
            prefix = "> " * self.quote_depth
            paragraph = "\n".join(prefix + line for line in paragraph.split("\n"))
        self.sections.paragraph(paragraph)

    def end_quote(self) -> None:
        self.flush()
        self.quote_depth -= 1

    def walk(self, root: Any) -> None:
        frames: list[tuple[Any, Callable[[], None] | None]] = [(iter(root.children), None)]
        while frames:
            children, on_exit = frames[-1]
            child = next(children, None)
            if child is None:
                frames.pop()
                if on_exit is not None:
                    on_exit()
                continue
            if _is_text(child):
                self.buffer.append(re.sub(r"\s+", " ", str(child)))
                continue
            if self.skipped(child):
                continue
            name = child.name
            if name in _HEADINGS:
                self.flush()
                heading = self.context.norm(re.sub(r"\s+", " ", self.inline_text(child)))
                self.sections.heading(_HEADINGS[name], heading)
            elif name == "br":
                self.buffer.append("\n")
            elif name == "pre":
                self.flush()
                code = self.context.norm(self.inline_text(child)).strip("\n")
                if code.strip():
                    self.add(f"```\n{code}\n```")
            elif name == "blockquote":
                self.flush()
                self.quote_depth += 1
                frames.append((iter(child.children), self.end_quote))
            elif name == "table":
                self.flush()
                rows = []
                for row in child.find_all("tr"):
                    if not self.visible_within(row, child):
                        continue
                    cells = [
                        re.sub(r"\s+", " ", self.inline_text(cell)).strip()
                        for cell in row.find_all(["td", "th"])
                        if self.visible_within(cell, row)
                    ]
                    cells = [cell for cell in cells if cell]
                    if cells:
                        rows.append(" | ".join(cells))
                if rows:
                    self.add(self.context.norm("\n".join(rows)))
            elif name == "li":
                self.flush()
                self.buffer.append("- ")
                frames.append((iter(child.children), self.flush))
            elif name == "code":
                self.buffer.append("`" + re.sub(r"\s+", " ", self.inline_text(child)) + "`")
            elif name in _BLOCK_TAGS:
                self.flush()
                frames.append((iter(child.children), self.flush))
            else:
                frames.append((iter(child.children), None))


def _load_html(data: bytes, context: _Context) -> LoaderResult:
    from bs4 import BeautifulSoup, UnicodeDammit

    dammit = UnicodeDammit(data, is_html=True)
    markup = dammit.unicode_markup
    if markup is None:
        raise IngestionError(
            "encoding",
            f"« {context.name} » : impossible de déterminer l'encodage de la page. "
            "Enregistrez-la en UTF-8 puis réessayez.",
        )
    soup = BeautifulSoup(markup, "html.parser")
    metadata: dict[str, Any] = {}
    title_tag = soup.find("title")
    page_title = _core_title(title_tag.get_text()) if title_tag else ""
    html_tag = soup.find("html")
    if html_tag is not None and html_tag.get("lang"):
        metadata["language"] = str(html_tag.get("lang"))
    description = soup.find("meta", attrs={"name": "description"})
    if description is not None and description.get("content"):
        metadata["description"] = context.norm(str(description.get("content"))).strip()
    walker = _HtmlWalker(context, PageVisibility(soup))
    root = soup.body or soup
    shown = [node for node in (root, *root.parents) if node is not soup]
    if not any(walker.skipped(node) for node in reversed(shown)):  # <body hidden> hides all
        walker.walk(root)
    walker.flush()
    walker.sections.flush()
    metadata["title"] = walker.sections.first_h1 or page_title
    return metadata, walker.sections.blocks, markup, None
