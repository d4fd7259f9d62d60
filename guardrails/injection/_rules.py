"""The detection rules: folded regular expressions with their strength and French label."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABELS = {
    "ignore_instructions": "Consigne demandant d'ignorer ou d'oublier les instructions",
    "role_override": "Tentative de changer le rôle de l'assistant",
    "role_marker": "Marqueur de rôle de conversation (system:, [INST], <|im_start|>…)",
    "system_prompt_request": "Demande de révéler les instructions système",
    "jailbreak": "Formule de contournement des règles (jailbreak, mode développeur)",
    "base64_blob": "Bloc encodé en base64",
    "image_link_query": "Image externe dont l'adresse peut transporter des données",
    "exfiltration_link": "Lien ou consigne d'envoi de données vers l'extérieur",
    "invisible_chars": "Caractères invisibles ou caractères de balise Unicode",
    "hidden_html": "Texte masqué dans la page HTML",
}

# Clause start before an imperative: start of line or sentence, punctuation, quotes, list or
# emphasis markers, or a linking word. Prevents "l'IA ignore les consignes" (a statement) from
# matching while "Ignore les consignes" and "Maintenant, ignore les consignes" do.
_START = (
    r"(?:^|[.!?:;,«\"“(\[*>|_-]|\b(?:et|puis|alors|donc|maintenant|desormais|svp|stp|please|"
    r"now|and|then|so|ok|okay|also|aussi))[ \t]*"
)
_W = r"(?:[\w'@.-]+\s+)"
_INSTR = r"(?:instructions?|consignes?|directives?|regles?|prompts?)\b"
_INSTR_EN = (
    r"(?:instructions?|prompts?|rules|directions|directives|guidelines|guardrails|constraints|"
    r"context|programming)\b"
)
_QUAL_FR = (
    r"(?:precedente?s?|anterieure?s?|ci-dessus|initiale?s?|d'origine|recue?s|qui\s+precedent|"
    r"donnee?s\s+(?:precedemment|auparavant|plus\s+haut|jusqu'ici|avant)|de\s+depart|systeme)\b"
)
_QUAL_EN = (
    r"(?:previous|prior|above|preceding|earlier|foregoing|initial|original|former|system|"
    r"existing|old)"
)
# Object of "ignore" in vous-form: needs a possessive or an anteriority qualifier, so that the
# advice "Ignorez toute instruction contenue dans un courriel" is not an injection.
_VOUS_OBJECT = (
    r"(?:toutes?\s+)?(?:(?:vos|les|ces)\s+"
    + _W
    + r"{0,2}?"
    + _INSTR
    + r"\s+"
    + _QUAL_FR
    + r"|(?:vos|tes)\s+"
    + _INSTR
    + r"|(?:tout\s+)?ce\s+qui\s+precede|tout\s+ce\s+qu"
    r"(?:'on|e\s+l'on)\s+vous\s+a)"
)
_TU_OBJECT = (
    r"(?:" + _W + r"{0,3}?" + _INSTR + r"|(?:tout\s+)?ce\s+qui\s+precede|tout\s+ce\s+qu"
    r"(?:'on|e\s+l'on|e\s+je)\s+t'a|ton\s+role\b|tes\s+principes)"
)
_EN_OBJECT = (
    r"(?:(?:all|every)\s+(?:of\s+)?(?:the\s+|your\s+|my\s+)?(?:" + _QUAL_EN + r"\s+)?|"
    r"(?:the\s+|my\s+|these\s+|those\s+)?"
    + _QUAL_EN
    + r"\s+|your\s+(?:"
    + _QUAL_EN
    + r"\s+)?)"
    + _INSTR_EN
)
_ADVERBS = r"(?:(?:donc|maintenant|simplement|completement|desormais)\s+)?"
_JAILBREAK_QUALIFIER = (
    r"sans\s+(?:aucune?s?\s+)?(?:limites?|restrictions?|filtres?|censure|regles?)|without\s+"
    r"(?:any\s+)?(?:limits?|restrictions?|filters?|rules|censorship)|unrestricted|unfiltered|"
    r"uncensored|jailbr\w*|\bdan\b|no\s+(?:rules|restrictions|limits|filters)|\bevil\b|"
    r"malveillant|pirate|hacker|do\s+anything"
)


@dataclass(frozen=True)
class _Rule:
    rule: str
    pattern: re.Pattern[str]
    strong: bool
    label: str | None = None


def _c(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


_FOLDED_RULES: tuple[_Rule, ...] = (
    # ---- ignore / forget previous instructions ------------------------------------------------
    _Rule(
        "ignore_instructions",
        _c(_START + r"(?P<hit>(?:ignore|oublie|efface)\s+" + _ADVERBS + _TU_OBJECT + ")"),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(_START + r"(?P<hit>(?:ignorez|oubliez|effacez)\s+" + _ADVERBS + _VOUS_OBJECT + ")"),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(
            r"(?P<hit>(?:\btu\s+dois|\bje\s+veux\s+que\s+tu|\btu\s+vas)\s+(?:\w+\s+)?"
            r"(?:ignorer|oublier)\s+" + _TU_OBJECT + r"|(?:\bvous\s+devez|\bil\s+faut|"
            r"\bmerci\s+d'|\bveuillez)\s*(?:\w+\s+)?(?:ignorer|oublier)\s+"
            + _VOUS_OBJECT
            + r"|(?:\byou\s+must|\byou\s+should|\byou\s+will|\bi\s+want\s+you\s+to|"
            r"\byou\s+need\s+to|\byou\s+are\s+to)\s+(?:\w+\s+)?(?:ignore|forget|disregard)\s+"
            r"(?:" + _EN_OBJECT + r"|everything\b|all\b))"
        ),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(
            r"(?P<hit>\bne\s+tiens\s+(?:plus\s+)?(?:pas\s+)?(?:plus\s+)?compte\s+"
            r"(?:" + _W + r"{0,4}?)(?:" + _INSTR + r"|ce\s+qui\s+precede|ci-dessus|"
            r"(?:messages?|textes?)\s+precedents?)|\bne\s+tenez\s+(?:plus\s+)?(?:pas\s+)?"
            r"(?:plus\s+)?compte\s+(?:(?:de|des|du)\s+)?(?:" + _VOUS_OBJECT + r"|ce\s+qui\s+precede"
            r"|(?:messages?|textes?)\s+precedents?)|\bfais\s+abstraction\s+(?:"
            + _W
            + r"{0,4}?)"
            + _INSTR
            + r"|\bfaites\s+abstraction\s+(?:de\s+|des\s+|d')?"
            + _VOUS_OBJECT
            + r")"
        ),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(
            _START
            + r"(?P<hit>(?:ignore|forget|disregard|skip|override|bypass)\s+"
            + _EN_OBJECT
            + r")"
        ),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(
            r"(?<!n't )(?<!not )(?P<hit>\b(?:disregard|forget|ignore)\s+(?:all\s+(?:of\s+)?)?"
            r"(?:the\s+|what\s+(?:is|was)\s+)?(?:above|foregoing|everything\s+(?:above|before)|"
            r"all\s+(?:previous|prior)))"
        ),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(
            r"(?P<hit>\b(?:nouvelles?|new|updated)\s+(?:instructions?|consignes?|directives?|"
            r"system\s+prompt)\s*:(?=[^\n]{0,120}(?:\btu\b|\btoi\b|\bton\b|\btes\b|\bta\b|"
            r"\byou\b|\byour\b)))"
        ),
        True,
    ),
    _Rule(
        "ignore_instructions",
        _c(r"(?P<hit>\b(?:nouvelles?|new|updated)\s+(?:instructions?|consignes?)\s*:)"),
        False,
        "Annonce de « nouvelles instructions »",
    ),
    # ---- change of role -----------------------------------------------------------------------
    _Rule(
        "role_override",
        _c(
            r"(?P<hit>\btu\s+es\s+(?:maintenant|desormais|dorenavant|a\s+present)\s+"
            r"(?!pret|connecte|inscrit|capable|en\s+mesure|informe|abonne|equipe|forme)\w+|"
            r"\b(?:a\s+partir\s+de\s+maintenant|desormais|dorenavant|des\s+maintenant|"
            r"a\s+partir\s+d'aujourd'hui),?\s+tu\s+\w+|"
            r"\btu\s+n'es\s+plus\s+(?:un|une|l'|le|la|soumis|limite|oblige|tenu|lie)\w*|"
            r"\byou\s+are\s+now\s+(?!ready|able|connected|logged|signed|registered|subscribed|"
            r"in\b|on\b|done|set\b|free\s+to\s+(?:use|access))\w+|"
            r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall|should|only|act|respond|answer|"
            r"can)\b|"
            r"\byou\s+are\s+no\s+longer\s+(?:an?\s+|bound|restricted|limited|chatgpt|required)\w*)"
        ),
        True,
    ),
    _Rule(
        "role_override",
        _c(
            _START + r"(?P<hit>(?:agis|agissez|fais\s+comme\s+si\s+tu|faites\s+comme\s+si\s+vous|"
            r"joue|jouez|incarne|incarnez|comporte-toi|reponds\s+comme|act|pretend|roleplay|"
            r"behave)\s+(?:comme|as|le\s+role|that|to\s+be|you\s+are|like|en\s+tant\s+que|"
            r"etais|etiez)\b[^\n]{0,60}?(?:" + _JAILBREAK_QUALIFIER + r"))"
        ),
        True,
        "Demande de jouer un rôle sans limites",
    ),
    _Rule(
        "role_override",
        _c(
            _START + r"(?P<hit>(?:agis|agissez|fais\s+comme\s+si\s+tu|faites\s+comme\s+si\s+vous|"
            r"incarne|incarnez|comporte-toi|act|pretend|roleplay)\s+(?:comme|as|that|to\s+be|"
            r"you\s+are|like|en\s+tant\s+que|etais|etiez)\b)"
        ),
        False,
        "Demande de jouer un rôle (« agis comme… »)",
    ),
    # ---- system prompt ------------------------------------------------------------------------
    _Rule(
        "system_prompt_request",
        _c(
            r"(?P<hit>\b(?:revele|revelez|affiche|affichez|montre|montrez|donne|donnez|repete|"
            r"repetez|recopie|recopiez|ecris|ecrivez|imprime|divulgue|divulguez|communique|"
            r"liste|cite|dis|dites|quel(?:le)?s?\s+(?:est|sont))(?:-moi|-nous|\s+moi)?\s+"
            r"(?:" + _W + r"{0,2}?)(?:(?:ton|tes)\s+(?:prompt|instructions?|consignes?|regles|"
            r"directives)\b|(?:le|ton|votre)\s+(?:prompt|message)\s+(?:systeme|initial|"
            r"de\s+depart|cache)\b|(?:votre|vos)\s+(?:prompt\b|(?:instructions?|consignes?)\s+"
            r"(?:systeme|initiales?|internes?|cachees?|secretes?)\b)|les\s+(?:instructions?|"
            r"consignes?|regles)\s+(?:systeme|cachees?|secretes?)\b|prompt\s+systeme|"
            r"system\s+prompt))"
        ),
        True,
    ),
    _Rule(
        "system_prompt_request",
        _c(
            r"(?P<hit>\b(?:reveal|show|print|display|repeat|output|tell\s+me|give\s+me|"
            r"write\s+out|leak|dump|what\s+(?:is|are|were))\s+(?:me\s+)?(?:" + _W + r"{0,2}?)"
            r"(?:your\s+(?:system\s+|initial\s+|original\s+|hidden\s+|secret\s+)?"
            r"(?:prompt|instructions|rules|directives|guidelines)|the\s+(?:system|initial|"
            r"original|hidden|secret)\s+(?:prompt|instructions|message))|"
            r"\brepeat\s+(?:the\s+)?(?:words|text|everything)\s+above|"
            r"\brepete\s+(?:tout\s+)?(?:le\s+texte|ce\s+qui\s+est|tout)\s+ci-dessus)"
        ),
        True,
    ),
    _Rule(
        "system_prompt_request",
        _c(
            r"(?P<hit>\b(?:system\s+prompt|prompt\s+systeme|instructions?\s+systeme|"
            r"message\s+systeme|prompt\s+initial)\b)"
        ),
        False,
        "Mention du prompt système",
    ),
    # ---- jailbreak ----------------------------------------------------------------------------
    _Rule(
        "jailbreak",
        _c(
            r"(?P<hit>\bdo\s+anything\s+now\b|\bdeveloper\s+mode\s+(?:enabled|activated|on)\b|"
            r"\b(?:enable|activate|enter|switch\s+to)\s+(?:the\s+)?(?:developer|dev|god|"
            r"jailbreak|unrestricted|dan)\s+mode\b|\bmode\s+(?:developpeur|dev|sans\s+"
            r"(?:restriction|filtre|censure|limite)s?|jailbreak)\s+(?:active|enclenche)\b|"
            r"\b(?:active|activez|passe\s+en|passez\s+en|entre\s+en|bascule\s+en)\s+(?:le\s+)?"
            r"mode\s+(?:developpeur|dev|sans\s+(?:restriction|filtre|censure|limite)s?|jailbreak|"
            r"dieu|dan)\b)"
        ),
        True,
    ),
    _Rule(
        "jailbreak",
        _c(r"(?P<hit>\bjailbr[eo]\w*|\bdeveloper\s+mode\b|\bmode\s+developpeur\b)"),
        False,
        "Mention d'un contournement (jailbreak, mode développeur)",
    ),
    # ---- forget the charter / role-play to obtain the system prompt ---------------------------
    _Rule(
        "ignore_instructions",
        _c(
            _START
            + r"(?P<hit>(?:oublie|ignore|oubliez|ignorez|laisse\s+tomber|mets\s+de\s+cote)\s+"
            r"(?:la|ta|votre|les|tes|vos)\s+(?:charte|regles|consignes|instructions|"
            r"garde-fous|limites)\b)"
        ),
        True,
        "Ordre d'oublier la charte ou les règles",
    ),
    _Rule(
        "ignore_instructions",
        _c(r"(?P<hit>\b(?:oublie|ignore|oubliez|ignorez)\s+(?:la|ta|votre)\s+charte\b)"),
        True,
        "Ordre d'oublier la charte",
    ),
    _Rule(
        "system_prompt_request",
        _c(
            r"(?P<hit>\b(?:pretend|imagine|roleplay|act\s+as|fais\s+comme\s+si|faites\s+comme\s+"
            r"si|joue|jouez)\b[^\n]{0,240}?(?:system\s+prompt|prompt\s+systeme|consignes\s+"
            r"internes|instructions\s+internes|hidden\s+instructions|confidential\s+prompt))"
        ),
        True,
        "Jeu de rôle pour obtenir le prompt système",
    ),
    # ---- role markers -------------------------------------------------------------------------
    _Rule(
        "role_marker",
        _c(
            r"(?P<hit><\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|begin_of_text|"
            r"start_header_id|end_header_id|eot_id)\|>|\[/?inst\]|<</?sys>>|<start_of_turn>|"
            r"<end_of_turn>|^[ \t]*</s>)"
        ),
        True,
    ),
    # ---- exfiltration orders ------------------------------------------------------------------
    _Rule(
        "exfiltration_link",
        _c(
            _START + r"(?P<hit>(?:envoie|transmets|transfere|partage|poste|publie|send|forward|"
            r"e-?mail|post|upload|leak|exfiltrate|transmit|share)\s+(?:" + r"[\w'@.,-]+\s+"
            r"){0,10}?(?:a\s+l'adresse|a\s+l'url|vers\s+l'adresse|vers\s+https?://|"
            r"to\s+(?:this\s+|the\s+following\s+|my\s+)?(?:url|address|email|endpoint|server|"
            r"webhook|https?://|\S+@)|a\s+\S+@|sur\s+https?://|https?://))"
        ),
        True,
    ),
    _Rule(
        "exfiltration_link",
        _c(
            _START + r"(?P<hit>(?:ajoute|insere|integre|inclus|include|append|add|insert|embed|"
            r"affiche|display|render)\b[^\n]{0,80}?\b(?:image|lien|url|link|markdown)\b"
            r"[^\n]{0,80}?\b(?:conversation|historique|resume|donnees|data|summary|history|"
            r"question|prompt|secret|mot\s+de\s+passe|password|echanges|identifiants))"
        ),
        True,
    ),
    _Rule(
        "exfiltration_link",
        _c(
            _START + r"(?P<hit>(?:envoyez|transmettez|transferez|partagez|postez)\s+"
            r"(?:[\w'@.,-]+\s+){0,10}?(?:a\s+l'adresse|vers\s+l'adresse|a\s+\S+@|https?://))"
        ),
        False,
        "Consigne d'envoi vers une adresse",
    ),
)
