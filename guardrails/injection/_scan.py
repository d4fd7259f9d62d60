"""Scanning plain text: rules, links, base64 and invisible characters into one report."""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import parse_qsl, urlsplit

from ._folding import _fold
from ._normalise import _tag_characters, count_invisible, normalise_text
from ._rules import _FOLDED_RULES, _LABELS, _c
from ._signals import (
    MAX_EXCERPT,
    STRONG_INVISIBLE,
    STRONG_TAGS,
    InjectionReport,
    InjectionSignal,
    Source,
    _excerpt,
    _report,
)

_SENSITIVE = re.compile(
    r"conversation|historique|echanges|prompt|instructions|consignes|donnees|mots?\s+de\s+passe|"
    r"identifiants|cles?\s+(?:d'api|api)|secret|token|jeton|resume|dossier|history|\bchat\b|"
    r"\bdata\b|password|credentials|api\s+key|summary|personal|user"
)
_ROLE_LINE = _c(
    r"^[ \t>*_-]*(?P<hit>(?:system|systeme|assistant|user|utilisateur|human|humain)[ \t]*:|"
    r"#{2,4}[ \t]*(?:instructions?|"
    r"system|response|input|assistant|user)[ \t]*:?[ \t]*$)"
)
_DAN = re.compile(r"\bDAN\b")
_BASE64 = re.compile(
    r"(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{80,}={0,2}|[A-Za-z0-9_-]{80,}={0,2})"
    r"(?![A-Za-z0-9+/=_-])"
)
_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,300}\]\(\s*<?(?P<url>(?:https?:)?//[^)\s>]+)")
_HTML_IMAGE = re.compile(
    r"<img\b[^>]*?\bsrc\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\"'\s>]+)", re.IGNORECASE
)
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]{0,300}\]\(\s*<?(?P<url>(?:https?:)?//[^)\s>]+)")
_RAW_URL = re.compile(r"(?<![(<\"'=])(?P<url>https?://[^\s<>\"')\]]+)", re.IGNORECASE)
_PLACEHOLDER_VALUE = re.compile(
    r"[{}\[\]<>$]|%s|\.\.\.|…|xxx|\b(?:DATA|DONNEES|NOM|NAME|RESUME|SUMMARY|CONVERSATION|HISTORY|"
    r"SECRET|PASSWORD|EMAIL|CHAT|PROMPT|INSERT|QUESTION)\b"
)
_SENSITIVE_PARAM = re.compile(
    r"^(?:data|donnees|exfil\w*|leak|secret|conversation|history|historique|chat|prompt|resume|"
    r"summary|password|pwd|mdp|token|q_data|payload|msg|message|user|nom|name|email|mail)$",
    re.IGNORECASE,
)

_TOPIC = re.compile(
    r"injection|injecte|jailbr|attaqu|malveill|pieg|manipul|hameconn|phishing|contourn|"
    r"prompt\s+injection|exfiltr"
)
_QUESTION_TOPIC = re.compile(
    r"que\s+faire|qu'est-ce|signifie|veut\s+dire|comment\s+(?:reagir|reconnaitre|reperer|eviter|"
    r"se\s+proteger|faire)|what\s+(?:does|is|should)|how\s+(?:do|should|can)|est-ce\s+"
    r"(?:normal|dangereux|grave|risque)|contien|contenai|recu|trouve|exemple|example"
)
_QUOTE_SPANS = (
    re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?(?:^[ \t]*\1[ \t]*$|\Z)", re.MULTILINE | re.DOTALL),
    re.compile(r"`[^`\n]+`"),
    re.compile(r"^[ \t]*>.*$", re.MULTILINE),
    re.compile(r"«[^»]{0,600}»"),
    re.compile(r"“[^”]{0,600}”"),
    re.compile(r"„[^“”]{0,600}[“”]"),
    re.compile(r"‹[^›]{0,600}›"),
    re.compile(r"\"[^\"\n]{0,600}\""),
)
_AI_ADDRESSEE = re.compile(
    r"\b(?:ia|ai|llm|gpt|chatgpt|chatbot|copilot|gemini|claude|mistral|modele\s+de\s+langage|"
    r"language\s+model|intelligence\s+artificielle|assistant\s+ia|ai\s+assistant)\b"
)
_INSTRUCTION_VERB = re.compile(
    r"\b(?:resume|resumez|recommande|recommandez|conclus|concluez|note|notez|reponds|repondez|"
    r"dis|dites|indique|indiquez|mentionne|mentionnez|classe|classez|considere|considerez|"
    r"ecris|ecrivez|evalue|evaluez|attribue|doit|dois|devez|summari[sz]e|recommend|conclude|"
    r"say|tell|respond|answer|rank|rate|write|mention|must|should|always|never|toujours|jamais)\b"
)


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for pattern in _QUOTE_SPANS for m in pattern.finditer(text)]
    return sorted(spans)


def _in_spans(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def _url_signal(url: str, text: str, start: int, *, image: bool) -> InjectionSignal | None:
    try:
        parts = urlsplit(url if not url.startswith("//") else "https:" + url)
    except ValueError:
        return None
    if not parts.netloc:
        return None
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    exfil_like = bool(query) and (
        any(not value for _, value in pairs)
        or bool(_PLACEHOLDER_VALUE.search(query))
        or any(_SENSITIVE_PARAM.match(name) for name, _ in pairs)
        or len(query) > 120
    )
    excerpt = _excerpt(text, start, start + len(url))
    if image:
        if query or parts.fragment:
            return InjectionSignal("image_link_query", _LABELS["image_link_query"], excerpt)
        return InjectionSignal(
            "image_link_query", "Image chargée depuis un site externe", excerpt, strong=False
        )
    if exfil_like:
        return InjectionSignal(
            "exfiltration_link",
            "Lien dont les paramètres semblent transporter des données",
            excerpt,
        )
    if query:
        return InjectionSignal(
            "exfiltration_link", "Lien externe avec paramètres", excerpt, strong=False
        )
    return None


def _link_signals(text: str) -> list[tuple[int, InjectionSignal]]:
    found: list[tuple[int, InjectionSignal]] = []
    seen: set[int] = set()
    for pattern, image in ((_MD_IMAGE, True), (_HTML_IMAGE, True), (_MD_LINK, False)):
        for match in pattern.finditer(text):
            seen.add(match.start("url"))
            signal = _url_signal(match.group("url"), text, match.start(), image=image)
            if signal:
                found.append((match.start(), signal))
    for match in _RAW_URL.finditer(text):
        if match.start("url") in seen:
            continue
        signal = _url_signal(match.group("url"), text, match.start(), image=False)
        if signal:
            found.append((match.start(), signal))
    return found


def _printable_ratio(text: str) -> float:
    if not text:
        return 0.0
    good = sum(1 for ch in text if ch.isprintable() or ch in "\n\t\r")
    return good / len(text)


def _base64_signals(text: str, depth: int) -> list[tuple[int, InjectionSignal]]:
    found: list[tuple[int, InjectionSignal]] = []
    for match in _BASE64.finditer(text):
        blob = match.group(0)
        core = blob.rstrip("=")
        if not (any(c.islower() for c in core) and any(c.isupper() for c in core)):
            continue  # a slug or one long word, not an encoding
        padded = core + "=" * (-len(core) % 4)
        try:
            if "-" in core or "_" in core:
                raw = base64.urlsafe_b64decode(padded)
            else:
                raw = base64.b64decode(padded, validate=True)
        except (binascii.Error, ValueError):
            continue
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = ""
        if decoded and _printable_ratio(decoded) >= 0.9 and sum(c.isalpha() for c in decoded) >= 10:
            preview = re.sub(r"\s+", " ", decoded).strip()
            excerpt = _excerpt(f"{blob[:16]}… = « {preview}", 0, MAX_EXCERPT)
            inner = _scan(normalise_text(decoded), "document", depth + 1) if depth < 1 else None
            label = (
                "Instructions cachées dans un bloc base64"
                if inner and inner.signals
                else "Texte caché dans un bloc base64"
            )
            found.append((match.start(), InjectionSignal("base64_blob", label, excerpt)))
        else:
            found.append(
                (
                    match.start(),
                    InjectionSignal(
                        "base64_blob",
                        "Données binaires encodées en base64",
                        _excerpt(text, match.start(), match.start() + 40),
                        strong=False,
                    ),
                )
            )
    return found


def _invisible_signals(raw: str, extra: int) -> list[InjectionSignal]:
    tags, hidden = _tag_characters(raw)
    total = count_invisible(raw) + max(0, extra)
    if tags >= STRONG_TAGS:
        preview = re.sub(r"\s+", " ", hidden).strip() or f"{tags} caractères de balise"
        return [
            InjectionSignal(
                "invisible_chars",
                f"Texte caché en caractères de balise Unicode ({tags} caractères)",
                _excerpt(preview, 0, MAX_EXCERPT),
            )
        ]
    if total >= STRONG_INVISIBLE:
        return [
            InjectionSignal(
                "invisible_chars",
                f"{_LABELS['invisible_chars']} ({total})",
                f"{total} caractères invisibles",
            )
        ]
    if total:
        return [
            InjectionSignal(
                "invisible_chars",
                f"Quelques caractères invisibles ({total})",
                f"{total} caractères invisibles",
                strong=False,
            )
        ]
    return []


def _scan(text: str, source: Source, depth: int = 0) -> InjectionReport:
    """Pattern rules on already normalised text (no invisible-character rule)."""
    folded = _fold(text)
    spans = _quoted_spans(text)
    topic = bool(_TOPIC.search(folded)) or (
        source == "question" and bool(_QUESTION_TOPIC.search(folded))
    )
    hits: list[tuple[int, InjectionSignal]] = []

    for rule in _FOLDED_RULES:
        for match in rule.pattern.finditer(folded):
            start = match.start("hit")
            label = rule.label or _LABELS[rule.rule]
            strong = rule.strong
            if rule.rule == "exfiltration_link" and strong:
                window = folded[start : start + 200]
                strong = bool(_SENSITIVE.search(window)) or "://" in match.group("hit")
            hits.append(
                (
                    start,
                    InjectionSignal(
                        rule.rule, label, _excerpt(text, start, match.end("hit")), strong=strong
                    ),
                )
            )

    role_lines = [(m.start("hit"), m.group("hit")) for m in _ROLE_LINE.finditer(folded)]
    kinds = {re.sub(r"[^a-z]", "", hit) for _, hit in role_lines}
    for start, _ in role_lines:
        hits.append(
            (
                start,
                InjectionSignal(
                    "role_marker",
                    _LABELS["role_marker"] if len(kinds) >= 2 else "Marqueur de rôle isolé",
                    _excerpt(text, start),
                    strong=len(kinds) >= 2,
                ),
            )
        )
    for match in _DAN.finditer(text):
        hits.append(
            (
                match.start(),
                InjectionSignal(
                    "jailbreak", "Mention de « DAN »", _excerpt(text, match.start()), strong=False
                ),
            )
        )
    hits.extend(_link_signals(text))
    hits.extend(_base64_signals(text, depth))

    signals: list[InjectionSignal] = []
    for start, signal in sorted(hits, key=lambda item: item[0]):
        if topic and signal.strong and _in_spans(start, spans):
            signal = InjectionSignal(
                signal.rule, f"{signal.label} (exemple cité)", signal.excerpt, False, True
            )
        elif topic and _in_spans(start, spans):
            signal = InjectionSignal(signal.rule, signal.label, signal.excerpt, False, True)
        signals.append(signal)
    return _report(signals)


def scan_text(
    text: str, *, source: Source = "document", invisible_chars: int = 0
) -> InjectionReport:
    """Look for injected instructions in a document's text or an agent's question.

    ``text`` may be raw (invisible characters are counted, tag characters decoded, then the text
    is normalised) or already normalised; in the latter case pass the count measured on the raw
    text as ``invisible_chars`` (loaders store it in
    ``LoadedDocument.metadata["invisible_chars"]``).
    ``source`` only changes which wording counts as "talking about injections" for the
    quoted-example policy (see the module docstring). Never raises on any input.
    """
    invisible = _invisible_signals(text, invisible_chars)
    report = _scan(normalise_text(text), source)
    return _report([*invisible, *report.signals])
