"""CSS values: lengths in pixels and colours, and when two colours cannot be told apart."""

from __future__ import annotations

import colorsys
import re

from ._definitions import FONT_SIZE_PX, MIN_OPACITY, VIEWPORT_HEIGHT_PX, VIEWPORT_WIDTH_PX

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
