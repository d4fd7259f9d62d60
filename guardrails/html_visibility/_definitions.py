"""What counts as hidden: the reasons, their French labels, the thresholds of a desktop reader."""

from __future__ import annotations

import re
from typing import Literal

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
