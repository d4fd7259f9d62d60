"""Visibility: which elements of a page a reader cannot see, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bs4 import BeautifulSoup, Tag

from ._definitions import (
    _UTILITY_CLASSES,
    _WORD,
    FONT_SIZE_PX,
    HIDDEN_REASON_LABELS,
    MIN_FONT_PX,
    MIN_OPACITY,
    OFFSCREEN_PX,
    VIEWPORT_WIDTH_PX,
    HiddenReason,
)
from ._stylesheet import _classes, _StyleSheet
from ._values import (
    _LENGTH,
    _WHITE,
    Colour,
    _background_colour,
    _indistinguishable,
    _parse_colour,
    _pixels,
)


@dataclass(frozen=True)
class HiddenText:
    """The text of one hidden element (whitespace collapsed, not yet normalised)."""

    reason: HiddenReason
    text: str

    @property
    def label(self) -> str:
        """French description of how the text is hidden, for trainers."""
        return HIDDEN_REASON_LABELS[self.reason]


def _text_types() -> tuple[type, ...]:
    import bs4.element

    names = ("NavigableString", "TemplateString", "RubyTextString", "RubyParenthesisString")
    return tuple(getattr(bs4.element, name) for name in names if hasattr(bs4.element, name))


_TEXT_TYPES = _text_types()


def visible_text_of(tag: Tag) -> str:
    """Every text node under ``tag`` (not comments, scripts or styles), whitespace collapsed."""
    parts = []
    for node in tag.descendants:
        if type(node) in _TEXT_TYPES and not (
            node.parent is not None and node.parent.name in {"script", "style"}
        ):
            parts.append(str(node))
    return re.sub(r"\s+", " ", " ".join(parts)).strip()


class PageVisibility:
    """Decides, element by element, whether a reader of the page can see it.

    Build it once per parsed page (``BeautifulSoup(markup, "html.parser")``); answers are cached.
    An element is judged on its own styles and on what it inherits (colour, background); callers
    walk the page from the top and skip the subtree of a hidden element.
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.sheet = _StyleSheet(soup)
        self._reasons: dict[int, HiddenReason | None] = {}
        self._declarations: dict[int, dict[str, str]] = {}
        self._colours: dict[int, Colour | None] = {}
        self._backgrounds: dict[int, Colour | None] = {}

    @property
    def incomplete(self) -> bool:
        """The page's styles were too large or too complex to be read in full: some hidden
        text may have been taken for visible text."""
        return self.sheet.incomplete

    def declarations(self, tag: Tag) -> dict[str, str]:
        """The element's cascaded style (the properties that matter for visibility)."""
        key = id(tag)
        if key not in self._declarations:
            self._declarations[key] = self.sheet.declarations(tag)
        return self._declarations[key]

    def hidden_reason(self, tag: Tag) -> HiddenReason | None:
        """Why ``tag`` itself hides its content from a reader, or None if it does not."""
        key = id(tag)
        if key not in self._reasons:
            self._reasons[key] = self._reason(tag)
        return self._reasons[key]

    def hidden_texts(self) -> list[HiddenText]:
        """The outermost hidden elements that hold words, in document order."""
        found: list[HiddenText] = []
        root = self.soup
        stack: list[Any] = list(reversed([c for c in root.children if isinstance(c, Tag)]))
        while stack:
            tag = stack.pop()
            if tag.name in {"script", "style"}:
                continue
            reason = self.hidden_reason(tag)
            if reason is not None:
                text = visible_text_of(tag)
                if _WORD.search(text):
                    found.append(HiddenText(reason, text))
                continue
            stack.extend(reversed([c for c in tag.children if isinstance(c, Tag)]))
        return found

    # ---- the rules -----------------------------------------------------------------------
    def _reason(self, tag: Tag) -> HiddenReason | None:
        if tag.name in {"template", "noscript"}:
            return "display"
        if tag.name == "dialog" and not tag.has_attr("open"):
            return "display"
        if tag.has_attr("hidden"):
            return "display"
        for name in _classes(tag):
            if name in _UTILITY_CLASSES and name not in self.sheet.defined_classes:
                return _UTILITY_CLASSES[name]
        decls = self.declarations(tag)
        if decls.get("display") == "none" or decls.get("content-visibility") == "hidden":
            return "display"
        if decls.get("visibility") in {"hidden", "collapse"}:
            return "visibility"
        opacity = _number(decls.get("opacity"))
        if opacity is not None and opacity < MIN_OPACITY:
            return "opacity"
        if self._tiny_font(decls):
            return "font-size"
        if self._camouflaged(tag, decls):
            return "colour"
        if self._offscreen(decls):
            return "offscreen"
        if self._collapsed(decls):
            return "collapsed"
        if str(tag.get("aria-hidden", "")).strip().lower() == "true":
            return "aria-hidden"
        return None

    @staticmethod
    def _tiny_font(decls: dict[str, str]) -> bool:
        sizes = []
        if "font-size" in decls:
            sizes.append(decls["font-size"])
        if "font" in decls:
            for token in decls["font"].split():
                size = token.split("/", 1)[0]
                if _LENGTH.match(size):
                    sizes.append(size)
                    break
        for size in sizes:
            match = _LENGTH.match(size.strip())
            if match is None:
                continue
            if match.group(2) == "%":
                if float(match.group(1)) < 100 * MIN_FONT_PX / FONT_SIZE_PX:
                    return True
                continue
            pixels = _pixels(size)
            if pixels is not None and pixels < MIN_FONT_PX:
                return True
        return False

    def _camouflaged(self, tag: Tag, decls: dict[str, str]) -> bool:
        declares = (
            "color" in decls
            or "background" in decls
            or "background-color" in decls
            or tag.has_attr("bgcolor")
            or (tag.name == "font" and tag.has_attr("color"))
        )
        if not declares:
            return False  # same colours as its parent: decided there
        text = self._text_colour(tag)
        if text is None:
            return False
        if text[3] < MIN_OPACITY:
            return True
        background = self._background(tag)
        return background is not None and _indistinguishable(text, background)

    def _text_colour(self, tag: Tag) -> Colour | None:
        """The inherited text colour; None when unknown or never set (then it comes from a
        stylesheet that was not saved with the page, or is the browser's: undecided)."""
        return self._inherited(tag, self._colours, self._own_colour)

    def _background(self, tag: Tag) -> Colour | None:
        """The colour behind the element's text; None when it is an image or unknown."""
        return self._inherited(tag, self._backgrounds, self._own_background, default=_WHITE)

    def _own_colour(self, tag: Tag) -> tuple[bool, Colour | None]:
        value = self.declarations(tag).get("color")
        if value is None and tag.name == "font" and isinstance(tag.get("color"), str):
            value = str(tag.get("color"))
        if value is None or value in {"inherit", "currentcolor", "unset", "initial"}:
            return False, None
        return True, _parse_colour(value)

    def _own_background(self, tag: Tag) -> tuple[bool, Colour | None]:
        decls = self.declarations(tag)
        value = decls.get("background-color") or decls.get("background")
        if value is None and isinstance(tag.get("bgcolor"), str):
            value = str(tag.get("bgcolor"))
        if value is None or value in {"none", "inherit", "initial", "unset"}:
            return False, None
        colour = _background_colour(value)
        if colour is not None and colour[3] < MIN_OPACITY:
            return False, None  # transparent: the parent's background shows through
        return True, colour

    @staticmethod
    def _inherited(
        tag: Tag, cache: dict[int, Colour | None], own: Any, default: Colour | None = None
    ) -> Colour | None:
        """Walk up (iteratively: html.parser nests unclosed tags deeply) to the nearest element
        that sets the value, caching every element on the way."""
        path: list[Tag] = []
        node: Any = tag
        value = default
        while isinstance(node, Tag) and node.name != "[document]":
            if id(node) in cache:
                value = cache[id(node)]
                break
            path.append(node)
            declared, colour = own(node)
            if declared:
                value = colour
                break
            node = node.parent
        for visited in path:
            cache[id(visited)] = value
        return value

    @staticmethod
    def _offscreen(decls: dict[str, str]) -> bool:
        positioned = decls.get("position") in {"absolute", "fixed", "relative"}
        for key in ("left", "top", "right", "text-indent", "margin-left", "margin-top"):
            pixels = _pixels(decls.get(key))
            if pixels is None:
                continue
            if pixels <= -OFFSCREEN_PX:
                return True
            if key == "left" and positioned and pixels >= 4 * VIEWPORT_WIDTH_PX:
                return True
        for match in re.finditer(r"translate(?:x|y|3d)?\(([^)]*)\)", decls.get("transform", "")):
            for part in re.split(r"[\s,]+", match.group(1).strip()):
                pixels = _pixels(part)
                if pixels is not None and pixels <= -OFFSCREEN_PX:
                    return True
        rect = re.search(r"rect\(([^)]*)\)", decls.get("clip", ""))
        if rect is not None:
            edges = [_pixels(v) for v in re.split(r"[\s,]+", rect.group(1).strip())]
            if len(edges) == 4 and None not in edges:
                top, right, bottom, left = edges
                if bottom <= top or right <= left:  # type: ignore[operator]
                    return True
        clip_path = decls.get("clip-path", "").replace(" ", "")
        return "inset(50%" in clip_path or "inset(100%" in clip_path

    @staticmethod
    def _collapsed(decls: dict[str, str]) -> bool:
        if re.search(r"scale[xy]?\(\s*0(?:\.0+)?\s*[,)]", decls.get("transform", "")):
            return True
        overflow = {decls.get(k) for k in ("overflow", "overflow-x", "overflow-y")}
        if not overflow & {"hidden", "clip"}:
            return False
        for key in ("height", "max-height", "width", "max-width"):
            pixels = _pixels(decls.get(key))
            if pixels is not None and pixels <= 1:
                return True
        return False


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    try:
        return float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        return None
