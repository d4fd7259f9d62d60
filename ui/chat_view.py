"""How one answer is shown in the agent's chat: notice of masked data, answer, sources."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ui.texts import backend_label, theme_label

Message = dict[str, Any]

#: Earlier turns sent with a question (the engine condenses follow-ups with them).
HISTORY_TURNS = 6


def user_message(text: str) -> Message:
    return {"role": "user", "content": text}


def assistant_message(text: str) -> Message:
    return {"role": "assistant", "content": text}


def placeholders(findings: Iterable[Mapping[str, Any]]) -> list[str]:
    """Distinct placeholders of a record's findings, in order of appearance."""
    return list(dict.fromkeys(str(f["placeholder"]) for f in findings if f.get("placeholder")))


def pii_notice(findings: Iterable[Mapping[str, Any]]) -> str | None:
    """« 2 données personnelles ont été masquées avant d'interroger le modèle : … »."""
    marks = placeholders(findings)
    if not marks:
        return None
    if len(marks) == 1:
        head = "1 donnée personnelle a été masquée"
    else:
        head = f"{len(marks)} données personnelles ont été masquées"
    return f"{head} avant d'interroger le modèle : {', '.join(marks)}"


def pii_message(record: Any) -> Message | None:
    notice = pii_notice(record.findings)
    if notice is None:
        return None
    sent = record.scrubbed_question.replace("\n", " ")
    return assistant_message(
        f"**{notice}.**\n\nLe modèle n'a reçu que la question masquée : « {sent} »"
    )


def queue_text(position: int) -> str:
    return (
        "Beaucoup d'agents posent une question en ce moment : vous êtes en position "
        f"**{position}** dans la file d'attente. Votre réponse arrive dès qu'une place se libère."
    )


def answer_footer(record: Any) -> str:
    if record.refused:
        return "\n\n*Le corpus ne couvre pas cette question : aucun modèle n'a été interrogé.*"
    if getattr(record, "coverage", "answered") == "partial":
        return (
            "\n\n*Réponse partielle : ces passages sont les plus proches de votre question ; "
            "aucun modèle n'a été interrogé.*"
        )
    return f"\n\n*Moteur de réponse : {backend_label(record.backend, record.model)}.*"


def citation_title(citation: Mapping[str, Any]) -> str:
    """« [1] Titre — Section, page 3 · thème Charte »."""
    title = str(citation.get("title") or citation.get("doc_id") or "Document")
    section = str(citation.get("section_path") or citation.get("section") or "")
    if section.startswith(title):
        section = section[len(title) :].lstrip(" >—-")
    section = section.replace(" > ", " › ")
    where = f"{title} — {section}" if section else title
    page = citation.get("page")
    if page not in (None, -1, ""):
        where += f", page {page}"
    return f"[{citation.get('n', '?')}] {where} · thème : {theme_label(citation.get('theme'))}"


def chunk_id_of(citation: Mapping[str, Any]) -> str:
    return str(citation.get("url", "")).rsplit("/", 1)[-1]


def source_messages(record: Any, passages: Mapping[str, Mapping[str, Any]]) -> list[Message]:
    """An open « Sources » group; each source is a closed accordion holding its passage."""
    if not record.citations:
        return []
    group = f"sources-{record.question_id}"
    count = len(record.citations)
    messages: list[Message] = [
        {
            "role": "assistant",
            "content": "Cliquez sur une source pour lire le passage du corpus.",
            "metadata": {
                "title": f"Sources de cette réponse ({count})",
                "id": group,
            },
        }
    ]
    for citation in record.citations:
        passage = passages.get(chunk_id_of(citation))
        if passage is None:
            body = "*Ce passage a été retiré du corpus depuis la réponse.*"
        else:
            quoted = "\n".join(
                f"> {line}" if line else ">" for line in passage["text"].splitlines()
            )
            version = f"version {passage['version']}" if passage.get("version") else ""
            updated = f"mise à jour le {passage['updated']}" if passage.get("updated") else ""
            meta = ", ".join(p for p in (version, updated) if p)
            body = quoted + (f"\n\n*Document « {passage['title']} », {meta}.*" if meta else "")
        messages.append(
            {
                "role": "assistant",
                "content": body,
                "metadata": {
                    "title": citation_title(citation),
                    "id": f"{group}-{citation.get('n')}",
                    "parent_id": group,
                    "status": "done",
                },
            }
        )
    return messages


def remember_answer(
    known: Mapping[str, Any] | None, shown: list[Message], answered: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Which answer each assistant message belongs to, keyed by its index in the chat (what a
    👍/👎 on a message reports): the messages after the last question belong to the answer
    just given (its notice, its text, its sources)."""
    remembered = dict(known or {})
    if answered:
        last_question = max(
            (i for i, message in enumerate(shown) if message.get("role") == "user"), default=-1
        )
        for index in range(last_question + 1, len(shown)):
            remembered[str(index)] = dict(answered)
    return remembered


def liked_answer(remembered: Mapping[str, Any] | None, index: Any) -> Mapping[str, Any] | None:
    """The answer a 👍/👎 was given to (``LikeData.index`` may be an int or a pair)."""
    if isinstance(index, (list, tuple)):
        index = index[0] if index else None
    return (remembered or {}).get(str(index)) if index is not None else None


def engine_history(turns: list[Message]) -> list[Any]:
    """The last turns, as the engine wants them (it scrubs them with this agent's vault)."""
    from assistant.chat import Turn

    return [Turn(t["role"], t["content"]) for t in turns[-HISTORY_TURNS:]]
