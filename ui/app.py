"""The Gradio page: agents' chat, « Vérifier mon texte », and the trainers' area.

``build_ui(container)`` builds the page and returns ``(blocks, mount_options)``: in Gradio 6 the
theme, CSS and JS are given to ``mount_gradio_app`` (or ``launch``), not to ``Blocks``.
``assistant.api.app.create_app`` mounts it at ``/``. Nothing is built at import time, and the
handlers are async: one slow answer never holds up another agent.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import gradio as gr

from ui import chat_view, queue_view, report, texts
from ui.bridge import ApiBridge, UiError, not_uploaded_here
from ui.theme import page_options

log = logging.getLogger("ui")

#: Events processed at once by this app (Gradio's default, 40, is too few for a webinar).
MAX_CONCURRENT_EVENTS = 256
#: Events waiting in Gradio's queue before new ones are turned away.
MAX_QUEUE_SIZE = 2000
DASHBOARD_REFRESH_S = 10.0
#: How long an import request waits before the page follows it in the background, and how often
#: the page asks for its progress then.
UI_IMPORT_WAIT_S = 1.0
IMPORT_POLL_S = 1.0
_CONVERSATION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

HEADER_HTML = f"""
<header id="tn-header">
  <div class="tn-bloc" aria-hidden="true">Territoires<br>Numériques</div>
  <div>
    <h1>{texts.APP_TITLE}</h1>
    <p>Les réponses s'appuient sur la charte d'utilisation de l'IA et les fiches de bonnes
    pratiques du syndicat, et citent leurs sources.</p>
  </div>
</header>
"""
AI_NOTICE_HTML = (
    f'<div class="tn-notice" role="note"><strong>Intelligence artificielle.</strong> '
    f"{texts.AI_NOTICE}</div>"
)
CHECK_INTRO = """\
Avant de coller un texte dans un outil d'IA, quel qu'il soit, vérifiez ici ce qu'il contient :
l'assistant repère les données personnelles (noms, téléphones, adresses, numéros de sécurité
sociale, IBAN…), les remplace par des marques comme `[PERSONNE_1]` et vous rend le texte masqué.
**Le texte n'est ni conservé ni journalisé.** L'outil peut manquer une donnée : relisez toujours.
"""


def build_ui(container: Any, *, api_state: Any | None = None) -> tuple[gr.Blocks, dict[str, Any]]:
    """The page for ``container``; ``api_state``: the API's ``ApiState`` when mounted by
    ``create_app`` (shared logs, metrics, quotas), else the UI builds its own."""
    bridge = ApiBridge(container, api_state)
    from assistant.api.routes.check import MAX_CHECK_CHARS, text_too_long
    from assistant.api.schemas import JOBS, MAX_QUESTION_CHARS, question_too_long
    from guardrails.injection import clean_typed_text

    with gr.Blocks(
        title=texts.APP_TITLE,
        analytics_enabled=False,
        delete_cache=(3600, 3600),
    ) as demo:
        conversation_id = gr.State(None)  # set by the first answer
        messages = gr.State([])
        turns = gr.State([])
        last_answer = gr.State(None)
        answers_by_message = gr.State({})  # chat message index -> the answer it belongs to
        trainer = gr.State("")
        # Files this session uploaded while a trainer was logged in: the only ones its import
        # and replace accept (a file value is a path on the server, which a client can forge).
        uploaded = gr.State([])

        gr.HTML(HEADER_HTML, padding=False)
        with gr.Tabs():
            # ---- agents' chat ------------------------------------------------------------
            with gr.Tab("Poser une question", id="chat"):
                gr.HTML(AI_NOTICE_HTML, padding=False)
                backend_status = gr.Markdown(
                    _backend_status(container), elem_classes=["tn-backend"]
                )
                with gr.Row(equal_height=True):
                    job = gr.Dropdown(
                        choices=[("Non précisé", "")]
                        + [(label, key) for key, label in JOBS.items()],
                        value="",
                        label="Votre métier (facultatif)",
                        info="Sert seulement aux statistiques anonymes du webinaire.",
                        elem_id="job",
                    )
                    access_code = gr.Textbox(
                        label="Code d'accès du webinaire",
                        type="password",
                        visible=bridge.access_code_required,
                        elem_id="access-code",
                    )
                chatbot = gr.Chatbot(
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
                privacy_notice = gr.Markdown(
                    visible=False, elem_id="pii-notice", elem_classes=["tn-notice"]
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        label="Votre question",
                        info=texts.ENTER_HINT,
                        placeholder="Par exemple : puis-je utiliser ChatGPT pour rédiger un "
                        "courrier à un administré ?",
                        # One line to start with (it grows as the text does): Gradio sends a
                        # one-line box on Enter and leaves Shift+Enter to the new line, as
                        # every chat does; from two lines on it does the reverse.
                        lines=1,
                        max_lines=8,
                        max_length=MAX_QUESTION_CHARS,
                        scale=6,
                        elem_id="question",
                    )
                    ask = gr.Button("Envoyer", variant="primary", scale=1, elem_id="ask")
                gr.Examples(
                    examples=[[q] for q in texts.EXAMPLE_QUESTIONS],
                    inputs=[question],
                    label="Exemples de questions (cliquez pour les reprendre)",
                )
                with gr.Group(visible=False, elem_id="feedback") as feedback_group:
                    vote = gr.Radio(
                        choices=[("👍 Oui, utile", "up"), ("👎 Non, pas utile", "down")],
                        label="La dernière réponse vous a-t-elle aidé ?",
                        elem_id="vote",
                    )
                    reason = gr.Textbox(
                        label="Pourquoi ? (facultatif)",
                        placeholder="Ce qui manque, ce qui est inexact… Les données "
                        "personnelles éventuelles seront masquées.",
                        lines=2,
                        max_length=2000,
                        elem_id="reason",
                    )
                    send_feedback = gr.Button("Envoyer mon avis", elem_id="send-feedback")
                    feedback_status = gr.Markdown(elem_id="feedback-status")
                new_conversation = gr.Button(
                    "Nouvelle conversation", variant="secondary", size="sm"
                )

            # ---- « Vérifier mon texte » --------------------------------------------------
            with gr.Tab("Vérifier mon texte", id="check"):
                gr.Markdown(CHECK_INTRO)
                check_input = gr.Textbox(
                    label="Texte à vérifier",
                    lines=8,
                    max_length=MAX_CHECK_CHARS,
                    elem_id="check-input",
                )
                check_button = gr.Button("Vérifier", variant="primary", elem_id="check-button")
                check_summary = gr.Markdown(elem_id="check-summary")
                check_findings = gr.Dataframe(
                    headers=["Type de donnée", "Remplacée par", "Position dans le texte"],
                    label="Données personnelles repérées",
                    interactive=False,
                    wrap=True,
                )
                check_output = gr.Textbox(
                    label="Texte masqué (à utiliser à la place de l'original)",
                    lines=8,
                    interactive=False,
                    buttons=["copy"],
                    elem_id="check-output",
                )

            # ---- trainers ----------------------------------------------------------------
            with gr.Tab("Espace formateur", id="trainer"):
                with gr.Column(visible=True) as login_box:
                    gr.Markdown(
                        "### Connexion des formateurs\nGestion du corpus et suivi des "
                        "webinaires. Les comptes sont définis par l'administrateur du service."
                    )
                    username = gr.Textbox(label="Identifiant", elem_id="username")
                    password = gr.Textbox(label="Mot de passe", type="password", elem_id="password")
                    login_button = gr.Button("Se connecter", variant="primary", elem_id="login")
                    login_status = gr.Markdown()
                with gr.Column(visible=False) as trainer_box:
                    with gr.Row(equal_height=True):
                        trainer_status = gr.Markdown()
                        logout_button = gr.Button("Se déconnecter", size="sm", scale=0)
                    with gr.Tabs():
                        with gr.Tab("Documents du corpus", id="documents"):
                            corpus = _corpus_section(container.settings.ingestion)
                            queue_view.build_document_links(container, corpus["selected"], trainer)
                        with gr.Tab("Tableau de bord du webinaire", id="dashboard"):
                            dash = _dashboard_section()
                        queue_view.build_queue_tab(container, trainer)
                timer = gr.Timer(DASHBOARD_REFRESH_S, active=False)

        # ---- handlers: chat --------------------------------------------------------------
        async def respond(
            text: str,
            job_key: str,
            code: str,
            shown: list,
            history: list,
            conv_id: Any,
            request: gr.Request,
        ) -> AsyncIterator[tuple]:
            conv_id = conv_id if _valid_conversation_id(conv_id) else _new_conversation_id()
            unchanged = (gr.skip(),) * 8
            # The API's limit: the text box's own limit is the browser's, which a client skips.
            too_long = question_too_long(text or "")
            if too_long:
                gr.Warning(too_long)
                yield unchanged
                return
            # Shown back in the chat and kept in the history as the engine will read it.
            text = clean_typed_text(text or "").strip()
            if not text:
                gr.Warning(texts.EMPTY_QUESTION)
                yield unchanged
                return
            client = _client(request)
            try:
                code_ok = bridge.access_code_ok(code, client)
            except UiError as error:
                gr.Warning(str(error))
                yield unchanged
                return
            if not code_ok:
                gr.Warning(texts.ACCESS_CODE_NEEDED)
                yield unchanged
                return
            wait = bridge.question_wait(client)
            if wait:
                gr.Warning(f"Trop de questions en peu de temps : réessayez dans {int(wait) + 1} s.")
                yield unchanged
                return
            pending = [
                *shown,
                chat_view.user_message(text),
                chat_view.assistant_message(texts.WAITING),
            ]
            hidden = gr.update(visible=False)
            yield pending, "", gr.skip(), gr.skip(), gr.skip(), gr.skip(), conv_id, hidden
            answer, record = "", None
            try:
                async for event in bridge.answer_events(
                    text,
                    history=chat_view.engine_history(history),
                    conversation_id=conv_id,
                    job=job_key,
                ):
                    if event.type == "token":
                        answer += event.data
                        pending[-1] = chat_view.assistant_message(answer)
                    elif event.type == "queue":
                        pending[-1] = chat_view.assistant_message(
                            chat_view.queue_text(event.data["position"])
                        )
                    elif event.type == "final":
                        record = event.data
                        continue
                    elif event.type == "findings":
                        early = chat_view.pii_notice(event.data)
                        if not early:
                            continue
                        yield (
                            pending,
                            gr.skip(),
                            gr.skip(),
                            gr.skip(),
                            gr.skip(),
                            gr.skip(),
                            conv_id,
                            gr.update(value=f"**Votre question :** {early}.", visible=True),
                        )
                        continue
                    else:
                        continue
                    yield (
                        pending,
                        gr.skip(),
                        gr.skip(),
                        gr.skip(),
                        gr.skip(),
                        gr.skip(),
                        conv_id,
                        gr.skip(),
                    )
            except Exception as error:
                from guardrails.pii import PiiInputError

                if not isinstance(error, PiiInputError):
                    log.error(
                        "ui answer failed", exc_info=(type(error), error, error.__traceback__)
                    )
                message = str(error) if isinstance(error, PiiInputError) else None
                pending[-1] = chat_view.assistant_message(message or texts.INTERNAL_ERROR)
                yield pending, gr.skip(), gr.skip(), pending, gr.skip(), None, conv_id, hidden
                return
            if record is None:
                return
            passages = await bridge.passages([chat_view.chunk_id_of(c) for c in record.citations])
            final = [*shown, chat_view.user_message(text)]
            notice = chat_view.pii_message(record)
            if notice is not None:
                final.append(notice)
            final.append(
                chat_view.assistant_message(record.answer + chat_view.answer_footer(record))
            )
            final.extend(chat_view.source_messages(record, passages))
            history = [
                *history,
                {"role": "user", "content": text},
                {"role": "assistant", "content": record.answer},
            ]
            answered = {"question_id": record.question_id, "conversation_id": conv_id}
            masked = chat_view.pii_notice(record.findings)
            yield (
                final,
                "",
                _backend_status(container, record),
                final,
                history,
                answered,
                conv_id,
                gr.update(value=f"**Votre dernière question :** {masked}.", visible=True)
                if masked
                else hidden,
            )

        chat_outputs = [
            chatbot,
            question,
            backend_status,
            messages,
            turns,
            last_answer,
            conversation_id,
            privacy_notice,
        ]
        asked = gr.on(
            triggers=[question.submit, ask.click],
            fn=respond,
            inputs=[question, job, access_code, messages, turns, conversation_id],
            outputs=chat_outputs,
            api_name="poser_question",
            concurrency_limit=None,
            show_progress="minimal",
        )
        asked.success(
            lambda answered, shown, remembered: (
                gr.update(visible=answered is not None),
                None,
                "",
                "",
                chat_view.remember_answer(remembered, shown, answered),
            ),
            inputs=[last_answer, messages, answers_by_message],
            outputs=[feedback_group, vote, reason, feedback_status, answers_by_message],
            api_visibility="private",
            queue=False,
        )

        def restart() -> tuple:
            hidden = gr.update(visible=False)
            return [], [], [], None, _new_conversation_id(), hidden, "", hidden, {}

        restart_outputs = [
            chatbot,
            messages,
            turns,
            last_answer,
            conversation_id,
            feedback_group,
            feedback_status,
            privacy_notice,
            answers_by_message,
        ]
        for trigger in (chatbot.clear, new_conversation.click):
            trigger(restart, outputs=restart_outputs, api_visibility="private", queue=False)

        async def give_feedback(choice: str | None, why: str, answered: dict | None) -> str:
            if not answered:
                return "Posez d'abord une question."
            if choice not in ("up", "down"):
                return "Choisissez d'abord 👍 ou 👎."
            try:
                result = await bridge.give_feedback(
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

        send_feedback.click(
            give_feedback,
            inputs=[vote, reason, last_answer],
            outputs=[feedback_status],
            api_visibility="private",
            concurrency_limit=None,
        )

        async def thumb(remembered: dict, answered: dict | None, liked: gr.EventData) -> tuple:
            """👍/👎 on any answer of the conversation, not only the last one."""
            # The event's data as sent (``gr.LikeData`` would fail, in English, on a malformed
            # one before this handler runs).
            data = getattr(liked, "_data", None)
            data = data if isinstance(data, dict) else {}
            vote_given = data.get("liked", True)
            if vote_given not in (True, False):
                return gr.skip(), gr.skip()  # a vote withdrawn: the last one stays recorded
            target = chat_view.liked_answer(remembered, data.get("index"))
            if target is None:
                return "Ce message n'est pas une réponse de l'assistant : avis non enregistré.", (
                    gr.skip()
                )
            choice = "up" if vote_given else "down"
            try:
                result = await bridge.give_feedback(
                    question_id=target["question_id"],
                    vote=choice,
                    reason="",
                    conversation_id=target["conversation_id"],
                )
            except UiError as error:
                return f"**Erreur :** {error}", gr.skip()
            is_last = bool(answered) and answered["question_id"] == target["question_id"]
            which = "la dernière réponse" if is_last else "une réponse précédente"
            return f"{result['detail']} (avis sur {which}.)", choice if is_last else gr.skip()

        chatbot.like(
            thumb,
            inputs=[answers_by_message, last_answer],
            outputs=[feedback_status, vote],
            api_visibility="private",
            concurrency_limit=None,
        )

        # ---- handlers: « Vérifier mon texte » ----------------------------------------------
        async def check(text: str) -> tuple:
            if not (text or "").strip():
                gr.Warning("Collez d'abord le texte à vérifier.")
                return gr.skip(), gr.skip(), gr.skip()
            too_long = text_too_long(text)
            if too_long:
                return f"**Erreur :** {too_long}", [], ""
            try:
                result = await bridge.check_text(text)
            except UiError as error:
                return f"**Erreur :** {error}", [], ""
            rows = [
                [texts.pii_label(f["type"]), f["placeholder"], f"{f['start']}–{f['end']}"]
                for f in result["findings"]
            ]
            return f"**{result['detail']}**", rows, result["text"]

        check_button.click(
            check,
            inputs=[check_input],
            outputs=[check_summary, check_findings, check_output],
            api_name="verifier_texte",
            concurrency_limit=None,
        )

        # ---- handlers: trainers ------------------------------------------------------------
        async def login(name: str, secret: str, request: gr.Request) -> tuple:
            try:
                who = await bridge.login(name, secret, _client(request))
            except UiError as error:
                return "", gr.skip(), gr.skip(), f"**Erreur :** {error}", "", gr.skip(), gr.skip()
            if who is None:
                return (
                    "",
                    gr.skip(),
                    gr.skip(),
                    "**Erreur :** Identifiant ou mot de passe incorrect.",
                    "",
                    gr.skip(),
                    gr.skip(),
                )
            return (
                who,
                gr.update(visible=False),
                gr.update(visible=True),
                "",
                "",
                f"Connecté·e en tant que **{who}**.",
                gr.Timer(active=True),
            )

        logged_in = gr.on(
            triggers=[login_button.click, password.submit],
            fn=login,
            inputs=[username, password],
            outputs=[
                trainer,
                login_box,
                trainer_box,
                login_status,
                password,
                trainer_status,
                timer,
            ],
            api_visibility="private",
            concurrency_limit=None,
        )

        def logout() -> tuple:
            return (
                "",
                gr.update(visible=True),
                gr.update(visible=False),
                gr.Timer(active=False),
                [],
            )

        logout_button.click(
            logout,
            outputs=[trainer, login_box, trainer_box, timer, uploaded],
            api_visibility="private",
            queue=False,
        )

        async def refresh_documents(who: str) -> tuple:
            if not who:
                return gr.skip(), gr.skip()
            try:
                documents = await bridge.list_documents(who)
            except UiError as error:
                gr.Warning(str(error))
                return gr.skip(), gr.skip()
            rows = [_document_row(d) for d in documents]
            choices = [
                (f"{d['title']} ({d['doc_id']}) — {d['status_fr']}", d["doc_id"]) for d in documents
            ]
            return rows, gr.update(choices=choices, value=None)

        document_outputs = [corpus["documents"], corpus["selected"]]
        logged_in.success(
            refresh_documents,
            inputs=[trainer],
            outputs=document_outputs,
            api_visibility="private",
        )
        corpus["refresh"].click(
            refresh_documents,
            inputs=[trainer],
            outputs=document_outputs,
            api_visibility="private",
        )

        def remember_uploads(files: Any, who: str, known: list[str] | None) -> Any:
            if not who:
                return gr.skip()
            return _remember(known, files)

        for upload_box in (corpus["files"], corpus["new_version"]):
            upload_box.upload(
                remember_uploads,
                inputs=[upload_box, trainer, uploaded],
                outputs=[uploaded],
                api_visibility="private",
                queue=False,
            )

        import_parts = [
            corpus["status"],
            corpus["report"],
            corpus["files"],
            corpus["new_version"],
            corpus["cancel"],
            corpus["pending"],
            uploaded,
        ]

        async def follow(
            reports: list[dict[str, Any]], who: str, summary: Any = None
        ) -> AsyncIterator[dict]:
            """Show the imports' progress until they are all finished; cancellable meanwhile.
            ``summary(reports)``: the final status line (default: counts by outcome)."""
            while pending := [r["import_id"] for r in reports if _running(r)]:
                yield {
                    corpus["status"]: _import_progress(reports),
                    corpus["report"]: [_outcome_row(r) for r in reports],
                    corpus["cancel"]: gr.update(visible=True),
                    corpus["pending"]: pending,
                }
                await asyncio.sleep(IMPORT_POLL_S)
                reports = [await _status(r, who) if _running(r) else r for r in reports]
            yield {
                corpus["status"]: (summary or _import_summary)(reports),
                corpus["report"]: [_outcome_row(r) for r in reports],
                corpus["cancel"]: gr.update(visible=False, interactive=True),
                corpus["pending"]: [],
            }

        async def _status(report_: dict[str, Any], who: str) -> dict[str, Any]:
            try:
                return await bridge.import_status(who, report_["import_id"])
            except UiError as error:
                return {**report_, "status": "failed", "status_fr": "inconnu",
                        "message": str(error)}

        async def import_documents(
            files: list[str] | None, theme: str, who: str, known: list[str] | None
        ) -> AsyncIterator[dict]:
            if not who:
                yield {
                    corpus["status"]: f"**Erreur :** {texts.LOGIN_NEEDED}",
                    corpus["files"]: None,
                }
                return
            if not files:
                yield {corpus["status"]: "Choisissez d'abord un ou plusieurs fichiers."}
                return
            foreign = _not_uploaded(known, files)
            if foreign:
                yield {
                    corpus["status"]: f"**Erreur :** {not_uploaded_here(foreign)}",
                    corpus["files"]: None,
                }
                return
            try:
                reports = await bridge.upload(
                    who, files, theme=theme or None, wait_s=UI_IMPORT_WAIT_S
                )
            except UiError as error:
                yield {
                    corpus["status"]: f"**Erreur :** {error}",
                    corpus["files"]: None,
                    uploaded: _forget(known, files),
                }
                return
            first = True
            async for update in follow(reports, who):
                if first:
                    update[corpus["files"]] = None
                    update[uploaded] = _forget(known, files)
                    first = False
                yield update

        corpus["import"].click(
            import_documents,
            inputs=[corpus["files"], corpus["theme"], trainer, uploaded],
            outputs=import_parts,
            api_visibility="private",
            concurrency_limit=4,
            concurrency_id="corpus-import",
        ).then(
            refresh_documents,
            inputs=[trainer],
            outputs=document_outputs,
            api_visibility="private",
        )

        async def cancel_imports(pending: list[str] | None, who: str) -> dict:
            for import_id in pending or []:
                try:
                    await bridge.cancel_import(who, import_id)
                except UiError:
                    continue  # finished meanwhile: its report says how
            return {
                corpus["cancel"]: gr.update(interactive=False),
                corpus["status"]: "Annulation demandée : l'import s'arrête après le lot de "
                "passages en cours, sans rien laisser dans le corpus…",
            }

        corpus["cancel"].click(
            cancel_imports,
            inputs=[corpus["pending"], trainer],
            outputs=[corpus["cancel"], corpus["status"]],
            api_visibility="private",
            concurrency_limit=None,
        )

        async def act(
            action: str, doc_id: str | None, file: str | None, who: str, known: list[str] | None
        ) -> AsyncIterator[dict]:
            if not who:
                yield {corpus["status"]: f"**Erreur :** {texts.LOGIN_NEEDED}"}
                return
            if not doc_id:
                yield {corpus["status"]: "Choisissez d'abord un document dans la liste."}
                return
            try:
                if action == "remove":
                    result = await bridge.remove(who, doc_id)
                    yield {corpus["status"]: f"{result['detail']}"}
                    return
                if action == "approve":
                    outcome = await bridge.approve(who, doc_id, wait_s=UI_IMPORT_WAIT_S)
                elif not file:
                    yield {
                        corpus["status"]: "Choisissez d'abord le fichier de la nouvelle version."
                    }
                    return
                elif foreign := _not_uploaded(known, [file]):
                    yield {
                        corpus["status"]: f"**Erreur :** {not_uploaded_here(foreign)}",
                        corpus["new_version"]: None,
                    }
                    return
                else:
                    outcome = await bridge.replace(who, doc_id, file, wait_s=UI_IMPORT_WAIT_S)
            except UiError as error:
                yield {corpus["status"]: f"**Erreur :** {error}"}
                return
            async for update in follow([outcome], who, summary=_action_summary(action)):
                if action == "replace":
                    update[corpus["new_version"]] = None
                    update[uploaded] = _forget(known, [file])
                yield update

        def action_handler(action: str):
            async def run(
                doc_id: str | None, file: str | None, who: str, known: list[str] | None
            ) -> AsyncIterator[dict]:
                async for update in act(action, doc_id, file, who, known):
                    yield update

            return run

        for action, button in (
            ("remove", corpus["remove"]),
            ("approve", corpus["approve"]),
            ("replace", corpus["replace"]),
        ):
            button.click(
                action_handler(action),
                inputs=[corpus["selected"], corpus["new_version"], trainer, uploaded],
                outputs=import_parts,
                api_visibility="private",
                concurrency_limit=4,
                concurrency_id="corpus",
            ).then(
                refresh_documents,
                inputs=[trainer],
                outputs=document_outputs,
                api_visibility="private",
            )

        async def refresh_dashboard(period: str, who: str) -> tuple:
            if not who:
                return (gr.skip(),) * 6
            try:
                data = await bridge.analytics(who, since_minutes=report.PERIODS.get(period))
            except UiError as error:
                return (f"**Erreur :** {error}",) + (gr.skip(),) * 5
            tables = report.dashboard_tables(data)
            return (
                report.summary_markdown(data),
                tables["questions"],
                tables["themes"],
                tables["jobs"],
                tables["refused"],
                tables["feedback"],
            )

        dashboard_outputs = [
            dash["summary"],
            dash["questions"],
            dash["themes"],
            dash["jobs"],
            dash["refused"],
            dash["feedback"],
        ]
        for trigger in (dash["refresh"].click, dash["period"].change, timer.tick):
            trigger(
                refresh_dashboard,
                inputs=[dash["period"], trainer],
                outputs=dashboard_outputs,
                api_visibility="private",
                show_progress="hidden",
                concurrency_limit=None,
            )
        logged_in.success(
            refresh_dashboard,
            inputs=[dash["period"], trainer],
            outputs=dashboard_outputs,
            api_visibility="private",
        )

        async def export(period: str, who: str) -> Any:
            since = report.PERIODS.get(period)
            try:
                data = await bridge.analytics(who, since_minutes=since, limit=1000)
                csv_bytes = await bridge.export_csv(who, since_minutes=since)
            except UiError as error:
                gr.Warning(str(error))
                return gr.skip()
            paths = await asyncio.to_thread(report.export_files, data, csv_bytes, period=period)
            return [str(p) for p in paths]

        dash["export"].click(
            export,
            inputs=[dash["period"], trainer],
            outputs=[dash["files"]],
            api_visibility="private",
            concurrency_limit=4,
        )

        demo.load(
            lambda: _backend_status(container),
            outputs=[backend_status],
            api_visibility="private",
            queue=False,
        )

    demo.max_threads = MAX_CONCURRENT_EVENTS
    demo.queue(default_concurrency_limit=None, max_size=MAX_QUEUE_SIZE)
    return demo, page_options()


# ---- layout pieces -------------------------------------------------------------------------
def _corpus_section(limits: Any) -> dict[str, Any]:
    from assistant.ingestion.loaders import SUPPORTED_EXTENSIONS
    from assistant.ingestion.pipeline import THEMES, french_number

    parts: dict[str, Any] = {}
    gr.Markdown(
        "### Importer des documents\nFormats acceptés : "
        + ", ".join(sorted(SUPPORTED_EXTENSIONS))
        + f". Au plus {limits.max_file_mb:g} Mo et {french_number(limits.max_passages)} "
        "passages par document. Un document de même identifiant remplace l'ancienne version ; "
        "un document qui contient des instructions suspectes est mis en quarantaine jusqu'à sa "
        "validation. Un long import se poursuit en arrière-plan : son avancement s'affiche "
        "ici, et il peut être annulé."
    )
    with gr.Row():
        parts["files"] = gr.File(
            file_count="multiple",
            file_types=sorted(SUPPORTED_EXTENSIONS),
            label="Documents à importer (plusieurs possibles)",
            elem_id="upload",
            scale=3,
        )
        with gr.Column(scale=1):
            parts["theme"] = gr.Dropdown(
                choices=[("Celui de l'en-tête du document", "")]
                + [(texts.theme_label(t), t) for t in THEMES],
                value="",
                label="Thème imposé (facultatif)",
            )
            parts["import"] = gr.Button("Importer", variant="primary", elem_id="import")
    parts["status"] = gr.Markdown(elem_id="corpus-status")
    parts["cancel"] = gr.Button(
        "Annuler l'import", variant="stop", size="sm", visible=False, elem_id="cancel-import"
    )
    parts["pending"] = gr.State([])
    parts["report"] = gr.Dataframe(
        headers=[
            "Fichier",
            "Résultat",
            "Identifiant",
            "Passages",
            "Données personnelles masquées",
            "Signaux suspects",
            "Message",
        ],
        label="Rapport d'import, fichier par fichier",
        interactive=False,
        wrap=True,
        column_widths=["17%", "11%", "15%", "8%", "14%", "12%", "23%"],
        elem_id="import-report",
    )
    gr.Markdown("### Documents du corpus")
    parts["documents"] = gr.Dataframe(
        headers=[
            "Identifiant",
            "Titre",
            "Thème",
            "Version",
            "Importé le",
            "Passages",
            "État",
            "Données masquées",
        ],
        label="Documents du corpus",
        interactive=False,
        wrap=True,
        column_widths=["15%", "24%", "13%", "8%", "13%", "8%", "9%", "10%"],
        elem_id="documents",
    )
    parts["refresh"] = gr.Button("Actualiser la liste", size="sm")
    with gr.Group():
        parts["selected"] = gr.Dropdown(
            choices=[], label="Document concerné", elem_id="selected-document"
        )
        with gr.Row():
            parts["remove"] = gr.Button("Retirer du corpus", variant="stop")
            parts["approve"] = gr.Button("Valider (document en quarantaine)")
        parts["new_version"] = gr.File(
            file_count="single",
            file_types=sorted(SUPPORTED_EXTENSIONS),
            label="Nouvelle version du document choisi",
        )
        parts["replace"] = gr.Button("Remplacer par cette nouvelle version")
    return parts


def _dashboard_section() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    gr.Markdown(
        "Les questions arrivent ici au fil du webinaire, **anonymisées** (seule la version "
        f"masquée est conservée). Actualisation automatique toutes les "
        f"{int(DASHBOARD_REFRESH_S)} secondes."
    )
    with gr.Row(equal_height=True):
        parts["period"] = gr.Dropdown(
            choices=list(report.PERIODS),
            value="Les 3 dernières heures",
            label="Période",
            scale=3,
        )
        parts["refresh"] = gr.Button("Actualiser", scale=1)
    parts["summary"] = gr.Markdown(elem_id="dashboard-summary")
    parts["questions"] = gr.Dataframe(
        headers=report.QUESTION_HEADERS,
        label="Questions du webinaire, les plus récentes d'abord",
        interactive=False,
        wrap=True,
        column_widths=["11%", "45%", "14%", "14%", "8%", "8%"],
        max_height=420,
        elem_id="dashboard-questions",
    )
    with gr.Row():
        parts["themes"] = gr.Dataframe(
            headers=report.COUNT_HEADERS_THEME, label="Par thème", interactive=False
        )
        parts["jobs"] = gr.Dataframe(
            headers=report.COUNT_HEADERS_JOB, label="Par métier", interactive=False
        )
    parts["refused"] = gr.Dataframe(
        headers=report.REFUSED_HEADERS,
        label="Questions que le corpus ne couvre pas",
        interactive=False,
        wrap=True,
        column_widths=["12%", "68%", "20%"],
    )
    parts["feedback"] = gr.Dataframe(
        headers=report.FEEDBACK_HEADERS,
        label="Avis récents des agents",
        interactive=False,
        wrap=True,
        column_widths=["12%", "14%", "74%"],
    )
    gr.Markdown(
        "### Rapport pour le comité\nExport de la période choisie : le rapport (Markdown, "
        "avec son graphique) et toutes les questions anonymisées (CSV, pour un tableur)."
    )
    parts["export"] = gr.Button("Exporter le rapport", variant="primary", elem_id="export")
    parts["files"] = gr.File(
        label="Fichiers du rapport",
        file_count="multiple",
        interactive=False,
        elem_id="export-files",
    )
    return parts


# ---- small helpers -------------------------------------------------------------------------
def _paths(files: Any) -> list[str]:
    """Real paths of a File component's value (one path, a list, or None)."""
    import os

    if not files:
        return []
    values = files if isinstance(files, (list, tuple)) else [files]
    return [os.path.realpath(str(v)) for v in values if v]


def _remember(known: list[str] | None, files: Any) -> list[str]:
    return sorted({*(known or []), *_paths(files)})


def _forget(known: list[str] | None, files: Any) -> list[str]:
    done = set(_paths(files))
    return [p for p in known or [] if p not in done]


def _not_uploaded(known: list[str] | None, files: Any) -> str:
    """The name of the first file this session did not upload, or ""."""
    from pathlib import Path

    allowed = set(known or [])
    return next((Path(p).name for p in _paths(files) if p not in allowed), "")


def _new_conversation_id() -> str:
    return uuid.uuid4().hex


def _valid_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_CONVERSATION_ID.match(value))


def _client(request: gr.Request | None) -> str:
    client = getattr(request, "client", None)
    return getattr(client, "host", None) or "inconnu"


def _backend_status(container: Any, record: Any | None = None) -> str:
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


def _counts(counts: dict[str, int] | None) -> str:
    return ", ".join(f"{texts.pii_label(k)} : {n}" for k, n in sorted((counts or {}).items()))


def _signals(signals: list[dict] | None) -> str:
    return "; ".join(dict.fromkeys(str(s.get("label") or s.get("rule", "")) for s in signals or []))


def _outcome_row(outcome: dict[str, Any]) -> list[Any]:
    return [
        outcome.get("source", ""),
        outcome.get("status_fr", outcome.get("status", "")),
        outcome.get("doc_id", ""),
        outcome.get("chunks", 0),
        _counts(outcome.get("pii_redacted")) or "aucune",
        _signals(outcome.get("injection_signals")) or "aucun",
        # An import in progress: where it is (its message points API clients to its URL).
        _progress_text(outcome) if _running(outcome) else outcome.get("message", ""),
    ]


def _running(report_: dict[str, Any]) -> bool:
    return report_.get("status") in ("queued", "running") and bool(report_.get("import_id"))


def _import_progress(reports: list[dict[str, Any]]) -> str:
    """« Import en cours » and, for each unfinished file, its stage and passages done."""
    done = sum(1 for r in reports if not _running(r))
    lines = [
        f"**Import en cours** : {done} fichier{'s' if done > 1 else ''} terminé"
        f"{'s' if done > 1 else ''} sur {len(reports)}. Vous pouvez continuer à travailler ; "
        "« Annuler l'import » l'arrête sans rien laisser dans le corpus."
    ]
    for r in reports:
        if _running(r):
            lines.append(f"- {r.get('source', '')} : {_progress_text(r)}")
    return "\n".join(lines)


def _progress_text(report_: dict[str, Any]) -> str:
    from assistant.ingestion.pipeline import french_number

    progress = report_.get("progress") or {}
    text = progress.get("stage_fr") or report_.get("status_fr", "")
    if report_.get("cancel_requested"):
        text = "annulation demandée"
    if progress.get("total"):
        text += (
            f", {french_number(progress.get('done', 0))} / {french_number(progress['total'])} "
            f"passages ({progress.get('percent', 0)} %)"
        )
    return text


def _action_summary(action: str):
    def summary(reports: list[dict[str, Any]]) -> str:
        outcome = reports[0]
        if outcome.get("status") in ("failed", "cancelled"):
            return f"**Échec :** {outcome.get('message', '')}"
        if action == "approve":
            return f"Document validé. {outcome.get('message', '')}"
        return str(outcome.get("message", ""))

    return summary


def _import_summary(outcomes: list[dict[str, Any]]) -> str:
    from collections import Counter

    statuses = Counter(o.get("status_fr", o.get("status", "")) for o in outcomes)
    detail = ", ".join(f"{n} {status}" for status, n in statuses.items())
    attention = any(o.get("status") in ("failed", "quarantined") for o in outcomes)
    suffix = " Vérifiez le rapport ci-dessous." if attention else ""
    return (
        f"**{texts.plural(len(outcomes), 'fichier traité', 'fichiers traités')}** : "
        f"{detail}.{suffix}"
    )


def _document_row(document: dict[str, Any]) -> list[Any]:
    status = document.get("status_fr", document.get("status", ""))
    if document.get("status") == "quarantined":
        status = f"{status} (à valider)"
    return [
        document.get("doc_id", ""),
        document.get("title", ""),
        texts.theme_label(document.get("theme")),
        document.get("version", ""),
        report.when(document.get("ingested_at"), with_year=True),
        document.get("chunks", 0),
        status,
        _counts(document.get("pii_redacted")) or "aucune",
    ]


__all__ = ["build_ui"]
