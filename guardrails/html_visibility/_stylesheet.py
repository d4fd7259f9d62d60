"""Style sheets: the page's style blocks and attributes, matched to elements by specificity."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import soupsieve
from bs4 import BeautifulSoup, Tag

from ._definitions import (
    _CSS_COMMENT,
    _RELEVANT,
    _STATE_PSEUDO,
    COMPILE_COST,
    MAX_CSS_CHARS,
    MAX_CSS_RULES,
    MAX_SELECTOR_MATCHES,
    VIEWPORT_HEIGHT_PX,
    VIEWPORT_WIDTH_PX,
)
from ._values import _pixels

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
