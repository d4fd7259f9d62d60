"""Defences against instructions injected into corpus documents and questions.

Three layers, none of them sufficient alone:

1. **Detection** (:func:`scan_text`, :func:`scan_html`): heuristics, in French and English, that
   flag text trying to give orders to the model. A suspicious document is quarantined until a
   trainer approves it.
2. **Isolation** (:func:`wrap_untrusted`): passages reach the model between random per-request
   markers, with a system-prompt sentence saying that what lies between them is data.
3. **Output hygiene** (:func:`neutralise_output`): links and images in an answer are neutralised so
   that an injected "add this image" cannot exfiltrate the conversation.

Detection policy
----------------
Every rule fires *signals*. A signal is **strong** or **weak**:

- strong: imperative orders to ignore or forget instructions, attempts to change the assistant's
  role ("tu es maintenant", "you are now"), requests for the system prompt, jailbreak phrases
  ("do anything now", "active le mode développeur"), chat-template tokens (``<|im_start|>``,
  ``[INST]``, ``<<SYS>>``, ``</s>`` at a line start), two or more distinct role-marker lines
  (``system:`` then ``assistant:``), text hidden in base64, external images whose address carries
  a query string, links or orders that exfiltrate data, 10+ invisible characters or 3+ Unicode tag
  characters, hidden HTML text that contains instructions;
- weak: a single role-marker line, bare mentions ("system prompt", "jailbreak", "DAN"),
  "agis comme" / "act as" without a jailbreak qualifier, a "nouvelles consignes :" heading not
  addressed to the model, external images without query strings, links with ordinary query
  strings, "envoyez ... à l'adresse" without sensitive data, a few invisible characters, binary
  base64, hidden HTML text without instructions.

A text is **suspicious** when at least one strong signal fires, or when weak signals of three
distinct rules fire outside quotations.

Quoted-example policy: a match that sits inside a fenced code block, an inline code span, a
Markdown blockquote (``>``) or quotation marks (« », “ ”, "") is *demoted to weak* (``quoted=True``)
when the text itself is about manipulation of AI (it mentions injection, jailbreak, attack,
malicious, trapped documents, manipulation...; for questions also "que faire", "qu'est-ce",
"contient"...). This lets a good-practice sheet quote « Ignore les instructions précédentes » as an
example without being quarantined, while the same sentence written as a bare order still is.
Quoted signals never count towards the three-weak-rules quorum. Invisible characters and hidden
HTML are never demoted. An attacker can abuse the policy by quoting their payload in a text about
injections: the passages are still wrapped as untrusted data and answers are still neutralised,
and a trainer reviews every document anyway.

Matching happens on a folded copy of the normalised text (lower case, accents removed, common
Cyrillic/Greek look-alikes mapped to Latin), so "IGNORE LES INSTRUCTIONS PRÉCÉDENTES",
"ignore les instructions precedentes" and "іgnore" (Cyrillic i) all match.

Layout: ``_normalise`` (NFKC, invisible characters), ``_folding`` (matching copy), ``_signals``
(signals, reports, suspicion policy), ``_rules`` (the rule table), ``_scan`` (plain text),
``_html`` (hidden HTML text), ``_wrapping`` (untrusted passages), ``_output`` (output hygiene).
"""

from ._html import scan_html
from ._normalise import (
    clean_typed_text,
    count_invisible,
    normalise_text,
)
from ._normalise import (
    warm_up as warm_up,  # not in __all__, as before the split
)
from ._output import OutputStream, neutralise_output
from ._scan import scan_text
from ._signals import InjectionReport, InjectionSignal, merge_reports
from ._wrapping import UntrustedPassages, wrap_untrusted

__all__ = [
    "InjectionReport",
    "OutputStream",
    "InjectionSignal",
    "UntrustedPassages",
    "clean_typed_text",
    "count_invisible",
    "merge_reports",
    "neutralise_output",
    "normalise_text",
    "scan_html",
    "scan_text",
    "wrap_untrusted",
]
