"""The agents' chat: a question box that sends on Enter, the streamed answer with its sources,
what was masked, and the votes (on the last answer or any earlier one)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.services.jobs import JOBS
from assistant.services.limits import MAX_QUESTION_CHARS, question_too_long
from guardrails.injection import clean_typed_text
from ui import chat_view, texts
from ui.bridge import UiBridge, UiError, client_address

if TYPE_CHECKING:
    from assistant.chat import AnswerRecord
    from assistant.container import Container

log = logging.getLogger("ui")

_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

AI_NOTICE_HTML = (
    f'<div class="tn-notice" role="note"><strong>Intelligence artificielle.</strong> '
    f"{texts.AI_NOTICE}</div>"
)


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def valid_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_CONVERSATION_ID.match(value))


def backend_status(container: Container, record: AnswerRecord | None = None) -> str:
    """« Moteur de réponse : … », from the answer just given or from the backend in use."""
    if record is not None and record.backend != "refus":
        return f"**Moteur de réponse :** {texts.backend_label(record.backend, record.model)}"
    backends = container.backends
    current = backends.current()
    label = texts.backend_label(current.name, getattr(current, "model", ""))
    note = (
        " — le modèle de langage configuré ne répond pas pour l'instant."
        if backends.degraded
        else ""
    )
    return f"**Moteur de réponse :** {label}{note}"


class ChatTab:
    """The « Poser une question » tab, built inside the page's Blocks; its handlers are this
    object's methods and return ``{component: value}`` updates."""

    def __init__(self, bridge: UiBridge, container: Container) -> None:
        self.bridge = bridge
        self.container = container
        self._layout()
        self._wire()

    # ---- layout ----------------------------------------------------------------------------
    def _layout(self) -> None:
        self.conversation_id = gr.State(None)  # set by the first answer
        self.messages = gr.State([])
        self.turns = gr.State([])
        self.last_answer = gr.State(None)
        self.answers_by_message = gr.State({})  # chat message index -> its answer
        gr.HTML(AI_NOTICE_HTML, padding=False)
        self.backend_status = gr.Markdown(
            backend_status(self.container), elem_classes=["tn-backend"]
        )
        with gr.Row(equal_height=True):
            self.job = gr.Dropdown(
                choices=[("Non précisé", "")] + [(label, key) for key, label in JOBS.items()],
                value="",
                label="Votre métier (facultatif)",
                info="Sert seulement aux statistiques anonymes du webinaire.",
                elem_id="job",
            )
            self.access_code = gr.Textbox(
                label="Code d'accès du webinaire",
                type="password",
                visible=self.bridge.access_code_required,
                elem_id="access-code",
            )
        self.chatbot = gr.Chatbot(
            label="Conversation avec l'assistant",
            show_label=True,
            height=520,
            feedback_options=("Like", "Dislike"),
            group_consecutive_messages=False,
            # No "share" button: it would send the conversation to an outside host.
            buttons=["copy", "copy_all"],
            placeholder="Posez votre question sur l'usage de l'IA dans votre "
            "collectivité : l'assistant répond à partir de la charte et des fiches.",
            elem_id="chat",
        )
        self.privacy_notice = gr.Markdown(
            visible=False, elem_id="pii-notice", elem_classes=["tn-notice"]
        )
        with gr.Row(equal_height=True):
            self.question = gr.Textbox(
                label="Votre question",
                info=texts.ENTER_HINT,
                placeholder="Par exemple : puis-je utiliser ChatGPT pour rédiger un "
                "courrier à un administré ?",
                # One line to start with (it grows as the text does): Gradio sends a one-line
                # box on Enter and leaves Shift+Enter to the new line, as every chat does;
                # from two lines on it does the reverse.
                lines=1,
                max_lines=8,
                max_length=MAX_QUESTION_CHARS,
                scale=6,
                elem_id="question",
            )
            self.ask = gr.Button("Envoyer", variant="primary", scale=1, elem_id="ask")
        gr.Examples(
            examples=[[q] for q in texts.EXAMPLE_QUESTIONS],
            inputs=[self.question],
            label="Exemples de questions (cliquez pour les reprendre)",
        )
        with gr.Group(visible=False, elem_id="feedback") as self.feedback_group:
            self.vote = gr.Radio(
                choices=[("👍 Oui, utile", "up"), ("👎 Non, pas utile", "down")],
                label="La dernière réponse vous a-t-elle aidé ?",
                elem_id="vote",
            )
            self.reason = gr.Textbox(
                label="Pourquoi ? (facultatif)",
                placeholder="Ce qui manque, ce qui est inexact… Les données "
                "personnelles éventuelles seront masquées.",
                lines=2,
                max_length=2000,
                elem_id="reason",
            )
            self.send_feedback = gr.Button("Envoyer mon avis", elem_id="send-feedback")
            self.feedback_status = gr.Markdown(elem_id="feedback-status")
        self.new_conversation = gr.Button("Nouvelle conversation", variant="secondary", size="sm")

    # ---- events ----------------------------------------------------------------------------
    def _wire(self) -> None:
        asked = gr.on(
            triggers=[self.question.submit, self.ask.click],
            fn=self.respond,
            inputs=[
                self.question,
                self.job,
                self.access_code,
                self.messages,
                self.turns,
                self.conversation_id,
            ],
            outputs=[
                self.chatbot,
                self.question,
                self.backend_status,
                self.messages,
                self.turns,
                self.last_answer,
                self.conversation_id,
                self.privacy_notice,
            ],
            api_name="poser_question",
            concurrency_limit=None,
            show_progress="minimal",
        )
        asked.success(
            self.offer_feedback,
            inputs=[self.last_answer, self.messages, self.answers_by_message],
            outputs=[
                self.feedback_group,
                self.vote,
                self.reason,
                self.feedback_status,
                self.answers_by_message,
            ],
            api_visibility="private",
            queue=False,
        )
        restart_outputs = [
            self.chatbot,
            self.messages,
            self.turns,
            self.last_answer,
            self.conversation_id,
            self.feedback_group,
            self.feedback_status,
            self.privacy_notice,
            self.answers_by_message,
        ]
        for trigger in (self.chatbot.clear, self.new_conversation.click):
            trigger(self.restart, outputs=restart_outputs, api_visibility="private", queue=False)
        self.send_feedback.click(
            self.give_feedback,
            inputs=[self.vote, self.reason, self.last_answer],
            outputs=[self.feedback_status],
            api_visibility="private",
            concurrency_limit=None,
        )
        self.chatbot.like(
            self.thumb,
            inputs=[self.answers_by_message, self.last_answer],
            outputs=[self.feedback_status, self.vote],
            api_visibility="private",
            concurrency_limit=None,
        )

    # ---- handlers --------------------------------------------------------------------------
    def _refusal(self, text: str, code: str, client: str) -> str | None:
        """Why this question is not sent (a French warning), or None; counts it in the quota."""
        try:
            if not self.bridge.access_code_ok(code, client):
                return texts.ACCESS_CODE_NEEDED
            self.bridge.count_question(client)
        except UiError as error:  # too many wrong codes, or questions, from this address
            return str(error)
        return None

    async def respond(
        self,
        text: str,
        job_key: str,
        code: str,
        shown: list,
        history: list,
        conv_id: Any,
        request: gr.Request,
    ) -> AsyncIterator[dict]:
        """Stream the answer to one question into the chat, then its sources."""
        conv_id = conv_id if valid_conversation_id(conv_id) else new_conversation_id()
        # The API's limit: the text box's own limit is the browser's, which a client skips.
        too_long = question_too_long(text or "")
        # Shown back in the chat and kept in the history as the engine will read it.
        text = "" if too_long else clean_typed_text(text or "").strip()
        refusal = too_long or (texts.EMPTY_QUESTION if not text else None)
        refusal = refusal or self._refusal(text, code, client_address(request))
        if refusal:
            gr.Warning(refusal)
            yield {self.question: gr.skip()}  # Gradio needs one key: nothing changes
            return
        pending = [
            *shown,
            chat_view.user_message(text),
            chat_view.assistant_message(texts.WAITING),
        ]
        hidden = gr.update(visible=False)
        chat = self.chatbot
        yield {
            chat: pending,
            self.question: "",
            self.conversation_id: conv_id,
            self.privacy_notice: hidden,
        }
        answer, record = "", None
        try:
            async for event in self.bridge.answer_events(
                text,
                history=chat_view.engine_history(history),
                conversation_id=conv_id,
                job=job_key,
            ):
                if event.type == "token":
                    answer += event.data
                    pending[-1] = chat_view.assistant_message(answer)
                    yield {chat: pending}
                elif event.type == "queue":
                    position = chat_view.queue_text(event.data["position"])
                    pending[-1] = chat_view.assistant_message(position)
                    yield {chat: pending}
                elif event.type == "final":
                    record = event.data
                elif event.type == "findings" and (early := chat_view.pii_notice(event.data)):
                    notice = gr.update(value=f"**Votre question :** {early}.", visible=True)
                    yield {chat: pending, self.privacy_notice: notice}
        except Exception as error:
            yield self._failed(error, pending)
            return
        if record is not None:
            yield await self._answered(record, text, shown, history, conv_id)

    def _failed(self, error: Exception, pending: list) -> dict:
        """The chat's last message says what went wrong (in French, never a trace)."""
        from guardrails.pii import PiiInputError

        if not isinstance(error, PiiInputError):
            log.error("ui answer failed", exc_info=(type(error), error, error.__traceback__))
        message = str(error) if isinstance(error, PiiInputError) else None
        pending[-1] = chat_view.assistant_message(message or texts.INTERNAL_ERROR)
        return {
            self.chatbot: pending,
            self.messages: pending,
            self.last_answer: None,
            self.privacy_notice: gr.update(visible=False),
        }

    async def _answered(
        self, record: AnswerRecord, text: str, shown: list, history: list, conv_id: str
    ) -> dict:
        """The chat once the answer is complete: notice, answer, footer and sources."""
        passages = await self.bridge.passages([chat_view.chunk_id_of(c) for c in record.citations])
        final = [*shown, chat_view.user_message(text)]
        notice = chat_view.pii_message(record)
        if notice is not None:
            final.append(notice)
        final.append(chat_view.assistant_message(record.answer + chat_view.answer_footer(record)))
        final.extend(chat_view.source_messages(record, passages))
        history = [
            *history,
            {"role": "user", "content": text},
            {"role": "assistant", "content": record.answer},
        ]
        masked = chat_view.pii_notice(record.findings)
        return {
            self.chatbot: final,
            self.question: "",
            self.backend_status: backend_status(self.container, record),
            self.messages: final,
            self.turns: history,
            self.last_answer: {"question_id": record.question_id, "conversation_id": conv_id},
            self.conversation_id: conv_id,
            self.privacy_notice: gr.update(
                value=f"**Votre dernière question :** {masked}.", visible=True
            )
            if masked
            else gr.update(visible=False),
        }

    def offer_feedback(self, answered: dict | None, shown: list, remembered: dict) -> dict:
        return {
            self.feedback_group: gr.update(visible=answered is not None),
            self.vote: None,
            self.reason: "",
            self.feedback_status: "",
            self.answers_by_message: chat_view.remember_answer(remembered, shown, answered),
        }

    def restart(self) -> dict:
        hidden = gr.update(visible=False)
        return {
            self.chatbot: [],
            self.messages: [],
            self.turns: [],
            self.last_answer: None,
            self.conversation_id: new_conversation_id(),
            self.feedback_group: hidden,
            self.feedback_status: "",
            self.privacy_notice: hidden,
            self.answers_by_message: {},
        }

    async def give_feedback(self, choice: str | None, why: str, answered: dict | None) -> str:
        if not answered:
            return "Posez d'abord une question."
        if choice not in ("up", "down"):
            return "Choisissez d'abord 👍 ou 👎."
        try:
            result = await self.bridge.give_feedback(
                question_id=answered["question_id"],
                vote=choice,
                reason=(why or "").strip(),
                conversation_id=answered["conversation_id"],
            )
        except UiError as error:
            return f"**Erreur :** {error}"
        masked = result.get("reason_masked") or []
        extra = (
            " Données personnelles masquées dans votre raison : "
            + ", ".join(texts.pii_label(k) for k in masked)
            + "."
            if masked
            else ""
        )
        return f"{result['detail']}{extra}"

    async def thumb(self, remembered: dict, answered: dict | None, liked: gr.EventData) -> dict:
        """👍/👎 on any answer of the conversation, not only the last one."""
        # The event's data as sent (``gr.LikeData`` would fail, in English, on a malformed one
        # before this handler runs).
        data = getattr(liked, "_data", None)
        data = data if isinstance(data, dict) else {}
        vote_given = data.get("liked", True)
        if vote_given not in (True, False):
            return {self.vote: gr.skip()}  # a vote withdrawn: the last one stays recorded
        target = chat_view.liked_answer(remembered, data.get("index"))
        if target is None:
            return {
                self.feedback_status: "Ce message n'est pas une réponse de l'assistant : "
                "avis non enregistré."
            }
        choice = "up" if vote_given else "down"
        try:
            result = await self.bridge.give_feedback(
                question_id=target["question_id"],
                vote=choice,
                reason="",
                conversation_id=target["conversation_id"],
            )
        except UiError as error:
            return {self.feedback_status: f"**Erreur :** {error}"}
        is_last = bool(answered) and answered["question_id"] == target["question_id"]
        which = "la dernière réponse" if is_last else "une réponse précédente"
        update = {self.feedback_status: f"{result['detail']} (avis sur {which}.)"}
        if is_last:
            update[self.vote] = choice
        return update
