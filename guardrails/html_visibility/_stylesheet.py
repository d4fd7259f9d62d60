"""Which parts of an HTML page a reader cannot see, and why.

The one definition of hidden HTML text, shared by the document loader (hidden text is never
indexed as visible text) and the injection scanner (hidden text is reported, and an instruction
hidden there quarantines the page). Keeping both on the same definition is the point: text the
scanner does not consider hidden is indexed and scanned as visible text, text it considers
hidden is dropped from the index and reported, never one without the other.

What counts as hidden, for a reader on a desktop screen (1280 × 800 pixels, 16-pixel fonts):

- ``display``: ``display:none``, ``content-visibility:hidden``, the ``hidden`` attribute,
  ``<template>``, ``<noscript>``, a ``<dialog>`` that is not ``open``;
- ``visibility``: ``visibility:hidden`` or ``collapse``;
- ``opacity``: ``opacity`` below 0.05;
- ``font-size``: a font under 2 pixels (``font-size`` or the ``font`` shorthand);
- ``colour``: transparent text, or text whose colour is too close to its background (white on
  white, grey on grey; the page background is white unless a style says otherwise);
- ``offscreen``: moved 500 pixels or more off the page (``left``, ``top``, ``text-indent``,
  negative margins, ``translate``) or clipped away (``clip: rect(0 …)``, ``clip-path:
  inset(50%)``);
- ``collapsed``: a box of at most one pixel with its overflow hidden, or ``scale(0)``;
- ``aria-hidden``: ``aria-hidden="true"``.

Styles come from the ``style`` attribute and from the page's ``<style>`` blocks: any selector
that soupsieve understands (classes, ids, element names, descendants, attributes...), ordered
by specificity then position, ``!important`` honoured, ``@media`` blocks applied only when they
hold on a desktop screen; state-dependent selectors (``:hover``, ``:focus``...) and
pseudo-elements are ignored. Common utility classes (``sr-only``, ``visually-hidden``,
``d-none``...) count as hidden when the page's own styles do not define them (their stylesheet
was not saved with the page).

Known limits: external stylesheets and scripts are not run, inheritance is approximated (a
hidden element hides its whole subtree, even a child that a style would reveal again: the safe
side), and content revealed by a click (a collapsed accordion) counts as hidden.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import soupsieve
from bs4 import BeautifulSoup, Tag

__all__ = [
    "CAMOUFLAGE_REASONS",
    "HIDDEN_REASON_LABELS",
    "HiddenReason",
    "HiddenText",
    "PageVisibility",
    "visible_text_of",
]

HiddenReason = Literal[
    "display", "visibility", "opacity", "font-size", "colour", "offscreen", "collapsed",
    "aria-hidden",
]  # fmt: skip

HIDDEN_REASON_LABELS: dict[str, str] = {
    "display": "du texte masqué (display:none ou attribut hidden)",
    "visibility": "du texte masqué (visibility:hidden)",
    "opacity": "du texte transparent (opacity:0)",
    "font-size": "du texte en police de taille nulle",
    "colour": "du texte de la couleur de son fond (blanc sur blanc, transparent…)",
    "offscreen": "du texte positionné hors de l'écran",
    "collapsed": "un bloc de taille nulle",
    "aria-hidden": "un bloc aria-hidden",
}

#: Reasons by which text is present on screen but not readable (rather than simply not shown).
CAMOUFLAGE_REASONS = frozenset({"font-size", "colour", "opacity"})

VIEWPORT_WIDTH_PX = 1280
VIEWPORT_HEIGHT_PX = 800
FONT_SIZE_PX = 16
OFFSCREEN_PX = 500
MIN_FONT_PX = 2
MIN_OPACITY = 0.05
MAX_CSS_CHARS = 2_000_000
MAX_CSS_RULES = 20_000
MAX_SELECTOR_MATCHES = 40_000
COMPILE_COST = 25  # compiling a selector takes about as long as 25 matches

_UTILITY_CLASSES: dict[str, HiddenReason] = {
    "hidden": "display",
    "d-none": "display",
    "is-hidden": "display",
    "invisible": "visibility",
    "sr-only": "offscreen",
    "visually-hidden": "offscreen",
    "fr-sr-only": "offscreen",
    "screen-reader-text": "offscreen",
}
_RELEVANT = {
    "display", "content-visibility", "visibility", "opacity", "font-size", "font", "color",
    "background", "background-color", "left", "top", "right", "position", "text-indent",
    "margin-left", "margin-top", "transform", "clip", "clip-path", "height", "max-height",
    "width", "max-width", "overflow", "overflow-x", "overflow-y",
}  # fmt: skip
_STATE_PSEUDO = re.compile(
    r":(?:hover|focus|focus-within|focus-visible|active|visited|target|checked|"
    r"placeholder-shown|before|after|first-line|first-letter|selection|placeholder|marker)\b"
    r"|::",
    re.IGNORECASE,
)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_WORD = re.compile(r"\w")

# --------------------------------------------------------------------------------------------
# Values: lengths and colours
# --------------------------------------------------------------------------------------------

_LENGTH = re.compile(r"^([+-]?\d*\.?\d+(?:e[+-]?\d+)?)(px|pt|pc|em|rem|ex|ch|cm|mm|q|in|vw|vh|%)?$")
_UNIT_PX = {
    None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "em": FONT_SIZE_PX, "rem": FONT_SIZE_PX,
    "ex": FONT_SIZE_PX / 2, "ch": FONT_SIZE_PX / 2, "cm": 96 / 2.54, "mm": 96 / 25.4,
    "q": 96 / 101.6, "in": 96.0, "vw": VIEWPORT_WIDTH_PX / 100, "vh": VIEWPORT_HEIGHT_PX / 100,
}  # fmt: skip


def _pixels(value: str | None) -> float | None:
    """A CSS length in pixels, or None when unknown (percentages, ``calc()``, keywords)."""
    if not value:
        return None
    match = _LENGTH.match(value.strip().lower())
    if match is None or match.group(2) == "%":
        return None
    return float(match.group(1)) * _UNIT_PX[match.group(2)]


_NAMED_COLOURS = {
    "white": (255, 255, 255), "snow": (255, 250, 250), "ivory": (255, 255, 240),
    "ghostwhite": (248, 248, 255), "whitesmoke": (245, 245, 245), "floralwhite": (255, 250, 240),
    "seashell": (255, 245, 238), "mintcream": (245, 255, 250), "azure": (240, 255, 255),
    "aliceblue": (240, 248, 255), "linen": (250, 240, 230), "black": (0, 0, 0),
    "silver": (192, 192, 192), "lightgray": (211, 211, 211), "lightgrey": (211, 211, 211),
    "gainsboro": (220, 220, 220), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "dimgray": (105, 105, 105), "darkgray": (169, 169, 169), "red": (255, 0, 0),
    "maroon": (128, 0, 0), "yellow": (255, 255, 0), "olive": (128, 128, 0), "lime": (0, 255, 0),
    "green": (0, 128, 0), "aqua": (0, 255, 255), "cyan": (0, 255, 255), "teal": (0, 128, 128),
    "blue": (0, 0, 255), "navy": (0, 0, 128), "fuchsia": (255, 0, 255), "purple": (128, 0, 128),
    "orange": (255, 165, 0),
}  # fmt: skip
_COLOUR_TOKEN = re.compile(r"#[0-9a-f]{3,8}\b|(?:rgba?|hsla?)\([^)]*\)|[a-z]+", re.IGNORECASE)
Colour = tuple[float, float, float, float]  # red, green, blue (0-255), alpha (0-1)


def _parse_colour(value: str) -> Colour | None:
    """A CSS colour as RGBA, or None when unknown (``var()``, ``currentcolor``, rare names)."""
    value = value.strip().lower()
    if value == "transparent":
        return (0.0, 0.0, 0.0, 0.0)
    if value in _NAMED_COLOURS:
        red, green, blue = _NAMED_COLOURS[value]
        return (red, green, blue, 1.0)
    if re.fullmatch(r"#[0-9a-f]{3,8}", value) and len(value) in (4, 5, 7, 9):
        digits = value[1:]
        if len(digits) <= 4:
            digits = "".join(d * 2 for d in digits)
        channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        alpha = channels[3] / 255 if len(channels) == 4 else 1.0
        return (channels[0], channels[1], channels[2], alpha)
    match = re.fullmatch(r"(rgba?|hsla?)\((.*)\)", value)
    if match is None:
        return None
    parts = [p for p in re.split(r"[\s,/]+", match.group(2).strip()) if p]
    if len(parts) not in (3, 4):
        return None
    try:
        alpha = 1.0
        if len(parts) == 4:
            alpha = float(parts[3].rstrip("%")) / (100 if parts[3].endswith("%") else 1)
        if match.group(1).startswith("rgb"):
            rgb = [
                float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in parts[:3]
            ]
        else:
            hue = float(re.sub(r"deg$", "", parts[0])) / 360
            sat, light = (float(p.rstrip("%")) / 100 for p in parts[1:3])
            rgb = [c * 255 for c in colorsys.hls_to_rgb(hue % 1.0, light, sat)]
    except ValueError:
        return None
    return (rgb[0], rgb[1], rgb[2], alpha)


def _background_colour(value: str) -> Colour | None:
    """The colour of a ``background`` shorthand; None when it paints something else (an image,
    a gradient) or cannot be read."""
    if "url(" in value or "gradient(" in value or "var(" in value:
        return None
    for token in _COLOUR_TOKEN.findall(value):
        colour = _parse_colour(token)
        if colour is not None:
            return colour
    return None


def _luminance(colour: Colour) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue, _ = colour
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def _indistinguishable(text: Colour, background: Colour) -> bool:
    """Text a reader cannot tell from its background: WCAG contrast under 1.25 and no channel
    more than 40 apart (yellow on white has a low contrast but stays visible)."""
    if text[3] < MIN_OPACITY:
        return True
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    contrast = (lighter + 0.05) / (darker + 0.05)
    close = all(abs(a - b) <= 40 for a, b in zip(text[:3], background[:3], strict=True))
    return contrast < 1.25 and close


_WHITE: Colour = (255.0, 255.0, 255.0, 1.0)

# --------------------------------------------------------------------------------------------
# Style sheets
# --------------------------------------------------------------------------------------------

Declarations = dict[str, tuple[str, bool]]  # property -> (lower-case value, important)


def _declarations(style: str) -> Declarations:
    decls: Declarations = {}
    for part in _CSS_COMMENT.sub(" ", style).split(";"):  # a comment counts as a space
        if ":" not in part:
            continue
        name, value = part.split(":", 1)
        name = name.strip().lower()
        value = value.strip().lower()
        important = "!important" in value
        value = value.replace("!important", "").strip()
        if name in _RELEVANT and value:
            decls[name] = (value, important)
    return decls


def _media_feature_holds(feature: str) -> bool:
    feature = feature.strip().lower()
    range_match = re.fullmatch(r"(width|height)\s*(<=|>=|<|>|=)\s*(\S+)", feature)
    if range_match:
        size = VIEWPORT_WIDTH_PX if range_match.group(1) == "width" else VIEWPORT_HEIGHT_PX
        limit = _pixels(range_match.group(3))
        if limit is None:
            return False
        op = range_match.group(2)
        return {
            "<=": size <= limit, ">=": size >= limit, "<": size < limit, ">": size > limit,
            "=": size == limit,
        }[op]  # fmt: skip
    if ":" not in feature:
        return feature in {"color", "hover", "pointer"}
    name, value = (part.strip() for part in feature.split(":", 1))
    sizes = {"width": VIEWPORT_WIDTH_PX, "height": VIEWPORT_HEIGHT_PX}
    for prefix, compare in (("min-", float.__ge__), ("max-", float.__le__)):
        if name.startswith(prefix) and name[len(prefix) :] in sizes:
            limit = _pixels(value)
            return limit is not None and compare(float(sizes[name[len(prefix) :]]), limit)
    known = {
        "orientation": "landscape",
        "prefers-color-scheme": "light",
        "prefers-reduced-motion": "no-preference",
        "hover": "hover",
        "pointer": "fine",
    }
    return known.get(name) == value


def _media_holds(query_list: str) -> bool:
    """Whether an ``@media`` query list holds on a desktop screen (unknown features do not)."""
    for query in query_list.split(","):
        words = query.strip().lower()
        negate = words.startswith("not ")
        words = re.sub(r"^(?:not|only)\s+", "", words)
        features = re.findall(r"\(([^()]*)\)", words)
        media_type = re.sub(r"\([^()]*\)|\band\b", " ", words).split()
        holds = (not media_type or media_type[0] in {"screen", "all"}) and all(
            _media_feature_holds(f) for f in features
        )
        if holds != negate:
            return True
    return False


def _style_rules(css: str) -> Iterator[tuple[str, str]]:
    """(selector list, declarations) of the style rules that apply on a desktop screen."""
    # "<!--" and "-->" around a style sheet (old pages) are ignored by browsers.
    css = _CSS_COMMENT.sub(" ", css[:MAX_CSS_CHARS]).replace("<!--", " ").replace("-->", " ")
    applies: list[bool] = []  # one entry per enclosing at-rule block
    start = 0
    position = 0
    while position < len(css):
        brace = css.find("{", position)
        close = css.find("}", position)
        if brace == -1 and close == -1:
            return
        if close != -1 and (brace == -1 or close < brace):  # end of an at-rule block
            if applies:
                applies.pop()
            start = position = close + 1
            continue
        prelude = css[start:brace].strip()
        if ";" in prelude:  # after "@import ...;", "@charset ...;" or a stray declaration
            prelude = prelude[prelude.rfind(";") + 1 :].strip()
        if prelude.startswith("@"):
            name = prelude.split(None, 1)[0].lower()
            holds = name == "@supports" or (
                name == "@media" and _media_holds(prelude[len(name) :])
            )
            if name in {"@media", "@supports", "@layer", "@container"}:
                applies.append(holds or name in {"@layer", "@container"})
                start = position = brace + 1
                continue
            end = _matching_brace(css, brace)  # @font-face, @keyframes, @page: no page styles
            start = position = end + 1
            continue
        end = _matching_brace(css, brace)
        if all(applies):
            body = css[brace + 1 : end]
            nested = body.find("{")
            yield prelude, body if nested == -1 else body[: body.rfind(";", 0, nested) + 1]
        start = position = end + 1


def _matching_brace(css: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(css)):
        if css[index] == "{":
            depth += 1
        elif css[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(css)


def _split_selectors(selector_list: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in selector_list:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _specificity(selector: str) -> tuple[int, int, int]:
    bare = re.sub(r"\[[^\]]*\]", "[]", selector)
    ids = len(re.findall(r"#[\w-]", bare))
    classes = len(re.findall(r"\.[\w-]|\[\]|:(?!not\(|is\(|where\()[\w-]", bare))
    types = len(re.findall(r"(?:^|[\s>+~(])[a-zA-Z][\w-]*", bare))
    return ids, classes, types


_COMBINATOR = re.compile(r"\s*([>+~])\s*|\s+")
_SIMPLE = re.compile(r"^(?:[a-zA-Z][\w-]*|[.#][\w-]+)$")


def _tokens(compound: str) -> frozenset[str]:
    """The ``.class`` and ``#id`` a compound selector requires (not those under ``:not()``)."""
    return frozenset(re.findall(r"[.#][\w-]+", compound))


@dataclass(frozen=True)
class _Rule:
    """One selector of a style rule, with what an element must have for it to possibly match:
    ``tag`` and ``tokens`` on the element itself, ``ancestors`` on some of its ancestors."""

    selector: str  # "" when the key alone decides (``.class``, ``#id``, element name)
    specificity: tuple[int, int, int]
    order: int
    normal: tuple[tuple[str, str], ...]
    important: tuple[tuple[str, str], ...]
    tag: str = ""
    tokens: frozenset[str] = frozenset()
    ancestors: frozenset[str] = frozenset()

    def may_match(self, tag: Tag, own: frozenset[str], inside: frozenset[str] | None) -> bool:
        if self.tag and tag.name != self.tag:
            return False
        if not self.tokens <= own:
            return False
        return inside is None or self.ancestors <= inside


class _StyleSheet:
    """The page's style rules, indexed so that an element is only matched against the rules it
    could satisfy.

    A rule is found through the ``.class`` or ``#id`` its last compound requires; otherwise
    through a class or id one of its ancestors must have (``.article p``); otherwise through its
    element name (``ul li``). Selector matching (soupsieve: 5 to 20 µs a call, and about 0.5 ms
    to compile a selector, done on first use) is capped at ``MAX_SELECTOR_MATCHES`` calls a
    page (under a second): past that, ``incomplete`` is set and the remaining complex rules
    are ignored, so that a style sheet built to be slow cannot stall an ingestion.
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.simple: dict[str, list[_Rule]] = {}  # ".class", "#id", element name
        self.by_key: dict[str, list[_Rule]] = {}  # "#id", ".class", element name, "*"
        self.by_anchor: dict[str, dict[str, list[_Rule]]] = {}  # name or "*" -> token -> rules
        self.defined_classes: set[str] = set()
        self.incomplete = False
        self.matches_left = MAX_SELECTOR_MATCHES
        self._inside: dict[int, frozenset[str] | None] = {}
        self._compiled: dict[str, Any] = {}
        order = 0
        # A closing brace between blocks: one left unclosed does not swallow the next block.
        css = "\n}\n".join(style.get_text() for style in soup.find_all("style"))
        if len(css) > MAX_CSS_CHARS:
            self.incomplete = True
        for selector_list, body in _style_rules(css):
            if order >= MAX_CSS_RULES:
                self.incomplete = True
                break
            self.defined_classes.update(re.findall(r"\.([\w-]+)", selector_list))
            declarations = _declarations(body)
            if not declarations:
                continue
            for selector in _split_selectors(selector_list):
                order += 1
                self._add(selector, declarations, order)
        if self.by_anchor or any(r.ancestors for rules in self.by_key.values() for r in rules):
            self._index_ancestors(soup)

    def _add(self, selector: str, declarations: Declarations, order: int) -> None:
        if _STATE_PSEUDO.search(selector):
            return
        if _SIMPLE.match(selector):
            key = selector if selector[0] in ".#" else selector.lower()
            rule = _Rule("", _specificity(selector), order, *_split_important(declarations))
            self.simple.setdefault(key, []).append(rule)
            return
        bare = re.sub(r"\([^()]*\)", "()", re.sub(r"\[[^\]]*\]", "[]", selector)).strip()
        parts = _COMBINATOR.split(bare)
        compounds = [p for p in parts[0::2] if p is not None]
        combinators = [c or " " for c in parts[1::2]]
        last = compounds[-1] if compounds else "*"
        name = re.match(r"[a-zA-Z][\w-]*", last)
        tokens = _tokens(last)
        ancestors: set[str] = set()
        for compound, combinator in zip(compounds[:-1], combinators, strict=False):
            if combinator in (" ", ">"):
                ancestors.update(_tokens(compound))
        rule = _Rule(
            selector,
            _specificity(selector),
            order,
            *_split_important(declarations),
            tag=name.group(0).lower() if name else "",
            tokens=tokens,
            ancestors=frozenset(ancestors),
        )
        if tokens:
            key = min(tokens, key=lambda t: (t[0] != "#", t))  # an id is the most selective
            self.by_key.setdefault(key, []).append(rule)
        elif ancestors:
            anchor = min(ancestors, key=lambda t: (t[0] != "#", t))
            self.by_anchor.setdefault(rule.tag or "*", {}).setdefault(anchor, []).append(rule)
        else:
            self.by_key.setdefault(rule.tag or "*", []).append(rule)

    def _index_ancestors(self, soup: BeautifulSoup) -> None:
        """For each element, the classes and ids of its ancestors (shared between elements
        where nothing is added; None, meaning "unknown", past 512 of them)."""
        empty: frozenset[str] = frozenset()
        for tag in soup.find_all(True):
            parent = tag.parent
            if parent is None or parent is soup:
                self._inside[id(tag)] = empty
                continue
            base = self._inside.get(id(parent), empty)
            added = _own_tokens(parent)
            if base is None or added <= base:
                self._inside[id(tag)] = base
            else:
                merged = base | added
                self._inside[id(tag)] = merged if len(merged) <= 512 else None

    def declarations(self, tag: Tag) -> dict[str, str]:
        """The cascaded declarations of ``tag``: rules by specificity and order, then the
        ``style`` attribute, then ``!important`` rules, then ``!important`` inline ones."""
        own = _own_tokens(tag)
        name = tag.name.lower()
        matched = list(self.simple.get(name, ()))
        for token in own:
            matched.extend(self.simple.get(token, ()))
        if self.matches_left > 0:
            matched.extend(self._complex_matches(tag, name, own))
        matched.sort(key=lambda r: (r.specificity, r.order))
        inline = _declarations(str(tag.get("style") or ""))
        result: dict[str, str] = {}
        for rule in matched:
            result.update(rule.normal)
        result.update((k, v) for k, (v, important) in inline.items() if not important)
        for rule in matched:
            result.update(rule.important)
        result.update((k, v) for k, (v, important) in inline.items() if important)
        return result

    def _complex_matches(self, tag: Tag, name: str, own: frozenset[str]) -> list[_Rule]:
        inside = self._inside.get(id(tag), frozenset()) if self._inside else frozenset()
        candidates = list(self.by_key.get("*", ()))
        candidates.extend(self.by_key.get(name, ()))
        for token in own:
            candidates.extend(self.by_key.get(token, ()))
        for anchors in (self.by_anchor.get(name), self.by_anchor.get("*")):
            if not anchors:
                continue
            if inside is None:
                candidates.extend(rule for rules in anchors.values() for rule in rules)
            elif len(inside) < len(anchors):
                for token in inside:
                    candidates.extend(anchors.get(token, ()))
            else:
                for token, rules in anchors.items():
                    if token in inside:
                        candidates.extend(rules)
        return [rule for rule in candidates if self._matches(rule, tag, own, inside)]

    def _matches(
        self, rule: _Rule, tag: Tag, own: frozenset[str], inside: frozenset[str] | None
    ) -> bool:
        if not rule.may_match(tag, own, inside):
            return False
        if self.matches_left <= 0:
            self.incomplete = True
            return False
        self.matches_left -= 1
        if self.matches_left <= 0:
            self.incomplete = True  # later elements skip the complex rules altogether
        compiled = self._compiled.get(rule.selector, False)
        if compiled is False:  # compiled on first use: most rules of a big sheet never are
            self.matches_left -= COMPILE_COST
            try:
                compiled = soupsieve.compile(rule.selector)
            except Exception:  # a selector soupsieve does not know: ignored, like a browser
                compiled = None
            self._compiled[rule.selector] = compiled
        if compiled is None:
            return False
        try:
            return bool(compiled.match(tag))
        except Exception:
            return False


def _split_important(
    declarations: Declarations,
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    normal = tuple((k, v) for k, (v, important) in declarations.items() if not important)
    important = tuple((k, v) for k, (v, flag) in declarations.items() if flag)
    return normal, important


def _own_tokens(tag: Tag) -> frozenset[str]:
    tokens = {"." + name for name in _classes(tag)}
    element_id = tag.get("id")
    if isinstance(element_id, str) and element_id:
        tokens.add("#" + element_id)
    return frozenset(tokens)


def _classes(tag: Tag) -> list[str]:
    classes = tag.get("class") or []
    return classes.split() if isinstance(classes, str) else list(classes)


# --------------------------------------------------------------------------------------------
# Visibility
# --------------------------------------------------------------------------------------------


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
