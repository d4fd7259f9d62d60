"""French prompts: the answering instructions, the follow-up condensing prompt, the refusal."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.llm.base import Message

SYSTEM_PROMPT = """Tu es l'assistant IA du syndicat Territoires Numériques. Tu réponds aux agents \
des collectivités membres sur la charte d'utilisation de l'IA et les fiches de bonnes pratiques.

Règles à respecter strictement :
1. Réponds uniquement à partir des passages fournis. N'utilise aucune autre connaissance.
2. Cite chaque information avec le numéro de son passage entre crochets, par exemple [1] ou [2].
3. Si les passages ne suffisent pas pour répondre, dis-le clairement et conseille de contacter \
le référent IA de la collectivité ou le DPO du syndicat.
4. N'invente jamais un numéro d'article, une date, un chiffre, un nom d'outil ou une référence.
5. Réponds en français, en trois à six phrases claires et concrètes.
6. Les marques entre crochets comme [PERSONNE_1] ou [TÉLÉPHONE_1] remplacent des données \
personnelles masquées : recopie-les telles quelles, sans chercher à les deviner.
"""

CONDENSE_PROMPT = """Réécris la dernière question de l'agent en une question autonome et \
complète, compréhensible sans l'historique, en français. Garde telles quelles les marques entre \
crochets comme [PERSONNE_1]. Ne réponds pas à la question : écris seulement la question réécrite.

Historique :
{history}

Dernière question : {question}

Question autonome :"""

REFUSAL_TEMPLATE = (
    "Le corpus de bonnes pratiques du syndicat ne couvre pas cette question : je préfère ne pas "
    "répondre plutôt que d'inventer.{topics} Pour aller plus loin, adressez-vous au référent IA "
    "de votre collectivité ou au DPO du syndicat (dpo@territoires-numeriques.example)."
)

FALLBACK_NOTICE = (
    "Le modèle de langage n'a pas pu répondre : voici les extraits les plus pertinents du corpus."
)
INTERRUPTED_NOTICE = (
    "\n\n— Le modèle de langage s'est interrompu. "
    "Voici les extraits les plus pertinents du corpus :\n"
)

PARTIAL_NOTICE = (
    "Le corpus ne répond peut-être pas exactement à cette question ; voici les passages les "
    "plus proches :"
)


def closest_passages_answer(passages: Sequence) -> str:
    """The « partial » answer: the notice, then each close section with its opening lines."""
    from assistant.llm.extractive import opening

    lines = [PARTIAL_NOTICE]
    for n, passage in enumerate(passages, start=1):
        where = passage.section or passage.title
        lines.append(f"- **{where}** ({passage.title}) : {opening(passage.text)} [{n}]")
    return "\n".join(lines)


def estimate_tokens(text: str) -> int:
    """Rough token count for French text with multilingual tokenizers (about 3.2 chars/token)."""
    return max(1, int(len(text) / 3.2))


def refusal_answer(topic_titles: Sequence[str]) -> str:
    titles = [t for t in dict.fromkeys(topic_titles) if t][:3]
    topics = ""
    if titles:
        joined = ", ".join(f"« {t} »" for t in titles)
        topics = f" Sujets proches que le corpus traite : {joined}."
    return REFUSAL_TEMPLATE.format(topics=topics)


def answer_messages(
    question: str,
    passages_block: str,
    untrusted_instruction: str,
    history: Sequence[tuple[str, str]] = (),
) -> list[Message]:
    """System rules + the wrapped passages, then the (scrubbed) question."""
    system = f"{SYSTEM_PROMPT}\n{untrusted_instruction}\n\nPassages :\n{passages_block}"
    messages = [Message("system", system)]
    for role, content in history[-4:]:
        messages.append(Message("user" if role == "user" else "assistant", content))
    messages.append(Message("user", question))
    return messages


REFORMULATE_PROMPT = """Écris {count} autres façons de poser la question suivante d'un agent \
de mairie, en français correct, avec les mots qu'emploierait un document officiel (sigles \
développés, orthographe corrigée). Une reformulation par ligne, sans numéro ni commentaire. \
Garde telles quelles les marques entre crochets comme [PERSONNE_1].

Question : {question}

Reformulations :"""


def reformulate_messages(question: str, count: int) -> list[Message]:
    """Ask a model for ``count`` rewordings of a (scrubbed) question, one per line."""
    return [Message("user", REFORMULATE_PROMPT.format(count=count, question=question))]


def parse_reformulations(text: str, question: str, count: int) -> list[str]:
    """The model's distinct rewordings (3 to 40 words each), at most ``count``."""
    seen = {question.strip().lower()}
    found: list[str] = []
    for line in text.splitlines():
        line = line.strip().lstrip("-*•0123456789.) ").strip().strip('"«» ')
        if 3 <= len(line.split()) <= 40 and line.lower() not in seen:
            seen.add(line.lower())
            found.append(line)
        if len(found) == count:
            break
    return found


def condense_messages(question: str, history: Sequence[tuple[str, str]]) -> list[Message]:
    lines = [
        f"{'Agent' if role == 'user' else 'Assistant'} : {text}" for role, text in history[-6:]
    ]
    return [Message("user", CONDENSE_PROMPT.format(history="\n".join(lines), question=question))]


def fit_passages(
    passages: Sequence[str], *, context_window: int, reserved_tokens: int
) -> list[str]:
    """Keep passages in rank order while they fit the context window; cut the last one."""
    budget = context_window - reserved_tokens
    kept: list[str] = []
    for text in passages:
        cost = estimate_tokens(text) + 12
        if cost <= budget:
            kept.append(text)
            budget -= cost
        elif budget > 80:
            kept.append(text[: int((budget - 12) * 3.2)] + " […]")
            break
        else:
            break
    return kept
